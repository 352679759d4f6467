// RISC-V instruction words as pure functions, in the style of the kernel's
// arch/riscv/net/bpf_jit.h: rv_addi(rd, rs1, imm) returns a 32-bit word, rvc_*() a
// 16-bit one. Emission (and the choice between the two) lives in emitBase.ts.
// Branch and jal offsets are in 2-byte units as in the kernel (imm12_1 = byte offset >> 1).
import { RV_ABI } from '../../common/arch.ts';

/** Register numbers (psABI names). */
export const RV = {
  ZERO: 0,
  RA: 1,
  SP: 2,
  GP: 3,
  TP: 4,
  T0: 5,
  T1: 6,
  T2: 7,
  FP: 8,
  S0: 8,
  S1: 9,
  A0: 10,
  A1: 11,
  A2: 12,
  A3: 13,
  A4: 14,
  A5: 15,
  A6: 16,
  A7: 17,
  S2: 18,
  S3: 19,
  S4: 20,
  S5: 21,
  S6: 22,
  S7: 23,
  S8: 24,
  S9: 25,
  S10: 26,
  S11: 27,
  T3: 28,
  T4: 29,
  T5: 30,
  T6: 31,
} as const;

export const regName = (r: number): string => RV_ABI[r] ?? `x${r}`;

// ---- 32-bit formats -------------------------------------------------------------

const u32 = (w: number): number => w >>> 0;

export function rv_r_insn(funct7: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return u32((funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode);
}
export function rv_i_insn(imm11_0: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return u32(((imm11_0 & 0xfff) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | opcode);
}
export function rv_s_insn(imm11_0: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  const imm11_5 = (imm11_0 >> 5) & 0x7f;
  const imm4_0 = imm11_0 & 0x1f;
  return u32((imm11_5 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (imm4_0 << 7) | opcode);
}
/** B-type; imm12_1 is the byte offset >> 1. */
export function rv_b_insn(imm12_1: number, rs2: number, rs1: number, funct3: number, opcode: number): number {
  const imm12 = (imm12_1 >> 11) & 1;
  const imm11 = (imm12_1 >> 10) & 1;
  const imm10_5 = (imm12_1 >> 4) & 0x3f;
  const imm4_1 = imm12_1 & 0xf;
  return u32((imm12 << 31) | (imm10_5 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (imm4_1 << 8) | (imm11 << 7) | opcode);
}
export function rv_u_insn(imm31_12: number, rd: number, opcode: number): number {
  return u32(((imm31_12 & 0xfffff) << 12) | (rd << 7) | opcode);
}
/** J-type; imm20_1 is the byte offset >> 1. */
export function rv_j_insn(imm20_1: number, rd: number, opcode: number): number {
  const imm20 = (imm20_1 >> 19) & 1;
  const imm19_12 = (imm20_1 >> 11) & 0xff;
  const imm11 = (imm20_1 >> 10) & 1;
  const imm10_1 = imm20_1 & 0x3ff;
  return u32((imm20 << 31) | (imm10_1 << 21) | (imm11 << 20) | (imm19_12 << 12) | (rd << 7) | opcode);
}
export function rv_amo_insn(funct5: number, aq: number, rl: number, rs2: number, rs1: number, funct3: number, rd: number, opcode: number): number {
  return rv_r_insn((funct5 << 2) | (aq << 1) | rl, rs2, rs1, funct3, rd, opcode);
}

// ---- RV64I / M / A instructions ---------------------------------------------------

export const rv_lui = (rd: number, imm31_12: number): number => rv_u_insn(imm31_12, rd, 0x37);
export const rv_auipc = (rd: number, imm31_12: number): number => rv_u_insn(imm31_12, rd, 0x17);
export const rv_jal = (rd: number, imm20_1: number): number => rv_j_insn(imm20_1, rd, 0x6f);
export const rv_jalr = (rd: number, rs1: number, imm: number): number => rv_i_insn(imm, rs1, 0, rd, 0x67);

export const rv_beq = (rs1: number, rs2: number, imm12_1: number): number => rv_b_insn(imm12_1, rs2, rs1, 0, 0x63);
export const rv_bne = (rs1: number, rs2: number, imm12_1: number): number => rv_b_insn(imm12_1, rs2, rs1, 1, 0x63);
export const rv_blt = (rs1: number, rs2: number, imm12_1: number): number => rv_b_insn(imm12_1, rs2, rs1, 4, 0x63);
export const rv_bge = (rs1: number, rs2: number, imm12_1: number): number => rv_b_insn(imm12_1, rs2, rs1, 5, 0x63);
export const rv_bltu = (rs1: number, rs2: number, imm12_1: number): number => rv_b_insn(imm12_1, rs2, rs1, 6, 0x63);
export const rv_bgeu = (rs1: number, rs2: number, imm12_1: number): number => rv_b_insn(imm12_1, rs2, rs1, 7, 0x63);

export const rv_lb = (rd: number, imm: number, rs1: number): number => rv_i_insn(imm, rs1, 0, rd, 0x03);
export const rv_lh = (rd: number, imm: number, rs1: number): number => rv_i_insn(imm, rs1, 1, rd, 0x03);
export const rv_lw = (rd: number, imm: number, rs1: number): number => rv_i_insn(imm, rs1, 2, rd, 0x03);
export const rv_ld = (rd: number, imm: number, rs1: number): number => rv_i_insn(imm, rs1, 3, rd, 0x03);
export const rv_lbu = (rd: number, imm: number, rs1: number): number => rv_i_insn(imm, rs1, 4, rd, 0x03);
export const rv_lhu = (rd: number, imm: number, rs1: number): number => rv_i_insn(imm, rs1, 5, rd, 0x03);
export const rv_lwu = (rd: number, imm: number, rs1: number): number => rv_i_insn(imm, rs1, 6, rd, 0x03);

export const rv_sb = (rs1: number, imm: number, rs2: number): number => rv_s_insn(imm, rs2, rs1, 0, 0x23);
export const rv_sh = (rs1: number, imm: number, rs2: number): number => rv_s_insn(imm, rs2, rs1, 1, 0x23);
export const rv_sw = (rs1: number, imm: number, rs2: number): number => rv_s_insn(imm, rs2, rs1, 2, 0x23);
export const rv_sd = (rs1: number, imm: number, rs2: number): number => rv_s_insn(imm, rs2, rs1, 3, 0x23);

export const rv_addi = (rd: number, rs1: number, imm: number): number => rv_i_insn(imm, rs1, 0, rd, 0x13);
export const rv_andi = (rd: number, rs1: number, imm: number): number => rv_i_insn(imm, rs1, 7, rd, 0x13);
export const rv_ori = (rd: number, rs1: number, imm: number): number => rv_i_insn(imm, rs1, 6, rd, 0x13);
export const rv_xori = (rd: number, rs1: number, imm: number): number => rv_i_insn(imm, rs1, 4, rd, 0x13);
export const rv_slli = (rd: number, rs1: number, shamt: number): number => rv_i_insn(shamt & 0x3f, rs1, 1, rd, 0x13);
export const rv_srli = (rd: number, rs1: number, shamt: number): number => rv_i_insn(shamt & 0x3f, rs1, 5, rd, 0x13);
export const rv_srai = (rd: number, rs1: number, shamt: number): number => rv_i_insn(0x400 | (shamt & 0x3f), rs1, 5, rd, 0x13);
export const rv_addiw = (rd: number, rs1: number, imm: number): number => rv_i_insn(imm, rs1, 0, rd, 0x1b);
export const rv_slliw = (rd: number, rs1: number, shamt: number): number => rv_i_insn(shamt & 0x1f, rs1, 1, rd, 0x1b);
export const rv_srliw = (rd: number, rs1: number, shamt: number): number => rv_i_insn(shamt & 0x1f, rs1, 5, rd, 0x1b);
export const rv_sraiw = (rd: number, rs1: number, shamt: number): number => rv_i_insn(0x400 | (shamt & 0x1f), rs1, 5, rd, 0x1b);
/** `addi zero, zero, 0`: the 4-byte nop of the fentry patch site. */
export const rv_nop = (): number => rv_addi(0, 0, 0);

const op =
  (f7: number, f3: number) =>
  (rd: number, rs1: number, rs2: number): number =>
    rv_r_insn(f7, rs2, rs1, f3, rd, 0x33);
const op32 =
  (f7: number, f3: number) =>
  (rd: number, rs1: number, rs2: number): number =>
    rv_r_insn(f7, rs2, rs1, f3, rd, 0x3b);
export const rv_add = op(0, 0);
export const rv_sub = op(0x20, 0);
export const rv_sll = op(0, 1);
export const rv_xor = op(0, 4);
export const rv_srl = op(0, 5);
export const rv_sra = op(0x20, 5);
export const rv_or = op(0, 6);
export const rv_and = op(0, 7);
export const rv_mul = op(1, 0);
export const rv_div = op(1, 4);
export const rv_divu = op(1, 5);
export const rv_rem = op(1, 6);
export const rv_remu = op(1, 7);
export const rv_addw = op32(0, 0);
export const rv_subw = op32(0x20, 0);
export const rv_sllw = op32(0, 1);
export const rv_srlw = op32(0, 5);
export const rv_sraw = op32(0x20, 5);
export const rv_mulw = op32(1, 0);
export const rv_divw = op32(1, 4);
export const rv_divuw = op32(1, 5);
export const rv_remw = op32(1, 6);
export const rv_remuw = op32(1, 7);

/** AMO funct5 values (A extension). */
const AMO = { add: 0x00, swap: 0x01, lr: 0x02, sc: 0x03, xor: 0x04, or: 0x08, and: 0x0c } as const;
export type AmoOp = keyof typeof AMO;
/** amo<op>.{w,d} rd, rs2, (rs1) with aq/rl ordering bits; width 2 = W, 3 = D. */
export function rv_amo(opName: AmoOp, width: 2 | 3, rd: number, rs2: number, rs1: number, aq: number, rl: number): number {
  return rv_amo_insn(AMO[opName], aq, rl, rs2, rs1, width, rd, 0x2f);
}
export const rv_lr_w = (rd: number, rs1: number, aq: number, rl: number): number => rv_amo('lr', 2, rd, 0, rs1, aq, rl);
export const rv_lr_d = (rd: number, rs1: number, aq: number, rl: number): number => rv_amo('lr', 3, rd, 0, rs1, aq, rl);
export const rv_sc_w = (rd: number, rs2: number, rs1: number, aq: number, rl: number): number => rv_amo('sc', 2, rd, rs2, rs1, aq, rl);
export const rv_sc_d = (rd: number, rs2: number, rs1: number, aq: number, rl: number): number => rv_amo('sc', 3, rd, rs2, rs1, aq, rl);
/** fence pred, succ (bits: i=8 o=4 r=2 w=1). */
export const rv_fence = (pred: number, succ: number): number => rv_i_insn((pred << 4) | succ, 0, 0, 0, 0x0f);

// ---- RVC (16-bit) ---------------------------------------------------------------

/** x8..x15 are the registers the 3-bit RVC fields can name. */
export const is_creg = (r: number): boolean => r >= 8 && r <= 15;
const c3 = (r: number): number => (r - 8) & 7;
const bit = (v: number, b: number): number => (v >> b) & 1;
const bits = (v: number, hi: number, lo: number): number => (v >> lo) & ((1 << (hi - lo + 1)) - 1);

function rvc_ci(funct3: number, imm6: number, rd: number, op2: number): number {
  return ((funct3 << 13) | (bit(imm6, 5) << 12) | (rd << 7) | ((imm6 & 0x1f) << 2) | op2) & 0xffff;
}
export const rvc_addi = (rd: number, imm: number): number => rvc_ci(0, imm, rd, 1);
export const rvc_addiw = (rd: number, imm: number): number => rvc_ci(1, imm, rd, 1);
export const rvc_li = (rd: number, imm: number): number => rvc_ci(2, imm, rd, 1);
/** c.lui rd, imm: imm is the 6-bit signed value placed in bits 17:12. */
export const rvc_lui = (rd: number, imm: number): number => rvc_ci(3, imm, rd, 1);
export const rvc_slli = (rd: number, shamt: number): number => rvc_ci(0, shamt, rd, 2);
export function rvc_addi16sp(imm: number): number {
  const f = (bit(imm, 9) << 12) | (RV.SP << 7) | (bit(imm, 4) << 6) | (bit(imm, 6) << 5) | (bits(imm, 8, 7) << 3) | (bit(imm, 5) << 2);
  return ((3 << 13) | f | 1) & 0xffff;
}
export function rvc_addi4spn(rd: number, imm: number): number {
  const f = (bits(imm, 5, 4) << 11) | (bits(imm, 9, 6) << 7) | (bit(imm, 2) << 6) | (bit(imm, 3) << 5);
  return (f | (c3(rd) << 2)) & 0xffff;
}
function rvc_cb_shift(funct2: number, rd: number, imm: number): number {
  return ((4 << 13) | (bit(imm, 5) << 12) | (funct2 << 10) | (c3(rd) << 7) | ((imm & 0x1f) << 2) | 1) & 0xffff;
}
export const rvc_srli = (rd: number, shamt: number): number => rvc_cb_shift(0, rd, shamt);
export const rvc_srai = (rd: number, shamt: number): number => rvc_cb_shift(1, rd, shamt);
export const rvc_andi = (rd: number, imm: number): number => rvc_cb_shift(2, rd, imm);
function rvc_ca(funct6: number, rd: number, funct2: number, rs2: number): number {
  return ((funct6 << 10) | (c3(rd) << 7) | (funct2 << 5) | (c3(rs2) << 2) | 1) & 0xffff;
}
export const rvc_sub = (rd: number, rs2: number): number => rvc_ca(0x23, rd, 0, rs2);
export const rvc_xor = (rd: number, rs2: number): number => rvc_ca(0x23, rd, 1, rs2);
export const rvc_or = (rd: number, rs2: number): number => rvc_ca(0x23, rd, 2, rs2);
export const rvc_and = (rd: number, rs2: number): number => rvc_ca(0x23, rd, 3, rs2);
export const rvc_subw = (rd: number, rs2: number): number => rvc_ca(0x27, rd, 0, rs2);
export const rvc_addw = (rd: number, rs2: number): number => rvc_ca(0x27, rd, 1, rs2);
function rvc_cr(funct4: number, rd: number, rs2: number): number {
  return ((funct4 << 12) | (rd << 7) | (rs2 << 2) | 2) & 0xffff;
}
export const rvc_mv = (rd: number, rs: number): number => rvc_cr(8, rd, rs);
export const rvc_jr = (rs1: number): number => rvc_cr(8, rs1, 0);
export const rvc_add = (rd: number, rs: number): number => rvc_cr(9, rd, rs);
export const rvc_jalr = (rs1: number): number => rvc_cr(9, rs1, 0);
export function rvc_lw(rd: number, off: number, rs1: number): number {
  return ((2 << 13) | (bits(off, 5, 3) << 10) | (c3(rs1) << 7) | (bit(off, 2) << 6) | (bit(off, 6) << 5) | (c3(rd) << 2)) & 0xffff;
}
export function rvc_ld(rd: number, off: number, rs1: number): number {
  return ((3 << 13) | (bits(off, 5, 3) << 10) | (c3(rs1) << 7) | (bits(off, 7, 6) << 5) | (c3(rd) << 2)) & 0xffff;
}
export function rvc_sw(rs1: number, off: number, rs2: number): number {
  return ((6 << 13) | (bits(off, 5, 3) << 10) | (c3(rs1) << 7) | (bit(off, 2) << 6) | (bit(off, 6) << 5) | (c3(rs2) << 2)) & 0xffff;
}
export function rvc_sd(rs1: number, off: number, rs2: number): number {
  return ((7 << 13) | (bits(off, 5, 3) << 10) | (c3(rs1) << 7) | (bits(off, 7, 6) << 5) | (c3(rs2) << 2)) & 0xffff;
}
export function rvc_lwsp(rd: number, off: number): number {
  return ((2 << 13) | (bit(off, 5) << 12) | (rd << 7) | (bits(off, 4, 2) << 4) | (bits(off, 7, 6) << 2) | 2) & 0xffff;
}
export function rvc_ldsp(rd: number, off: number): number {
  return ((3 << 13) | (bit(off, 5) << 12) | (rd << 7) | (bits(off, 4, 3) << 5) | (bits(off, 8, 6) << 2) | 2) & 0xffff;
}
export function rvc_swsp(off: number, rs2: number): number {
  return ((6 << 13) | (bits(off, 5, 2) << 9) | (bits(off, 7, 6) << 7) | (rs2 << 2) | 2) & 0xffff;
}
export function rvc_sdsp(off: number, rs2: number): number {
  return ((7 << 13) | (bits(off, 5, 3) << 10) | (bits(off, 8, 6) << 7) | (rs2 << 2) | 2) & 0xffff;
}

// ---- range checks (kernel is_*b_int / is_*b_uint) ---------------------------------

export const is_6b_int = (v: number): boolean => v >= -32 && v < 32;
export const is_10b_int = (v: number): boolean => v >= -512 && v < 512;
export const is_12b_int = (v: number): boolean => v >= -2048 && v < 2048;
export const is_13b_int = (v: number): boolean => v >= -4096 && v < 4096;
export const is_21b_int = (v: number): boolean => v >= -(1 << 20) && v < 1 << 20;
export const is_32b_int = (v: bigint): boolean => v >= -(1n << 31n) && v < 1n << 31n;
export const is_7b_uint = (v: number): boolean => v >= 0 && v < 128;
export const is_8b_uint = (v: number): boolean => v >= 0 && v < 256;
export const is_9b_uint = (v: number): boolean => v >= 0 && v < 512;
export const is_10b_uint = (v: number): boolean => v >= 0 && v < 1024;
/** auipc+jalr reach: [-2^31 - 2^11, 2^31 - 2^11). */
export const in_auipc_jalr_range = (v: number): boolean => v >= -(2 ** 31) - 2048 && v < 2 ** 31 - 2048;
