// optimize_bpf_loop / inline_bpf_loop (kernel/bpf/verifier.c, 5.19+, unchanged through
// 6.18): a bpf_loop call whose flags are the constant 0 and whose callback is the same
// subprogram on every path becomes an inline loop that calls the callback directly. The loop
// keeps its counter, bound and ctx in R6-R8, saved to three stack slots below the
// subprogram's frame, whose stack depth grows by those 24 bytes (plus the rounding of the
// depth to 8) once however many calls it inlines. It runs after check_max_stack_depth
// (the extra bytes are not checked) and before dead-code removal (which keeps the patch:
// inserted insns inherit the call's `seen`).
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_CALL,
  BPF_DW,
  BPF_JA,
  BPF_JEQ,
  BPF_JGE,
  BPF_JLE,
  BPF_JMP,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_PSEUDO_CALL,
  BPF_STX,
  BPF_X,
  isHelperCall,
} from '../bpf/opcodes.ts';
import { BPF_FUNC } from '../bpf/helperIds.ts';
import { BPF_MAX_LOOPS } from '../common/kernelLimits.ts';
import type { AbsState } from './absint.ts';
import { patchInsn, type WorkProg } from './patch.ts';
import { raw } from './ctxInsns.ts';

const E2BIG = 7;
const R0 = 0,
  R1 = 1,
  R2 = 2,
  R3 = 3,
  R6 = 6,
  R7 = 7,
  R8 = 8,
  FP = 10;
/** Index of the callback call in the patch (its imm is set once the callee's start is known). */
const CALL_AT = 12;

/** The callback subprogram of a bpf_loop call the verifier inlines, or undefined. */
function inlineCallback(st: AbsState | undefined): number | undefined {
  if (!st) return undefined;
  const flags = st.regs[4]!;
  const cb = st.regs[2]!;
  if (flags.k !== 'const' || flags.v !== 0n || cb.k !== 'func' || cb.sub < 0) return undefined;
  return cb.sub;
}

function loopPatch(stackBase: number): Insn[] {
  const [o6, o7, o8] = [stackBase, stackBase + 8, stackBase + 16];
  return [
    raw(BPF_JMP | BPF_JLE | BPF_K, R1, 0, 2, BPF_MAX_LOOPS),
    raw(BPF_ALU | BPF_MOV | BPF_K, R0, 0, 0, -E2BIG),
    raw(BPF_JMP | BPF_JA, 0, 0, 16, 0),
    raw(BPF_STX | BPF_MEM | BPF_DW, FP, R6, o6, 0),
    raw(BPF_STX | BPF_MEM | BPF_DW, FP, R7, o7, 0),
    raw(BPF_STX | BPF_MEM | BPF_DW, FP, R8, o8, 0),
    raw(BPF_ALU64 | BPF_MOV | BPF_X, R6, R1, 0, 0),
    raw(BPF_ALU | BPF_MOV | BPF_K, R7, 0, 0, 0),
    raw(BPF_ALU64 | BPF_MOV | BPF_X, R8, R3, 0, 0),
    raw(BPF_JMP | BPF_JGE | BPF_X, R7, R6, 5, 0),
    raw(BPF_ALU64 | BPF_MOV | BPF_X, R1, R7, 0, 0),
    raw(BPF_ALU64 | BPF_MOV | BPF_X, R2, R8, 0, 0),
    raw(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0),
    raw(BPF_ALU64 | BPF_ADD | BPF_K, R7, 0, 0, 1),
    raw(BPF_JMP | BPF_JEQ | BPF_K, R0, 0, -6, 0),
    raw(BPF_ALU64 | BPF_MOV | BPF_X, R0, R7, 0, 0),
    raw(BPF_LDX | BPF_MEM | BPF_DW, R6, FP, o6, 0),
    raw(BPF_LDX | BPF_MEM | BPF_DW, R7, FP, o7, 0),
    raw(BPF_LDX | BPF_MEM | BPF_DW, R8, FP, o8, 0),
  ];
}

/**
 * Inlines the fit bpf_loop calls of `p` (whose insns still map 1:1 to the original ones
 * through p.orig, before[] being the abstract states of those) and grows `depths` (per
 * subprogram, in the original numbering) by the slots the loops use.
 */
export function optimizeBpfLoop<A>(p: WorkProg<A>, before: readonly (AbsState | undefined)[], depths: number[]): void {
  const subOf = (pos: number): number => {
    let k = 0;
    for (let j = 0; j < p.subStarts.length; j++) if (p.subStarts[j]! >= 0 && p.subStarts[j]! <= pos) k = j;
    return k;
  };
  const extra = depths.map((d) => 3 * 8 + (Math.ceil(d / 8) * 8 - d));
  const used = new Set<number>();
  for (let i = 0; i < p.insns.length; i++) {
    const ins = p.insns[i]!;
    if (!isHelperCall(ins) || ins.imm !== BPF_FUNC.loop) continue;
    const cb = inlineCallback(before[p.orig[i]!]);
    if (cb === undefined || p.subStarts[cb] === undefined || p.subStarts[cb]! < 0) continue;
    const k = subOf(i);
    const patch = loopPatch(-(depths[k]! + extra[k]!));
    patchInsn(p, i, patch);
    const call = i + CALL_AT;
    p.insns[call] = { ...p.insns[call]!, imm: p.subStarts[cb]! - call - 1 };
    used.add(k);
    i += patch.length - 1;
  }
  for (const k of used) depths[k] = depths[k]! + extra[k]!;
}
