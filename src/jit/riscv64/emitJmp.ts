// BPF_JMP / BPF_JMP32 conditionals, JA and EXIT. Offsets come from the previous pass's
// offset[] (rv_offset): measured from the start of this insn's code, minus whatever was
// emitted before the branch itself.
import type { Insn } from '../../bpf/insn.ts';
import { RV } from './encode.ts';
import { ninsns, ninsnsRvoff, type RvCtx } from './ctx.ts';
import { emit_and, emit_andi, emit_branch, emit_imm, emit_jump_and_link, emit_sextw, emit_zextw, is_signed_bpf_cond } from './emitBase.ts';
import * as E from './encode.ts';
import { insnClass as BPF_CLASS, BPF_JMP, BPF_JNE, BPF_JSET, jmpOp as BPF_OP, srcBit as BPF_SRC, BPF_X } from '../../bpf/opcodes.ts';

/** rv_offset(): bytes from the start of local insn `i` to the start of insn i + off + 1. */
export function rv_offset(ctx: RvCtx, i: number, off: number): number {
  off++; // BPF branches are relative to the next insn
  const from = i > 0 ? ctx.offset[i - 1]! : ctx.prologueLen;
  const to = i + off > 0 ? ctx.offset[i + off - 1]! : ctx.prologueLen;
  return ninsnsRvoff(to - from);
}

/** epilogue_offset(): bytes from here to the (previous pass's) epilogue. */
export const epilogueOffset = (ctx: RvCtx): number => ninsnsRvoff(ctx.epilogueOffset - ninsns(ctx));

/** JA (JMP: off; JMP32 gotol: imm): `jal zero` or `auipc t1; jalr zero`. */
export function emitJa(ctx: RvCtx, insn: Insn, i: number): void {
  const rvoff = rv_offset(ctx, i, BPF_CLASS(insn.code) === BPF_JMP ? insn.off : insn.imm);
  emit_jump_and_link(ctx, RV.ZERO, rvoff, true);
}

/** EXIT: the last insn falls through into the epilogue; any other jumps to it. */
export function emitExit(ctx: RvCtx, i: number): void {
  if (i === ctx.len - 1) return;
  emit_jump_and_link(ctx, RV.ZERO, epilogueOffset(ctx), true);
}

/** Conditional jumps, X and K forms, 64- and 32-bit. */
export function emitCondJump(ctx: RvCtx, insn: Insn, i: number, rd: number, rs: number): void {
  const code = insn.code;
  const is64 = BPF_CLASS(code) === BPF_JMP;
  const cond = BPF_OP(code);
  let rvoff = rv_offset(ctx, i, insn.off);
  const s = ninsns(ctx);
  if (BPF_SRC(code) === BPF_X) {
    if (!is64) {
      // Compare 32-bit operands as 64-bit values, extended into t1/t2.
      if (is_signed_bpf_cond(cond)) {
        emit_sextw(ctx, RV.T1, rs);
        emit_sextw(ctx, RV.T2, rd);
      } else {
        emit_zextw(ctx, RV.T1, rs);
        emit_zextw(ctx, RV.T2, rd);
      }
      rs = RV.T1;
      rd = RV.T2;
      rvoff -= ninsnsRvoff(ninsns(ctx) - s);
    }
    if (cond === BPF_JSET) {
      rvoff -= 4; // the `and` below is never compressed (rd = t1)
      emit_and(ctx, RV.T1, rd, rs);
      emit_branch(ctx, BPF_JNE, RV.T1, RV.ZERO, rvoff);
    } else {
      emit_branch(ctx, cond, rd, rs, rvoff);
    }
    return;
  }
  const imm = insn.imm;
  if (cond === BPF_JSET) {
    if (E.is_12b_int(imm)) emit_andi(ctx, RV.T1, rd, imm);
    else {
      emit_imm(ctx, RV.T1, imm);
      emit_and(ctx, RV.T1, rd, RV.T1);
    }
    // jset32: sign-extension suffices for a comparison against zero (saves the srli).
    if (!is64 && imm < 0) emit_sextw(ctx, RV.T1, RV.T1);
    rvoff -= ninsnsRvoff(ninsns(ctx) - s);
    emit_branch(ctx, BPF_JNE, RV.T1, RV.ZERO, rvoff);
    return;
  }
  if (imm) emit_imm(ctx, RV.T1, imm);
  rs = imm ? RV.T1 : RV.ZERO;
  if (!is64) {
    if (is_signed_bpf_cond(cond)) {
      emit_sextw(ctx, RV.T2, rd); // rs (t1) is already sign-extended by emit_imm
    } else {
      emit_zextw(ctx, RV.T2, rd);
      if (imm) emit_zextw(ctx, rs, rs);
    }
    rd = RV.T2;
  }
  rvoff -= ninsnsRvoff(ninsns(ctx) - s);
  emit_branch(ctx, cond, rd, rs, rvoff);
}
