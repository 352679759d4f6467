// Loops with no way out. The verifier (bpf_capable, 5.3+) walks loops iteration by
// iteration; a loop that cannot leave ends one of two ways:
//  - is_state_visited finds the state at a loop head identical to one it stored earlier on
//    the same path: "infinite loop detected at insn N" (N: that head);
//  - the state keeps changing (a counter in a register or stack slot is a new constant every
//    round) until do_check has processed BPF_COMPLEXITY_LIMIT_INSNS (1,000,000) insns:
//    "BPF program is too large. Processed 1000001 insn".
// bpfdbg finds strongly connected components of the reached control-flow graph without an
// exit edge or an exit insn, then tells the two apart by whether a value carried from one
// round to the next is changed by arithmetic on the way round (a counter) or not (values
// reloaded from maps or returned by helpers each round, as `while (1) counter++;` on a global).
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_LD, BPF_LDX, BPF_ST, BPF_STX } from '../bpf/opcodes.ts';
import { BPF_X, BPF_ATOMIC, BPF_MOV, BPF_AND, BPF_OR, BPF_CALL, BPF_EXIT, LD_DW_IMM, insnClass, aluOp, jmpOp, srcBit, memMode } from '../bpf/opcodes.ts';
import type { AbsState } from './absint.ts';
import { successors } from './cfg.ts';
import * as E from './errors.ts';
import { BPF_COMPLEXITY_LIMIT_INSNS } from '../common/kernelLimits.ts';

/** How a value at the loop head relates to the previous round. */
const FRESH = 0; // recomputed from constants, memory or helpers each round
const CARRIED = 1; // the previous round's value, unchanged
const EVOLVING = 2; // the previous round's value changed by arithmetic

export function checkLoops(w: E.ProgWhere, insns: readonly Insn[], before: readonly (AbsState | undefined)[]): Diag | undefined {
  const n = insns.length;
  const reached = (i: number): boolean => i >= 0 && i < n && before[i] !== undefined;
  const succ = (i: number): number[] =>
    successors(insns, i)
      .filter(reached)
      .filter((t) => !isCallee(i, t));
  // A bpf2bpf call returns to i+1; the edge into the callee is not part of this loop.
  const isCallee = (i: number, t: number): boolean => {
    const ins = insns[i]!;
    if (ins.code === LD_DW_IMM) return t !== i + 2;
    return insnClass(ins.code) === BPF_JMP && jmpOp(ins.code) === BPF_CALL && t !== i + 1;
  };

  // Tarjan's SCCs (iterative).
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const comps: number[][] = [];
  let next = 0;
  for (let root = 0; root < n; root++) {
    if (!reached(root) || index[root] !== -1) continue;
    const work: [number, number[], number][] = [[root, succ(root), 0]];
    index[root] = low[root] = next++;
    stack.push(root);
    onStack[root] = 1;
    while (work.length) {
      const top = work[work.length - 1]!;
      const [v, ss] = top;
      if (top[2] < ss.length) {
        const t = ss[top[2]++]!;
        if (index[t] === -1) {
          index[t] = low[t] = next++;
          stack.push(t);
          onStack[t] = 1;
          work.push([t, succ(t), 0]);
        } else if (onStack[t]) low[v] = Math.min(low[v]!, index[t]!);
        continue;
      }
      work.pop();
      if (work.length) {
        const p = work[work.length - 1]![0];
        low[p] = Math.min(low[p]!, low[v]!);
      }
      if (low[v] === index[v]) {
        const comp: number[] = [];
        let x: number;
        do {
          x = stack.pop()!;
          onStack[x] = 0;
          comp.push(x);
        } while (x !== v);
        comps.push(comp);
      }
    }
  }

  let found: { head: number; diag: Diag } | undefined;
  for (const comp of comps) {
    const inComp = new Set(comp);
    const cyclic = comp.length > 1 || succ(comp[0]!).includes(comp[0]!);
    if (!cyclic) continue;
    const closed = comp.every((i) => insns[i]!.code !== (BPF_JMP | BPF_EXIT) && succ(i).every((t) => inComp.has(t)));
    if (!closed) continue;
    // The head: where the walk enters the loop (the lowest such insn).
    let head = Math.min(...comp);
    for (let i = 0; i < n; i++) {
      if (!reached(i) || inComp.has(i)) continue;
      for (const t of succ(i)) if (inComp.has(t) && t < head) head = t;
    }
    const diag = evolves(insns, before, inComp, head, succ) ? E.tooComplex(w, head, BPF_COMPLEXITY_LIMIT_INSNS + 1) : E.infiniteLoop(w, head);
    if (!found || head < found.head) found = { head, diag };
  }
  return found?.diag;
}

/** Does some value carried round the loop change on the way (a counter)? */
function evolves(insns: readonly Insn[], before: readonly (AbsState | undefined)[], comp: Set<number>, head: number, succ: (i: number) => number[]): boolean {
  interface T {
    regs: number[];
    slots: Map<string, number>;
  }
  const join = (a: T, b: T): T => {
    const slots = new Map(a.slots);
    for (const [k, v] of b.slots) slots.set(k, Math.max(v, slots.get(k) ?? CARRIED));
    return { regs: a.regs.map((v, r) => Math.max(v, b.regs[r]!)), slots };
  };
  const same = (a: T, b: T): boolean =>
    a.regs.every((v, r) => v === b.regs[r]) && a.slots.size === b.slots.size && [...a.slots].every(([k, v]) => b.slots.get(k) === v);
  const slotOf = (i: number, reg: number, off: number): string | undefined => {
    const v = before[i]?.regs[reg];
    return v?.k === 'fp' ? `${v.owner}:${v.off + off}` : undefined;
  };
  const start: T = { regs: new Array(11).fill(CARRIED), slots: new Map() };
  const at = new Map<number, T>([[head, start]]);
  const wl = [head];
  let back: T | undefined;
  let guard = 0;
  while (wl.length && ++guard < 100_000) {
    const i = wl.pop()!;
    const s = at.get(i)!;
    const o: T = { regs: s.regs.slice(), slots: new Map(s.slots) };
    const ins = insns[i]!;
    const cls = insnClass(ins.code);
    const R = o.regs;
    if (ins.code === LD_DW_IMM) R[ins.dst] = FRESH;
    else if (cls === BPF_LD) for (let r = 0; r <= 5; r++) R[r] = FRESH;
    else if (cls === BPF_LDX) {
      const k = slotOf(i, ins.src, ins.off);
      R[ins.dst] = k ? (s.slots.get(k) ?? CARRIED) : FRESH;
    } else if (cls === BPF_ST || cls === BPF_STX) {
      const k = slotOf(i, ins.dst, ins.off);
      if (k) o.slots.set(k, cls === BPF_ST ? FRESH : memMode(ins.code) === BPF_ATOMIC ? EVOLVING : R[ins.src]!);
      if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC) R[ins.src] = FRESH;
    } else if (cls === BPF_ALU || cls === BPF_ALU64) {
      const op = aluOp(ins.code);
      const x = srcBit(ins.code) === BPF_X;
      if (op === BPF_MOV) R[ins.dst] = x ? R[ins.src]! : FRESH;
      else {
        const inVal = Math.max(R[ins.dst]!, x ? R[ins.src]! : FRESH);
        // `r &= K`, `r |= K` settle after one round; other arithmetic on a carried value moves it.
        const idempotent = !x && (op === BPF_AND || op === BPF_OR);
        R[ins.dst] = inVal === FRESH ? FRESH : idempotent ? inVal : EVOLVING;
      }
    } else if (cls === BPF_JMP && jmpOp(ins.code) === BPF_CALL) {
      for (let r = 0; r <= 5; r++) R[r] = FRESH;
    }
    for (const t of succ(i)) {
      if (!comp.has(t)) continue;
      if (t === head) {
        back = back ? join(back, o) : o;
        continue;
      }
      const old = at.get(t);
      const nx = old ? join(old, o) : o;
      if (!old || !same(old, nx)) {
        at.set(t, nx);
        wl.push(t);
      }
    }
  }
  if (!back) return false;
  return back.regs.some((v) => v === EVOLVING) || [...back.slots.values()].some((v) => v === EVOLVING);
}
