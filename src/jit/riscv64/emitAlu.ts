// BPF_ALU / BPF_ALU64 (bpf_jit_emit_insn's first half). 32-bit results are zero-extended
// by the JIT (emit_zextw) because aux->verifier_zext is false in bpfdbg.
import type { Insn } from '../../bpf/insn.ts';
import * as E from './encode.ts';
import { RV } from './encode.ts';
import { emit, type RvCtx } from './ctx.ts';
import { emitMovPercpu } from './emitPerCpu.ts';
import {
  emit_add,
  emit_addi,
  emit_and,
  emit_andi,
  emit_imm,
  emit_li,
  emit_mv,
  emit_or,
  emit_sextb,
  emit_sexth,
  emit_sextw,
  emit_slli,
  emit_srai,
  emit_srli,
  emit_sub,
  emit_subw,
  emit_xor,
  emit_zexth,
  emit_zextw,
} from './emitBase.ts';
import {
  BPF_ADD,
  BPF_ADDR_PERCPU,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  insnClass as BPF_CLASS,
  BPF_DIV,
  BPF_END,
  BPF_FROM_BE,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  aluOp as BPF_OP,
  BPF_OR,
  BPF_RSH,
  srcBit as BPF_SRC,
  BPF_SUB,
  BPF_X,
  BPF_XOR,
} from '../../bpf/opcodes.ts';

/** insn_is_zext(): the verifier's `w = w` zero-extension marker (mov32 X, imm 1). */
export const insnIsZext = (i: Insn | undefined): boolean => !!i && i.code === (BPF_ALU | BPF_MOV | BPF_X) && i.imm === 1;

/**
 * Emits one ALU/ALU64 instruction; rd/rs are already-mapped RISC-V registers.
 * Returns false for an opcode this JIT does not know.
 */
export function emitAlu(ctx: RvCtx, insn: Insn, rd: number, rs: number): boolean {
  const code = insn.code;
  const is64 = BPF_CLASS(code) === BPF_ALU64;
  const imm = insn.imm;
  const isX = BPF_SRC(code) === BPF_X;
  const zext = (): void => {
    if (!is64 && !ctx.verifierZext) emit_zextw(ctx, rd, rd);
  };
  switch (BPF_OP(code)) {
    case BPF_MOV:
      if (!isX) {
        emit_imm(ctx, rd, imm); // dst = imm (sign-extended s32)
        zext();
        return true;
      }
      if (is64 && insn.off === BPF_ADDR_PERCPU) {
        emitMovPercpu(ctx, rd, rs); // insn_is_mov_percpu_addr (6.10+)
        return true;
      }
      if (imm === 1) {
        emit_zextw(ctx, rd, rd); // special mov32 for zext
        return true;
      }
      if (insn.off === 0) emit_mv(ctx, rd, rs);
      else if (insn.off === 8) emit_sextb(ctx, rd, rs);
      else if (insn.off === 16) emit_sexth(ctx, rd, rs);
      else if (insn.off === 32) emit_sextw(ctx, rd, rs);
      else return false; // arena casts: not modelled
      zext();
      return true;
    case BPF_ADD:
      if (isX) emit_add(ctx, rd, rd, rs);
      else if (E.is_12b_int(imm)) emit_addi(ctx, rd, rd, imm);
      else {
        emit_imm(ctx, RV.T1, imm);
        emit_add(ctx, rd, rd, RV.T1);
      }
      zext();
      return true;
    case BPF_SUB:
      if (isX) {
        if (is64) emit_sub(ctx, rd, rd, rs);
        else emit_subw(ctx, rd, rd, rs);
      } else if (E.is_12b_int(-imm)) emit_addi(ctx, rd, rd, -imm);
      else {
        emit_imm(ctx, RV.T1, imm);
        emit_sub(ctx, rd, rd, RV.T1);
      }
      zext();
      return true;
    case BPF_AND:
    case BPF_OR:
    case BPF_XOR: {
      const op = BPF_OP(code);
      const rr = op === BPF_AND ? emit_and : op === BPF_OR ? emit_or : emit_xor;
      if (isX) rr(ctx, rd, rd, rs);
      else if (E.is_12b_int(imm)) {
        if (op === BPF_AND) emit_andi(ctx, rd, rd, imm);
        else emit(ctx, op === BPF_OR ? E.rv_ori(rd, rd, imm) : E.rv_xori(rd, rd, imm));
      } else {
        emit_imm(ctx, RV.T1, imm);
        rr(ctx, rd, rd, RV.T1);
      }
      zext();
      return true;
    }
    case BPF_MUL:
    case BPF_DIV:
    case BPF_MOD: {
      const src = isX ? rs : RV.T1;
      if (!isX) emit_imm(ctx, RV.T1, imm);
      emit(ctx, mulDivWord(BPF_OP(code), is64, insn.off !== 0, rd, src));
      zext();
      return true;
    }
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH: {
      const op = BPF_OP(code);
      if (isX) {
        const f = op === BPF_LSH ? (is64 ? E.rv_sll : E.rv_sllw) : op === BPF_RSH ? (is64 ? E.rv_srl : E.rv_srlw) : is64 ? E.rv_sra : E.rv_sraw;
        emit(ctx, f(rd, rd, rs));
      } else if (op === BPF_LSH) emit_slli(ctx, rd, rd, imm);
      else if (op === BPF_RSH) {
        if (is64) emit_srli(ctx, rd, rd, imm);
        else emit(ctx, E.rv_srliw(rd, rd, imm));
      } else if (is64) emit_srai(ctx, rd, rd, imm);
      else emit(ctx, E.rv_sraiw(rd, rd, imm));
      zext();
      return true;
    }
    case BPF_NEG:
      emit_sub(ctx, rd, RV.ZERO, rd);
      zext();
      return true;
    case BPF_END:
      if (!is64 && BPF_SRC(code) !== BPF_FROM_BE) {
        // to_le on a little-endian CPU: only truncate.
        if (imm === 16) emit_zexth(ctx, rd, rd);
        else if (imm === 32 && !ctx.verifierZext) emit_zextw(ctx, rd, rd);
        return true;
      }
      emit_bswap(ctx, rd, imm);
      return true;
  }
  return false;
}

function mulDivWord(op: number, is64: boolean, signed: boolean, rd: number, rs: number): number {
  if (op === BPF_MUL) return is64 ? E.rv_mul(rd, rd, rs) : E.rv_mulw(rd, rd, rs);
  if (op === BPF_DIV) {
    if (signed) return is64 ? E.rv_div(rd, rd, rs) : E.rv_divw(rd, rd, rs);
    return is64 ? E.rv_divu(rd, rd, rs) : E.rv_divuw(rd, rd, rs);
  }
  if (signed) return is64 ? E.rv_rem(rd, rd, rs) : E.rv_remw(rd, rd, rs);
  return is64 ? E.rv_remu(rd, rd, rs) : E.rv_remuw(rd, rd, rs);
}

/**
 * emit_bswap without Zbb: builds the swapped value in t2 a byte at a time
 * (`andi t1, rd, 0xff; add t2, t2, t1; slli t2, t2, 8; srli rd, rd, 8`), the last byte
 * without the shifts, then `mv rd, t2`. The result is zero-extended to 64 bits.
 */
export function emit_bswap(ctx: RvCtx, rd: number, imm: number): void {
  emit_li(ctx, RV.T2, 0);
  const bytes = imm / 8;
  for (let k = 0; k < bytes - 1; k++) {
    emit_andi(ctx, RV.T1, rd, 0xff);
    emit_add(ctx, RV.T2, RV.T2, RV.T1);
    emit_slli(ctx, RV.T2, RV.T2, 8);
    emit_srli(ctx, rd, rd, 8);
  }
  emit_andi(ctx, RV.T1, rd, 0xff);
  emit_add(ctx, RV.T2, RV.T2, RV.T1);
  emit_mv(ctx, rd, RV.T2);
}
