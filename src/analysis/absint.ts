// A small abstract interpreter standing in for the verifier's symbolic execution, for the
// facts the JIT depends on: which registers hold the ctx, a map, a frame-pointer-derived
// pointer (r10 +/- const, copies, spills, bpf2bpf arguments) or a known constant. Each
// subprogram is a forward data-flow fixpoint over its instructions; states from different
// paths are joined (a value survives only when equal on every path), which is what the
// verifier's per-path map/key recording ("poisoning") amounts to for tail calls.
// Results: per-subprog stack high-water marks (grow_stack_state: round_up(-min_off, 8),
// v6.8+), per-insn states for the rewrites, seen insns (for dead-code removal), tail-call
// sites, callback and async-callback subprogs.
// This file is the fixpoint driver; the values and their lattice are in absintState.ts,
// the run's shared state in absintRun.ts, and the transfer functions per instruction
// class in absintAlu.ts, absintJmp.ts, absintCall.ts, absintLoad.ts and absintStore.ts.
import type { Diag } from '../common/diag.ts';
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_ST, BPF_STX } from '../bpf/opcodes.ts';
import { BPF_CALL, BPF_FUNC_tail_call, insnClass, jmpOp, isHelperCall, LD_DW_IMM } from '../bpf/opcodes.ts';
import { aluTransfer } from './absintAlu.ts';
import { callTransfer } from './absintCall.ts';
import { jmpTransfer } from './absintJmp.ts';
import { ldAbsTransfer, ldImm64Transfer, ldxTransfer } from './absintLoad.ts';
import { AbsRun, type AbsInput } from './absintRun.ts';
import { cloneState, eqState, joinState, widenState, type AbsState, type Successors, type Val } from './absintState.ts';
import { storeTransfer } from './absintStore.ts';

export { UNK, type AbsState, type NarrowSlot, type Val } from './absintState.ts';
export type { AbsInput } from './absintRun.ts';

/** After this many changes of one insn's state, its scalars are widened to unknown. */
const WIDEN_AFTER = 24;

export interface TailCallFact {
  insn: number;
  subprog: number;
  map: Val;
  key: Val;
}

export interface AbsResult {
  /** aux->stack_depth per subprog before fixups: grow_stack_state rounds to 8 (v6.8+). */
  stackDepth: number[];
  /** The unrounded high-water mark (update_stack_depth of older kernels, e.g. 6.1). */
  rawStackDepth: number[];
  /** State before each insn (joined over paths); undefined = never seen. */
  before: (AbsState | undefined)[];
  tailCalls: TailCallFact[];
  /** Subprogs referenced as callbacks, and those registered as async (timer) callbacks. */
  asyncCbs: Set<number>;
  /** env->seen_direct_write: a store into skb packet data (tc programs). */
  seenDirectWrite: boolean;
  /** env->seen_exception: a reached bpf_throw call (6.7+). */
  seenException: boolean;
}

/** Runs the abstract interpretation of a linked program to its fixpoint (verifier facts the rewrites and the JIT need). */
export function abstractInterpret(inp: AbsInput): { ok: true; value: AbsResult } | { ok: false; error: Diag } {
  const run = new AbsRun(inp);
  const { insns, subprogs, work, entry } = run;
  const before: (AbsState | undefined)[] = new Array(insns.length).fill(undefined);
  // Outer fixpoint: analyse subprogs whose entry state changed.
  let guard = 0;
  while (work.size && !run.error) {
    if (++guard > 10000) break;
    const sub = work.values().next().value as number;
    work.delete(sub);
    const sp = subprogs[sub]!;
    const inState = new Map<number, AbsState>([[sp.start, entry[sub]!]]);
    const wl = [sp.start];
    const queued = new Set(wl);
    const changes = new Map<number, number>();
    while (wl.length) {
      const i = wl.pop()!;
      queued.delete(i);
      for (const [t, st] of transfer(run, sub, i, cloneState(inState.get(i)!))) {
        if (t < sp.start || t >= sp.end) continue;
        const old = inState.get(t);
        let next = old ? joinState(old, st) : st;
        if (old && !eqState(old, next)) {
          const n = (changes.get(t) ?? 0) + 1;
          changes.set(t, n);
          if (n > WIDEN_AFTER) next = widenState(old, next);
        }
        if (!old || !eqState(old, next)) {
          inState.set(t, next);
          if (!queued.has(t)) {
            queued.add(t);
            wl.push(t);
          }
        }
      }
    }
    for (let i = sp.start; i < sp.end; i++) before[i] = inState.get(i);
  }
  if (run.error) return { ok: false, error: run.error };

  // Facts read from the final states.
  const tailCalls: TailCallFact[] = [];
  subprogs.forEach((sp, k) => {
    for (let i = sp.start; i < sp.end; i++) {
      const ins = insns[i]!;
      const st = before[i];
      if (st && isHelperCall(ins) && ins.imm === BPF_FUNC_tail_call) {
        tailCalls.push({ insn: i, subprog: k, map: st.regs[2]!, key: st.regs[3]! });
      }
    }
  });
  const { stackDepth, rawStackDepth, asyncCbs, seenDirectWrite, seenException } = run;
  return { ok: true, value: { stackDepth, rawStackDepth, before, tailCalls, asyncCbs, seenDirectWrite, seenException } };
}

/** The transfer function of insn i in subprog `sub` on state `s` (the caller's copy): its successors with their states. */
function transfer(run: AbsRun, sub: number, i: number, s: AbsState): Successors {
  const ins = run.insns[i]!;
  if (ins.code === LD_DW_IMM) return ldImm64Transfer(run, i, s);
  switch (insnClass(ins.code)) {
    case BPF_LD:
      return ldAbsTransfer(run, i, s);
    case BPF_LDX:
      return ldxTransfer(run, sub, i, s);
    case BPF_ST:
    case BPF_STX:
      return storeTransfer(run, sub, i, s);
    case BPF_ALU:
    case BPF_ALU64:
      return aluTransfer(ins, i, s);
    case BPF_JMP:
    case BPF_JMP32:
      return jmpOp(ins.code) === BPF_CALL ? callTransfer(run, sub, i, s) : jmpTransfer(run, sub, i, s);
  }
  return [[i + 1, s]];
}
