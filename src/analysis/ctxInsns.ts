// Instruction builders for the verifier's rewrites: ctx accesses, do_misc_fixups, bpf_loop inlining (the kernel's BPF_LDX_MEM, BPF_EMIT_STORE,
// BPF_JMP_IMM, BPF_ALU32_IMM... macros of include/linux/filter.h), and the rewrite result.
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_B,
  BPF_DW,
  BPF_H,
  BPF_JA,
  BPF_JMP,
  BPF_JMP32,
  BPF_K,
  BPF_LDX,
  BPF_MEM,
  BPF_MOV,
  BPF_STX,
  BPF_W,
  BPF_X,
  insnClass,
} from '../bpf/opcodes.ts';

/** The outcome of one convert_ctx_access call. */
export type CtxRewrite =
  { insns: Insn[]; /** *target_size: bytes of the kernel field read (0 = not set). */ target?: number } | { invalid: true } | { unsupported: string };

export const raw = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
/** BPF_LDX_MEM(size, dst, src, off). */
export const ldx = (size: number, dst: number, src: number, off: number): Insn => raw(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
/** BPF_STX_MEM(size, dst, src, off). */
export const stx = (size: number, dst: number, src: number, off: number): Insn => raw(BPF_STX | BPF_MEM | size, dst, src, off, 0);
/** BPF_EMIT_STORE: the original store's class (ST imm or STX reg) at a new size and offset. */
export const emitStore = (size: number, si: Insn, off: number): Insn => raw(insnClass(si.code) | size | BPF_MEM, si.dst, si.src, off, si.imm);
export const jmpImm = (op: number, dst: number, imm: number, off: number): Insn => raw(BPF_JMP | op | BPF_K, dst, 0, off, imm);
export const jmp32Imm = (op: number, dst: number, imm: number, off: number): Insn => raw(BPF_JMP32 | op | BPF_K, dst, 0, off, imm);
export const ja = (off: number): Insn => raw(BPF_JMP | BPF_JA, 0, 0, off, 0);
export const alu32Imm = (op: number, dst: number, imm: number): Insn => raw(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
export const alu64Imm = (op: number, dst: number, imm: number): Insn => raw(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm);
export const alu64Reg = (op: number, dst: number, src: number): Insn => raw(BPF_ALU64 | op | BPF_X, dst, src, 0, 0);
export const mov64Reg = (dst: number, src: number): Insn => raw(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
export const mov64Imm = (dst: number, imm: number): Insn => raw(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
export const mov32Imm = (dst: number, imm: number): Insn => raw(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, imm);

/** bytes_to_bpf_size / BPF_FIELD_SIZEOF: the size code of a 1/2/4/8-byte access. */
export function sizeCode(bytes: number): number {
  switch (bytes) {
    case 1:
      return BPF_B;
    case 2:
      return BPF_H;
    case 4:
      return BPF_W;
    case 8:
      return BPF_DW;
  }
  throw new Error(`no BPF access size of ${bytes} bytes`);
}
