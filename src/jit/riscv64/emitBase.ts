// The emit_* helpers of arch/riscv/net/bpf_jit.h and the shared sequences of
// bpf_jit_comp64.c (emit_imm, zero/sign extension, branches, jal/auipc+jalr). Each helper
// picks the compressed form exactly when the kernel's would (CONFIG_RISCV_ISA_C), so the
// byte layout matches a distribution kernel. No Zba/Zbb: Unicorn 2.0.1 lacks them, so the
// kernel's fallback sequences are used throughout.
import * as E from './encode.ts';
import { RV } from './encode.ts';
import { byteOff, emit, emitc, type RvCtx } from './ctx.ts';
import type { NativeOff } from '../../common/ids.ts';
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JNE, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT } from '../../bpf/opcodes.ts';

const { is_creg, is_6b_int } = E;

export function emit_jalr(ctx: RvCtx, rd: number, rs: number, imm: number): void {
  if (ctx.rvc && rd === RV.RA && rs && !imm) emitc(ctx, E.rvc_jalr(rs));
  else if (ctx.rvc && !rd && rs && !imm) emitc(ctx, E.rvc_jr(rs));
  else emit(ctx, E.rv_jalr(rd, rs, imm));
}

export function emit_mv(ctx: RvCtx, rd: number, rs: number): void {
  if (ctx.rvc && rd && rs) emitc(ctx, E.rvc_mv(rd, rs));
  else emit(ctx, E.rv_addi(rd, rs, 0));
}

export function emit_add(ctx: RvCtx, rd: number, rs1: number, rs2: number): void {
  if (ctx.rvc && rd && rd === rs1 && rs2) emitc(ctx, E.rvc_add(rd, rs2));
  else emit(ctx, E.rv_add(rd, rs1, rs2));
}

export function emit_addi(ctx: RvCtx, rd: number, rs: number, imm: number): void {
  if (ctx.rvc && rd === RV.SP && rd === rs && E.is_10b_int(imm) && imm && !(imm & 0xf)) emitc(ctx, E.rvc_addi16sp(imm));
  else if (ctx.rvc && is_creg(rd) && rs === RV.SP && E.is_10b_uint(imm) && !(imm & 0x3) && imm) emitc(ctx, E.rvc_addi4spn(rd, imm));
  else if (ctx.rvc && rd && rd === rs && imm && is_6b_int(imm)) emitc(ctx, E.rvc_addi(rd, imm));
  else emit(ctx, E.rv_addi(rd, rs, imm));
}

export function emit_li(ctx: RvCtx, rd: number, imm: number): void {
  if (ctx.rvc && rd && is_6b_int(imm)) emitc(ctx, E.rvc_li(rd, imm));
  else emit(ctx, E.rv_addi(rd, RV.ZERO, imm));
}

export function emit_lui(ctx: RvCtx, rd: number, imm: number): void {
  if (ctx.rvc && rd && rd !== RV.SP && is_6b_int(imm) && imm) emitc(ctx, E.rvc_lui(rd, imm));
  else emit(ctx, E.rv_lui(rd, imm));
}

export function emit_slli(ctx: RvCtx, rd: number, rs: number, imm: number): void {
  if (ctx.rvc && rd && rd === rs && imm && imm >>> 0 < 64) emitc(ctx, E.rvc_slli(rd, imm));
  else emit(ctx, E.rv_slli(rd, rs, imm));
}

export function emit_andi(ctx: RvCtx, rd: number, rs: number, imm: number): void {
  if (ctx.rvc && is_creg(rd) && rd === rs && is_6b_int(imm)) emitc(ctx, E.rvc_andi(rd, imm));
  else emit(ctx, E.rv_andi(rd, rs, imm));
}

export function emit_srli(ctx: RvCtx, rd: number, rs: number, imm: number): void {
  if (ctx.rvc && is_creg(rd) && rd === rs && imm && imm >>> 0 < 64) emitc(ctx, E.rvc_srli(rd, imm));
  else emit(ctx, E.rv_srli(rd, rs, imm));
}

export function emit_srai(ctx: RvCtx, rd: number, rs: number, imm: number): void {
  if (ctx.rvc && is_creg(rd) && rd === rs && imm && imm >>> 0 < 64) emitc(ctx, E.rvc_srai(rd, imm));
  else emit(ctx, E.rv_srai(rd, rs, imm));
}

function emitCa(
  ctx: RvCtx,
  c: (rd: number, rs: number) => number,
  r: (rd: number, a: number, b: number) => number,
  rd: number,
  rs1: number,
  rs2: number,
): void {
  if (ctx.rvc && is_creg(rd) && rd === rs1 && is_creg(rs2)) emitc(ctx, c(rd, rs2));
  else emit(ctx, r(rd, rs1, rs2));
}
export const emit_sub = (ctx: RvCtx, rd: number, rs1: number, rs2: number): void => emitCa(ctx, E.rvc_sub, E.rv_sub, rd, rs1, rs2);
export const emit_or = (ctx: RvCtx, rd: number, rs1: number, rs2: number): void => emitCa(ctx, E.rvc_or, E.rv_or, rd, rs1, rs2);
export const emit_and = (ctx: RvCtx, rd: number, rs1: number, rs2: number): void => emitCa(ctx, E.rvc_and, E.rv_and, rd, rs1, rs2);
export const emit_xor = (ctx: RvCtx, rd: number, rs1: number, rs2: number): void => emitCa(ctx, E.rvc_xor, E.rv_xor, rd, rs1, rs2);
export const emit_subw = (ctx: RvCtx, rd: number, rs1: number, rs2: number): void => emitCa(ctx, E.rvc_subw, E.rv_subw, rd, rs1, rs2);

export function emit_lw(ctx: RvCtx, rd: number, off: number, rs1: number): void {
  if (ctx.rvc && rs1 === RV.SP && rd && E.is_8b_uint(off) && !(off & 0x3)) emitc(ctx, E.rvc_lwsp(rd, off));
  else if (ctx.rvc && is_creg(rd) && is_creg(rs1) && E.is_7b_uint(off) && !(off & 0x3)) emitc(ctx, E.rvc_lw(rd, off, rs1));
  else emit(ctx, E.rv_lw(rd, off, rs1));
}

export function emit_sw(ctx: RvCtx, rs1: number, off: number, rs2: number): void {
  if (ctx.rvc && rs1 === RV.SP && E.is_8b_uint(off) && !(off & 0x3)) emitc(ctx, E.rvc_swsp(off, rs2));
  else if (ctx.rvc && is_creg(rs1) && is_creg(rs2) && E.is_7b_uint(off) && !(off & 0x3)) emitc(ctx, E.rvc_sw(rs1, off, rs2));
  else emit(ctx, E.rv_sw(rs1, off, rs2));
}

export function emit_addiw(ctx: RvCtx, rd: number, rs: number, imm: number): void {
  if (ctx.rvc && rd && rd === rs && is_6b_int(imm)) emitc(ctx, E.rvc_addiw(rd, imm));
  else emit(ctx, E.rv_addiw(rd, rs, imm));
}

export function emit_ld(ctx: RvCtx, rd: number, off: number, rs1: number): void {
  if (ctx.rvc && rs1 === RV.SP && rd && E.is_9b_uint(off) && !(off & 0x7)) emitc(ctx, E.rvc_ldsp(rd, off));
  else if (ctx.rvc && is_creg(rd) && is_creg(rs1) && E.is_8b_uint(off) && !(off & 0x7)) emitc(ctx, E.rvc_ld(rd, off, rs1));
  else emit(ctx, E.rv_ld(rd, off, rs1));
}

export function emit_sd(ctx: RvCtx, rs1: number, off: number, rs2: number): void {
  if (ctx.rvc && rs1 === RV.SP && E.is_9b_uint(off) && !(off & 0x7)) emitc(ctx, E.rvc_sdsp(off, rs2));
  else if (ctx.rvc && is_creg(rs1) && is_creg(rs2) && E.is_8b_uint(off) && !(off & 0x7)) emitc(ctx, E.rvc_sd(rs1, off, rs2));
  else emit(ctx, E.rv_sd(rs1, off, rs2));
}

// ---- extension (no Zba/Zbb: the kernel's shift-pair fallbacks) ---------------------

export const emit_sextw = (ctx: RvCtx, rd: number, rs: number): void => emit_addiw(ctx, rd, rs, 0);

export function emit_zextw(ctx: RvCtx, rd: number, rs: number): void {
  emit_slli(ctx, rd, rs, 32);
  emit_srli(ctx, rd, rd, 32);
}
export function emit_zexth(ctx: RvCtx, rd: number, rs: number): void {
  emit_slli(ctx, rd, rs, 48);
  emit_srli(ctx, rd, rd, 48);
}
export function emit_sextb(ctx: RvCtx, rd: number, rs: number): void {
  emit_slli(ctx, rd, rs, 56);
  emit_srai(ctx, rd, rd, 56);
}
export function emit_sexth(ctx: RvCtx, rd: number, rs: number): void {
  emit_slli(ctx, rd, rs, 48);
  emit_srai(ctx, rd, rd, 48);
}
/** emit_sh3add without Zba: rd = (rs1 << 3) + rs2. */
export function emit_sh3add(ctx: RvCtx, rd: number, rs1: number, rs2: number): void {
  emit_slli(ctx, rd, rs1, 3);
  emit_add(ctx, rd, rd, rs2);
}

// ---- immediates -------------------------------------------------------------------

/** Sign-extends the low 12 bits. */
const lower12 = (v: bigint): number => Number(BigInt.asIntN(12, v));

/**
 * emit_imm: variable-length load of a 32- or 64-bit constant, processed LSB to MSB
 * (upper = (val + 0x800) >> 12 compensates the sign-extended low part).
 */
export function emit_imm(ctx: RvCtx, rd: number, value: bigint | number): void {
  const val = BigInt.asIntN(64, BigInt(value));
  let upper = (val + (1n << 11n)) >> 12n;
  const lower = lower12(val);
  if (E.is_32b_int(val)) {
    if (upper) emit_lui(ctx, rd, Number(BigInt.asIntN(32, upper)));
    if (!upper) {
      emit_li(ctx, rd, lower);
      return;
    }
    emit_addiw(ctx, rd, rd, lower);
    return;
  }
  let shift = 0;
  while (((upper >> BigInt(shift)) & 1n) === 0n) shift++; // __ffs(upper); upper != 0 here
  upper >>= BigInt(shift);
  shift += 12;
  emit_imm(ctx, rd, upper);
  emit_slli(ctx, rd, rd, shift);
  if (lower) emit_addi(ctx, rd, rd, lower);
}

// ---- branches and jumps -------------------------------------------------------------

export function invert_bpf_cond(cond: number): number {
  switch (cond) {
    case BPF_JEQ:
      return BPF_JNE;
    case BPF_JGT:
      return BPF_JLE;
    case BPF_JLT:
      return BPF_JGE;
    case BPF_JGE:
      return BPF_JLT;
    case BPF_JLE:
      return BPF_JGT;
    case BPF_JNE:
      return BPF_JEQ;
    case BPF_JSGT:
      return BPF_JSLE;
    case BPF_JSLT:
      return BPF_JSGE;
    case BPF_JSGE:
      return BPF_JSLT;
    case BPF_JSLE:
      return BPF_JSGT;
  }
  return -1;
}

export const is_signed_bpf_cond = (cond: number): boolean => cond === BPF_JSGT || cond === BPF_JSLT || cond === BPF_JSGE || cond === BPF_JSLE;

/** emit_bcc: one B-type branch; rvoff in bytes. */
export function emit_bcc(ctx: RvCtx, cond: number, rd: number, rs: number, rvoff: number): void {
  const o = rvoff >> 1;
  switch (cond) {
    case BPF_JEQ:
      return emit(ctx, E.rv_beq(rd, rs, o));
    case BPF_JGT:
      return emit(ctx, E.rv_bltu(rs, rd, o));
    case BPF_JLT:
      return emit(ctx, E.rv_bltu(rd, rs, o));
    case BPF_JGE:
      return emit(ctx, E.rv_bgeu(rd, rs, o));
    case BPF_JLE:
      return emit(ctx, E.rv_bgeu(rs, rd, o));
    case BPF_JNE:
      return emit(ctx, E.rv_bne(rd, rs, o));
    case BPF_JSGT:
      return emit(ctx, E.rv_blt(rs, rd, o));
    case BPF_JSLT:
      return emit(ctx, E.rv_blt(rd, rs, o));
    case BPF_JSGE:
      return emit(ctx, E.rv_bge(rd, rs, o));
    case BPF_JSLE:
      return emit(ctx, E.rv_bge(rs, rd, o));
  }
  throw new Error(`emit_bcc: bad condition 0x${cond.toString(16)}`);
}

/**
 * emit_branch: a B-type branch reaches ±4 KiB; beyond that the condition is inverted
 * around `jal` (±1 MiB) or `auipc t1; jalr zero` (±2 GiB). rvoff is measured from the
 * first instruction emitted here.
 */
export function emit_branch(ctx: RvCtx, cond: number, rd: number, rs: number, rvoff: number): void {
  if (E.is_13b_int(rvoff)) {
    emit_bcc(ctx, cond, rd, rs, rvoff);
    return;
  }
  rvoff -= 4; // the target is now measured from the jal / auipc after the branch
  cond = invert_bpf_cond(cond);
  if (E.is_21b_int(rvoff)) {
    emit_bcc(ctx, cond, rd, rs, 8);
    emit(ctx, E.rv_jal(RV.ZERO, rvoff >> 1));
    return;
  }
  const upper = (rvoff + (1 << 11)) >> 12;
  const lower = rvoff & 0xfff;
  emit_bcc(ctx, cond, rd, rs, 12);
  emit(ctx, E.rv_auipc(RV.T1, upper));
  emit(ctx, E.rv_jalr(RV.ZERO, RV.T1, lower));
}

/**
 * emit_jump_and_link: `jal rd` for a fixed, non-zero offset within ±1 MiB, else
 * `auipc t1, hi; jalr rd, lo(t1)`. Offset 0 means "not known yet" (calls before the
 * extra pass) and always takes the fixed-size pair.
 */
export function emit_jump_and_link(ctx: RvCtx, rd: number, rvoff: number, fixedAddr: boolean): void {
  if (rvoff && fixedAddr && E.is_21b_int(rvoff)) {
    emit(ctx, E.rv_jal(rd, rvoff >> 1));
    return;
  }
  if (!E.in_auipc_jalr_range(rvoff)) throw new Error(`bpf-jit: target offset 0x${rvoff.toString(16)} is out of range`);
  const upper = (rvoff + (1 << 11)) >> 12;
  const lower = rvoff & 0xfff;
  emit(ctx, E.rv_auipc(RV.T1, upper));
  emit(ctx, E.rv_jalr(rd, RV.T1, lower));
}

/**
 * emit_addr: the fixed-size `auipc rd, hi; addi rd, rd, lo` of an address the linker fills
 * (patchAuipcPair; the kernel's extra pass). Returns the pair's offset for its Reloc.
 */
export function emit_addr(ctx: RvCtx, rd: number): NativeOff {
  const at = byteOff(ctx);
  emit(ctx, E.rv_auipc(rd, 0));
  emit(ctx, E.rv_addi(rd, rd, 0));
  return at;
}
