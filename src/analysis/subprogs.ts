// Subprogram discovery and the linear checks of check_subprogs (kernel/bpf/verifier.c,
// v6.13-6.18). The verifier numbers subprograms by start index in the flat program;
// that numbering is what func_info indexes, jit_subprogs splits on and the JIT calls
// func[i]. Names come from the loader's LinkedFunc table (BpfProgram.funcs).
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import { BPF_JMP, BPF_JMP32 } from '../bpf/opcodes.ts';
import { BPF_JA, BPF_CALL, BPF_EXIT, insnClass, jmpOp, isPseudoCall, isPseudoFunc, isHelperCall, isLdAbsInd, branchTarget } from '../bpf/opcodes.ts';
import { calleeTarget, BPF_FUNC_tail_call, LD_DW_IMM } from '../bpf/opcodes.ts';
import type { BpfProgram } from '../object/types.ts';
import * as E from './errors.ts';
import { BPF_MAX_SUBPROGS } from '../common/kernelLimits.ts';

export interface SubprogBase {
  start: number;
  /** Exclusive end (next subprog's start, or program length). */
  end: number;
  name: string;
  isGlobal: boolean;
  hasTailCall: boolean;
  hasLdAbs: boolean;
  /** check_subprogs sets tail_call_reachable together with has_tail_call. */
  tailCallReachable: boolean;
  isAsyncCb: boolean;
  /** Referenced by LD_IMM64 src 4 (a callback), not only called. */
  isCb: boolean;
  /** The program's exception callback (mark_subprog_exc_cb: also is_cb and is_async_cb). */
  isExceptionCb: boolean;
}

/** add_subprog_and_kfunc + check_subprogs. */
export function findSubprogs(w: E.ProgWhere, insns: readonly Insn[]): { ok: true; subprogs: SubprogBase[] } | { ok: false; error: Diag } {
  const prog: BpfProgram = w.prog;
  const len = insns.length;
  const starts = new Set<number>([0]);
  const cbStarts = new Set<number>();
  for (let i = 0; i < len; i++) {
    const ins = insns[i]!;
    if (isPseudoCall(ins) || isPseudoFunc(ins)) {
      const t = calleeTarget(i, ins);
      if (t < 0 || t >= len) return { ok: false, error: E.callOutOfRange(w, i, t) };
      starts.add(t);
      if (isPseudoFunc(ins)) cbStarts.add(t);
    }
    if (ins.code === LD_DW_IMM) i++;
  }
  // 6.7+: the function the entry's `exception_callback:` decl tag names is a subprogram of
  // its own (bpf_find_exception_callback_insn_off), though nothing calls it.
  const excCb = prog.exceptionCb === undefined ? undefined : prog.funcs.find((f) => f.name === prog.exceptionCb && f.start > 0)?.start;
  if (excCb !== undefined) starts.add(excCb);
  if (starts.size > BPF_MAX_SUBPROGS) return { ok: false, error: E.tooManySubprogs(w) };
  const sorted = [...starts].sort((a, b) => a - b);
  const subprogs: SubprogBase[] = sorted.map((start, k) => {
    const end = k + 1 < sorted.length ? sorted[k + 1]! : len;
    const f = prog.funcs.find((fn) => fn.start === start);
    return {
      start,
      end,
      name: f?.name ?? (k === 0 ? prog.name : `func#${k}`),
      isGlobal: k === 0 ? false : (f?.global ?? false),
      hasTailCall: false,
      hasLdAbs: false,
      tailCallReachable: false,
      isAsyncCb: start === excCb,
      isCb: cbStarts.has(start) || start === excCb,
      isExceptionCb: start === excCb,
    };
  });

  // check_subprogs: jumps stay inside their subprog; the last insn is exit or ja.
  for (const sp of subprogs) {
    for (let i = sp.start; i < sp.end; i++) {
      const ins = insns[i]!;
      if (isHelperCall(ins) && ins.imm === BPF_FUNC_tail_call) {
        sp.hasTailCall = true;
        sp.tailCallReachable = true;
      }
      if (isLdAbsInd(ins.code)) sp.hasLdAbs = true;
      const cls = insnClass(ins.code);
      if (cls === BPF_JMP || cls === BPF_JMP32) {
        const op = jmpOp(ins.code);
        if (op !== BPF_CALL && op !== BPF_EXIT) {
          const t = branchTarget(i, ins);
          if (t < sp.start || t >= sp.end) return { ok: false, error: E.jumpOutOfRange(w, i, t) };
        }
      }
      if (ins.code === LD_DW_IMM) i++;
    }
    const last = insns[sp.end - 1];
    const lastOk = last !== undefined && (last.code === (BPF_JMP | BPF_EXIT) || last.code === (BPF_JMP | BPF_JA) || last.code === (BPF_JMP32 | BPF_JA));
    if (!lastOk) return { ok: false, error: E.lastInsnNotExit(w, sp.end - 1) };
  }
  return { ok: true, subprogs };
}

/** find_subprog(): index of the subprog starting exactly at `start`, or -1. */
export function findSubprogAt(subprogs: readonly { start: number }[], start: number): number {
  return subprogs.findIndex((s) => s.start === start);
}

/** Index of the subprog containing insn `i`. */
export function subprogOf(subprogs: readonly { start: number; end: number }[], i: number): number {
  for (let k = subprogs.length - 1; k >= 0; k--) if (subprogs[k]!.start <= i) return k;
  return 0;
}
