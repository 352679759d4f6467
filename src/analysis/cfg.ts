// check_cfg (kernel/bpf/verifier.c): a depth-first walk from insn 0 that follows jumps,
// bpf2bpf calls and callback references; every instruction must be reached ("unreachable
// insn N") and no edge may land on the second slot of an LD_IMM64. Loops are allowed for a
// bpf_capable loader (bpfdbg models root), so back-edges are not errors. Recursion passes
// check_cfg in the kernel and is rejected during symbolic execution when the call depth
// reaches MAX_CALL_FRAMES: "the call stack of 9 frames is too deep".
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import { BPF_JMP, BPF_JMP32 } from '../bpf/opcodes.ts';
import { BPF_JA, BPF_CALL, BPF_EXIT, insnClass, jmpOp, isPseudoCall, isPseudoFunc, branchTarget, calleeTarget, LD_DW_IMM, isCondJump } from '../bpf/opcodes.ts';
import { JCOND } from '../bpf/opcodes.ts';
import * as E from './errors.ts';
import { findSubprogAt, subprogOf, type SubprogBase } from './subprogs.ts';
import { MAX_CALL_FRAMES } from '../common/kernelLimits.ts';

/** Successors of insn `i` in the CFG (calls: fall-through and callee start). */
export function successors(insns: readonly Insn[], i: number): number[] {
  const ins = insns[i]!;
  if (ins.code === LD_DW_IMM) return isPseudoFunc(ins) ? [i + 2, calleeTarget(i, ins)] : [i + 2];
  const cls = insnClass(ins.code);
  if (cls !== BPF_JMP && cls !== BPF_JMP32) return [i + 1];
  const op = jmpOp(ins.code);
  if (op === BPF_EXIT) return [];
  if (op === BPF_CALL) return isPseudoCall(ins) ? [i + 1, calleeTarget(i, ins)] : [i + 1];
  if (op === BPF_JA) return [branchTarget(i, ins)];
  if (isCondJump(ins.code) || ins.code === JCOND) return [i + 1, branchTarget(i, ins)];
  return [i + 1];
}

export function checkCfg(w: E.ProgWhere, insns: readonly Insn[], subprogs: readonly SubprogBase[]): Diag | undefined {
  const n = insns.length;
  const seen = new Uint8Array(n + 2);
  // 6.7+: the exception callback, which nothing calls, is a second root of the walk.
  const roots = [0, ...subprogs.filter((sp) => sp.isExceptionCb).map((sp) => sp.start)];
  const stack = roots.slice();
  for (const r of roots) seen[r] = 1;
  const edgeFrom = new Int32Array(n + 2).fill(-1);
  while (stack.length) {
    const t = stack.pop()!;
    for (const s of successors(insns, t)) {
      if (s < 0 || s >= n) return E.jumpOutOfRange(w, t, s);
      if (!seen[s]) {
        seen[s] = 1;
        edgeFrom[s] = t;
        stack.push(s);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (!seen[i]) return E.unreachableInsn(w, i);
    if (insns[i]!.code === LD_DW_IMM) {
      if (seen[i + 1]) return E.jumpIntoLdImm64(w, edgeFrom[i + 1]!, i + 1);
      i++;
    }
  }
  return checkRecursion(w, insns, subprogs);
}

/** A cycle in the static call graph: the verifier would nest frames until the limit. */
function checkRecursion(w: E.ProgWhere, insns: readonly Insn[], subprogs: readonly SubprogBase[]): Diag | undefined {
  const callees: { callee: number; at: number }[][] = subprogs.map(() => []);
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i]!;
    if (isPseudoCall(ins)) {
      const k = findSubprogAt(subprogs, calleeTarget(i, ins));
      if (k >= 0) callees[subprogOf(subprogs, i)]!.push({ callee: k, at: i });
    }
  }
  const state = new Uint8Array(subprogs.length); // 0 new, 1 on stack, 2 done
  let found: Diag | undefined;
  const visit = (k: number): void => {
    state[k] = 1;
    for (const e of callees[k]!) {
      if (found) return;
      if (state[e.callee] === 1) found = E.callStackTooDeep(w, e.at, MAX_CALL_FRAMES + 1, 'recursion');
      else if (state[e.callee] === 0) visit(e.callee);
    }
    state[k] = 2;
  };
  for (let k = 0; k < subprogs.length && !found; k++) if (state[k] === 0) visit(k);
  return found;
}
