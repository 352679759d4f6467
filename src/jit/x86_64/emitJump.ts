// Compare, branch and call forms (the JMP/JMP32 cases of do_jit, emit_patch, emit_call,
// emit_jump). Displacements are computed by the caller from addrs[].
import type { CodeBuf } from './codeBuf.ts';
import { maybeEmit1mod, maybeEmitMod } from './emitAlu.ts';
import { add1reg, add2reg } from './regs.ts';
import { BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JNE, BPF_JSET, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT } from '../../bpf/opcodes.ts';

export const X86_JB = 0x72,
  X86_JAE = 0x73,
  X86_JE = 0x74,
  X86_JNE = 0x75,
  X86_JBE = 0x76;
export const X86_JA = 0x77,
  X86_JL = 0x7c,
  X86_JGE = 0x7d,
  X86_JLE = 0x7e,
  X86_JG = 0x7f;

/** BPF jump op (code & 0xf0) -> x86 jcc rel8 opcode. */
export function jmpCond(op: number): number {
  switch (op) {
    case BPF_JEQ:
      return X86_JE;
    case BPF_JSET: // test, then jne
    case BPF_JNE:
      return X86_JNE;
    case BPF_JGT:
      return X86_JA; // unsigned >
    case BPF_JLT:
      return X86_JB; // unsigned <
    case BPF_JGE:
      return X86_JAE; // unsigned >=
    case BPF_JLE:
      return X86_JBE; // unsigned <=
    case BPF_JSGT:
      return X86_JG;
    case BPF_JSLT:
      return X86_JL;
    case BPF_JSGE:
      return X86_JGE;
    case BPF_JSLE:
      return X86_JLE;
  }
  return -1;
}

/**
 * rel8 is used for -128..123 only: since 6.13 the kernel caps forward short jumps at 123 to
 * break a je(2<->6)/jmp(5<->2) oscillation between passes (is_imm8_jmp_offset).
 */
export const isImm8JmpOffset = (v: number, max = 123): boolean => v <= max && v >= -128;
export const isImm8 = (v: number): boolean => v <= 127 && v >= -128;

/** cmp dst, src */
export function emitCmpReg(buf: CodeBuf, is64: boolean, dst: number, src: number): void {
  maybeEmitMod(buf, dst, src, is64);
  buf.emit2(0x39, add2reg(0xc0, dst, src)); // cmp r, r
}

/** test dst, src (JSET X, and `cmp r, 0` shortened to `test r, r`) */
export function emitTestReg(buf: CodeBuf, is64: boolean, dst: number, src: number): void {
  maybeEmitMod(buf, dst, src, is64);
  buf.emit2(0x85, add2reg(0xc0, dst, src)); // test r, r
}

/** test dst, imm32 (JSET K) */
export function emitTestImm(buf: CodeBuf, is64: boolean, dst: number, imm: number): void {
  maybeEmit1mod(buf, dst, is64);
  buf.emit2(0xf7, add1reg(0xc0, dst)); // test r, imm32
  buf.imm32(imm);
}

/** cmp dst, imm8/imm32 */
export function emitCmpImm(buf: CodeBuf, is64: boolean, dst: number, imm: number): void {
  maybeEmit1mod(buf, dst, is64);
  if (isImm8(imm))
    buf.emit3(0x83, add1reg(0xf8, dst), imm & 0xff); // cmp r, simm8
  else {
    buf.emit2(0x81, add1reg(0xf8, dst)); // cmp r, imm32
    buf.imm32(imm);
  }
}

/** jcc rel8 */
export function emitJccRel8(buf: CodeBuf, cond: number, rel: number): void {
  buf.emit2(cond, rel & 0xff); // jcc rel8
}

/** jcc rel32 */
export function emitJccRel32(buf: CodeBuf, cond: number, rel: number): void {
  buf.emit2(0x0f, cond + 0x10); // jcc rel32
  buf.imm32(rel);
}

/** jmp rel8 */
export function emitJmpRel8(buf: CodeBuf, rel: number): void {
  buf.emit2(0xeb, rel & 0xff); // jmp rel8
}

/** jmp rel32 / call rel32 (kernel emit_patch with opcode E9 / E8). */
export function emitRel32(buf: CodeBuf, opcode: 0xe8 | 0xe9, rel: number): void {
  buf.emit1(opcode); // call/jmp rel32
  buf.imm32(rel);
}

/** jmp reg (plain indirect jump, no retpoline) */
export function emitJmpReg(buf: CodeBuf, hexReg: number): void {
  buf.emit2(0xff, 0xe0 + hexReg); // jmp r
}
