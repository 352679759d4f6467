// check_max_stack_depth (kernel/bpf/verifier.c, v6.13 shape, also 6.18): walk every call
// chain from each root (async callbacks first, in reverse subprog order, then main) summing
// rounded frames: at most MAX_BPF_STACK combined, at most MAX_CALL_FRAMES deep, and a
// subprog that tail-calls may only be entered with < 256 bytes of caller frames. The walk
// also marks tail_call_reachable on every frame below a function that reaches a tail call
// (the flag is sticky for the rest of the walk: an over-approximation the JIT's prologue
// shapes depend on) and decides the per-subprog private-stack mode.
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import { isPseudoCall, isPseudoFunc, calleeTarget } from '../bpf/opcodes.ts';
import * as E from './errors.ts';
import { BPF_PRIV_STACK_MIN_SIZE, MAX_BPF_STACK, MAX_CALL_FRAMES } from '../common/kernelLimits.ts';
import { findSubprogAt, type SubprogBase } from './subprogs.ts';
import type { PrivStackMode } from './types.ts';

/** The "256 bytes" rule for subprogs with tail calls (33 x 256 ~ 8 KiB of kernel stack). */
export const TAIL_CALL_STACK_LIMIT = 256;

export interface StackCheckInput {
  w: E.ProgWhere;
  insns: readonly Insn[];
  subprogs: SubprogBase[];
  /** aux->stack_depth per subprog at check time. */
  depth: readonly number[];
  /** Program-wide mode from bpf_enable_priv_stack (after the tail-call rule). */
  progMode: PrivStackMode;
  /** round_up_stack_depth: 16 when JITed (bpfdbg always JITs); 6.1 used 32. */
  jitRound?: number;
  /** 6.1 rounded max(depth, 1): an empty frame still cost 32 bytes. */
  minDepth?: number;
}

export interface StackCheckResult {
  privStackMode: PrivStackMode[];
  progTailCallReachable: boolean;
  /** Deepest combined normal-stack chain, and largest private frame (for the log note). */
  maxCombined: number;
  maxPriv: number;
}

const roundUp = (v: number, a: number): number => Math.ceil(v / a) * a;

export function checkMaxStackDepth(inp: StackCheckInput): { ok: true; value: StackCheckResult } | { ok: false; error: Diag } {
  const { subprogs, insns, w } = inp;
  const jitRound = inp.jitRound ?? 16;
  const rsd = (k: number): number => roundUp(Math.max(inp.depth[k]!, inp.minDepth ?? 0), jitRound);
  const mode: PrivStackMode[] = subprogs.map(() => 'unknown');
  const res: StackCheckResult = { privStackMode: mode, progTailCallReachable: false, maxCombined: 0, maxPriv: 0 };

  const walk = (root: number, privOk: boolean): Diag | undefined => {
    let depth = 0;
    let frame = 0;
    let idx = root;
    let i = subprogs[root]!.start;
    let tcr = false;
    const retInsn: number[] = [];
    const retProg: number[] = [];
    if (!privOk) mode[idx] = 'none';
    let enter = true;
    for (;;) {
      if (enter) {
        enter = false;
        const sp = subprogs[idx]!;
        if (idx !== 0 && sp.hasTailCall && depth >= TAIL_CALL_STACK_LIMIT) {
          return E.tailCallStackTooLarge(w, retInsn[frame - 1] !== undefined ? retInsn[frame - 1]! - 1 : sp.start, depth);
        }
        const sd = rsd(idx);
        if (privOk && mode[idx] === 'unknown' && sd >= BPF_PRIV_STACK_MIN_SIZE) mode[idx] = 'adaptive';
        if (mode[idx] === 'adaptive') {
          if (sd > MAX_BPF_STACK) return E.privStackTooLarge(w, sp.start, idx, sd);
          res.maxPriv = Math.max(res.maxPriv, sd);
        } else {
          depth += sd;
          if (depth > MAX_BPF_STACK) return E.combinedStackTooLarge(w, sp.start, frame + 1, depth);
          res.maxCombined = Math.max(res.maxCombined, depth);
        }
      }
      // Scan the rest of the current function for calls.
      const end = subprogs[idx]!.end;
      let called = false;
      for (; i < end; i++) {
        const ins = insns[i]!;
        if (!isPseudoCall(ins) && !isPseudoFunc(ins)) continue;
        const callee = findSubprogAt(subprogs, calleeTarget(i, ins));
        if (callee < 0) continue;
        if (subprogs[callee]!.isAsyncCb && !isPseudoCall(ins)) continue; // only referenced
        retInsn[frame] = i + 1;
        retProg[frame] = idx;
        idx = callee;
        i = subprogs[idx]!.start;
        if (!privOk) mode[idx] = 'none';
        if (subprogs[idx]!.hasTailCall) tcr = true;
        frame++;
        if (frame >= MAX_CALL_FRAMES) {
          // Symbolic execution would already have failed one frame deeper when every
          // frame on the chain is static (global functions are verified separately).
          const allStatic = retProg.slice(0, frame).every((k) => !subprogs[k]!.isGlobal) && !subprogs[idx]!.isGlobal;
          const at = retInsn[frame - 1]! - 1;
          return E.callStackTooDeep(w, at, allStatic ? frame + 1 : frame, allStatic ? 'do_check' : 'max_stack');
        }
        called = true;
        enter = true;
        break;
      }
      if (called) continue;
      // End of the function: mark the frames below if a tail call is reachable.
      if (tcr) for (let j = 0; j < frame; j++) subprogs[retProg[j]!]!.tailCallReachable = true;
      if (subprogs[0]!.tailCallReachable) res.progTailCallReachable = true;
      if (frame === 0) return undefined;
      if (mode[idx] !== 'adaptive') depth -= rsd(idx);
      frame--;
      i = retInsn[frame]!;
      idx = retProg[frame]!;
    }
  };

  for (let k = subprogs.length - 1; k >= 0; k--) {
    if (k === 0 || subprogs[k]!.isAsyncCb) {
      const err = walk(k, k === 0 && inp.progMode === 'adaptive');
      if (err) return { ok: false, error: err };
    }
  }
  return { ok: true, value: res };
}

/**
 * The verifier log's summary line: `stack depth 8+0+256+0` (per subprog), newer kernels
 * append ` max M`, M being the larger of the deepest combined normal-stack chain and the
 * largest private frame (inferred from verifier_private_stack.c's expected logs).
 */
export function stackDepthNote(depths: readonly number[], r: StackCheckResult, withMax: boolean): string {
  const base = `stack depth ${depths.join('+')}`;
  return withMax ? `${base} max ${Math.max(r.maxCombined, r.maxPriv)}` : base;
}
