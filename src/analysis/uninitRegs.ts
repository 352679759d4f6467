// Reads of registers that hold no value, which the verifier refuses in check_reg_arg
// ("R%d !read_ok"): a register is NOT_INIT at program entry (all but R1 and R10), after a
// helper, kfunc or bpf2bpf call (R1-R5 are caller-saved and cleared), after LD_ABS/IND (same)
// and, for R0, until something writes it (check_return_code reads R0 at the main program's
// exit). bpfdbg tracks "written on every path" per register, a must-analysis over the
// instructions the abstract interpreter reached; the verifier walks each path, so this is
// the same answer wherever the paths joining at an instruction agree, which is what
// compilers emit.
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_ST, BPF_STX } from '../bpf/opcodes.ts';
import { BPF_X, BPF_ATOMIC, BPF_IND, BPF_MOV, BPF_NEG, BPF_END, BPF_CALL, BPF_EXIT, BPF_JA, BPF_CMPXCHG, BPF_FETCH, BPF_LOAD_ACQ } from '../bpf/opcodes.ts';
import { BPF_STORE_REL, LD_DW_IMM, JCOND, insnClass, aluOp, jmpOp, srcBit, memMode, isPseudoCall, calleeTarget } from '../bpf/opcodes.ts';
import { successors } from './cfg.ts';
import * as E from './errors.ts';
import { findSubprogAt, type SubprogBase } from './subprogs.ts';

const bit = (r: number): number => 1 << r;
const CALLER_SAVED = bit(1) | bit(2) | bit(3) | bit(4) | bit(5);
const ALL = (1 << 11) - 1;

/** Registers insn `ins` reads, in the order the verifier checks them. */
export function regsRead(ins: Insn): number[] {
  if (ins.code === LD_DW_IMM) return [];
  const cls = insnClass(ins.code);
  switch (cls) {
    case BPF_LD: // LD_ABS/IND: check_ld_abs reads the skb in R6, then (IND) the offset.
      return memMode(ins.code) === BPF_IND ? [6, ins.src] : [6];
    case BPF_LDX:
      return [ins.src];
    case BPF_ST:
      return [ins.dst];
    case BPF_STX:
      if (memMode(ins.code) === BPF_ATOMIC) {
        if (ins.imm === BPF_LOAD_ACQ) return [ins.src];
        if (ins.imm === BPF_CMPXCHG) return [ins.src, ins.dst, 0];
        return [ins.src, ins.dst];
      }
      return [ins.src, ins.dst];
    case BPF_ALU:
    case BPF_ALU64: {
      const op = aluOp(ins.code);
      if (op === BPF_NEG || op === BPF_END) return [ins.dst];
      if (op === BPF_MOV) return srcBit(ins.code) === BPF_X ? [ins.src] : [];
      return srcBit(ins.code) === BPF_X ? [ins.src, ins.dst] : [ins.dst];
    }
    case BPF_JMP:
    case BPF_JMP32: {
      const op = jmpOp(ins.code);
      if (op === BPF_CALL || op === BPF_JA || ins.code === JCOND) return [];
      if (op === BPF_EXIT) return [];
      return srcBit(ins.code) === BPF_X ? [ins.src, ins.dst] : [ins.dst];
    }
  }
  return [];
}

/** Init mask after insn `ins` given the mask before it (`r0Ret`: R0 set after a call). */
function transfer(ins: Insn, m: number, r0Ret: boolean): number {
  if (ins.code === LD_DW_IMM) return m | bit(ins.dst);
  const cls = insnClass(ins.code);
  if (cls === BPF_LD) return (m & ~CALLER_SAVED) | bit(0);
  if (cls === BPF_LDX || cls === BPF_ALU || cls === BPF_ALU64) return m | bit(ins.dst);
  if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC) {
    if (ins.imm === BPF_CMPXCHG) return m | bit(0);
    if (ins.imm === BPF_LOAD_ACQ) return m | bit(ins.dst);
    if (ins.imm !== BPF_STORE_REL && ins.imm & BPF_FETCH) return m | bit(ins.src);
    return m;
  }
  if (cls === BPF_JMP && jmpOp(ins.code) === BPF_CALL) {
    const out = m & ~CALLER_SAVED;
    return r0Ret ? out | bit(0) : out & ~bit(0);
  }
  return m;
}

export interface UninitInput {
  w: E.ProgWhere;
  insns: readonly Insn[];
  subprogs: readonly SubprogBase[];
  /** Did the abstract interpreter reach insn i? Unreached code is not checked. */
  reached: (i: number) => boolean;
  /** check_return_code lets these program types return void (struct_ops, LSM hooks). */
  mayReturnVoid: boolean;
}

export function checkUninitRegs(inp: UninitInput): Diag | undefined {
  const { insns, subprogs, reached, w } = inp;
  // Does a static subprog set R0 on some path to its exits? (prepare_func_exit copies the
  // callee's R0, NOT_INIT included, into the caller.) Refined to a fixpoint; recursion was
  // refused earlier, so this settles.
  const setsR0 = subprogs.map(() => true);
  let masks: (number | undefined)[] = [];
  for (let round = 0; round <= subprogs.length; round++) {
    masks = solve();
    let changed = false;
    subprogs.forEach((sp, k) => {
      let any = false;
      for (let i = sp.start; i < sp.end; i++) {
        if (insns[i]!.code === (BPF_JMP | BPF_EXIT) && masks[i] !== undefined && masks[i]! & bit(0)) any = true;
      }
      if (setsR0[k] !== any) {
        setsR0[k] = any;
        changed = true;
      }
    });
    if (!changed) break;
  }

  for (let k = 0; k < subprogs.length; k++) {
    const sp = subprogs[k]!;
    if (!reached(sp.start)) continue;
    for (const i of unavoidable(sp)) {
      const m = masks[i]!;
      const ins = insns[i]!;
      for (const r of regsRead(ins)) if (r <= 10 && !(m & bit(r))) return E.regNotInit(w, i, r);
      // The main program and global functions are verified as programs of their own:
      // check_return_code reads R0. A static subprog's NOT_INIT R0 reaches its caller.
      if (ins.code === (BPF_JMP | BPF_EXIT) && !(m & bit(0)) && (k === 0 || sp.isGlobal) && !inp.mayReturnVoid) {
        return E.regNotInit(w, i, 0);
      }
    }
  }
  return undefined;

  /** Successors the walk follows inside the subprog (callee entries are roots of their own). */
  function next(sp: SubprogBase, i: number): number[] {
    return successors(insns, i).filter((t) => t >= sp.start && t < sp.end && reached(t));
  }

  /**
   * May-analysis: bit r set when some path writes register r before insn i. A read is
   * reported only where no path wrote the register and every run passes through the insn,
   * so no path the verifier might prune (it tracks ranges; bpfdbg does not) can hide it.
   */
  function solve(): (number | undefined)[] {
    const before: (number | undefined)[] = new Array(insns.length).fill(undefined);
    subprogs.forEach((sp, k) => {
      if (!reached(sp.start)) return;
      // Entry: the main program gets the ctx in R1; subprogs and callbacks get their
      // arguments in R1-R5 (the verifier checks those at the call or from BTF).
      before[sp.start] = k === 0 ? bit(1) | bit(10) : CALLER_SAVED | bit(10);
      const wl = [sp.start];
      while (wl.length) {
        const i = wl.pop()!;
        const ins = insns[i]!;
        let r0Ret = true;
        if (isPseudoCall(ins)) {
          const callee = findSubprogAt(subprogs, calleeTarget(i, ins));
          r0Ret = callee < 0 || subprogs[callee]!.isGlobal || setsR0[callee]!;
        }
        const out = transfer(ins, before[i]!, r0Ret) & ALL;
        for (const t of next(sp, i)) {
          const old = before[t];
          const nx = old === undefined ? out : old | out;
          if (nx !== old) {
            before[t] = nx;
            wl.push(t);
          }
        }
      }
    });
    return before;
  }

  /**
   * Insns every run of the subprog executes: the dominators of a virtual node joining all
   * exits (Cooper, Harvey & Kennedy's iterative algorithm over reverse post-order).
   */
  function unavoidable(sp: SubprogBase): number[] {
    const order: number[] = [];
    const seen = new Set<number>([sp.start]);
    const stack: [number, number[], number][] = [[sp.start, next(sp, sp.start), 0]];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top[2] < top[1].length) {
        const t = top[1][top[2]++]!;
        if (!seen.has(t)) {
          seen.add(t);
          stack.push([t, next(sp, t), 0]);
        }
      } else {
        order.push(top[0]);
        stack.pop();
      }
    }
    const VEXIT = -1;
    const rpo = [VEXIT, ...order].reverse(); // the virtual exit comes last
    const num = new Map<number, number>(rpo.map((v, k) => [v, k]));
    const preds = new Map<number, number[]>(rpo.map((v) => [v, []]));
    for (const v of order) {
      for (const t of next(sp, v)) preds.get(t)!.push(v);
      if (insns[v]!.code === (BPF_JMP | BPF_EXIT)) preds.get(VEXIT)!.push(v);
    }
    const idom = new Map<number, number>([[sp.start, sp.start]]);
    const intersect = (a: number, b: number): number => {
      while (a !== b) {
        while (num.get(a)! > num.get(b)!) a = idom.get(a)!;
        while (num.get(b)! > num.get(a)!) b = idom.get(b)!;
      }
      return a;
    };
    for (let changed = true; changed;) {
      changed = false;
      for (const v of rpo) {
        if (v === sp.start) continue;
        let nd: number | undefined;
        for (const p of preds.get(v)!) if (idom.has(p)) nd = nd === undefined ? p : intersect(p, nd);
        if (nd !== undefined && idom.get(v) !== nd) {
          idom.set(v, nd);
          changed = true;
        }
      }
    }
    const out: number[] = [];
    if (!idom.has(VEXIT)) return out;
    for (let v = idom.get(VEXIT)!; ; v = idom.get(v)!) {
      out.push(v);
      if (v === sp.start) break;
    }
    return out.reverse();
  }
}
