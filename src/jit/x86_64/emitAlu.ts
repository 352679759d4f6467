// ALU instruction forms (the ALU/ALU64 cases of the kernel's do_jit()).
import type { CodeBuf } from './codeBuf.ts';
import { emitMovReg } from './emitMov.ts';
import { REG_AUX, add1mod, add1reg, add2mod, add2reg, isEreg } from './regs.ts';
import { BPF_ADD, BPF_AND, BPF_ARSH, BPF_LSH, BPF_MOD, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR } from '../../bpf/opcodes.ts';

// BPF op nibble (code & 0xf0) -> x86 forms.

/** simple_alu_opcodes[]: reg-reg opcode for add/sub/and/or/xor, ModRM /n base for shifts. */
export function simpleAluOpcode(op: number): number {
  switch (op) {
    case BPF_ADD:
      return 0x01;
    case BPF_SUB:
      return 0x29;
    case BPF_AND:
      return 0x21;
    case BPF_OR:
      return 0x09;
    case BPF_XOR:
      return 0x31;
    case BPF_LSH:
      return 0xe0;
    case BPF_RSH:
      return 0xe8;
    case BPF_ARSH:
      return 0xf8;
  }
  throw new Error(`simpleAluOpcode: op 0x${op.toString(16)}`);
}

/** REX.W when 64-bit, else REX only for r8+ (kernel maybe_emit_mod). */
export function maybeEmitMod(buf: CodeBuf, dst: number, src: number, is64: boolean): void {
  if (is64) buf.emit1(add2mod(0x48, dst, src));
  else if (isEreg(dst) || isEreg(src)) buf.emit1(add2mod(0x40, dst, src));
}

/** Single-register variant (kernel maybe_emit_1mod). */
export function maybeEmit1mod(buf: CodeBuf, reg: number, is64: boolean): void {
  if (is64) buf.emit1(add1mod(0x48, reg));
  else if (isEreg(reg)) buf.emit1(add1mod(0x40, reg));
}

/** add/sub/and/or/xor dst, src */
export function emitAluReg(buf: CodeBuf, op: number, is64: boolean, dst: number, src: number): void {
  maybeEmitMod(buf, dst, src, is64);
  buf.emit2(simpleAluOpcode(op), add2reg(0xc0, dst, src)); // op r, r
}

/** add/sub/and/or/xor dst, imm: imm8 form, rax short form, or 81 /n imm32. */
export function emitAluImm(buf: CodeBuf, op: number, is64: boolean, dst: number, imm: number): void {
  maybeEmit1mod(buf, dst, is64);
  let b3: number, b2: number;
  switch (op) {
    case BPF_ADD:
      b3 = 0xc0;
      b2 = 0x05;
      break;
    case BPF_SUB:
      b3 = 0xe8;
      b2 = 0x2d;
      break;
    case BPF_AND:
      b3 = 0xe0;
      b2 = 0x25;
      break;
    case BPF_OR:
      b3 = 0xc8;
      b2 = 0x0d;
      break;
    default:
      b3 = 0xf0;
      b2 = 0x35;
      break; // BPF_XOR
  }
  if (imm >= -128 && imm <= 127)
    buf.emit3(0x83, add1reg(b3, dst), imm & 0xff); // op r, simm8
  else if (dst === 0) {
    buf.emit1(b2); // op eax/rax, imm32
    buf.imm32(imm);
  } else {
    buf.emit2(0x81, add1reg(b3, dst)); // op r, imm32
    buf.imm32(imm);
  }
}

/** neg dst */
export function emitNeg(buf: CodeBuf, is64: boolean, dst: number): void {
  maybeEmit1mod(buf, dst, is64);
  buf.emit2(0xf7, add1reg(0xd8, dst)); // neg r
}

/** imul dst, dst, imm8/imm32 */
export function emitMulImm(buf: CodeBuf, is64: boolean, dst: number, imm: number): void {
  maybeEmitMod(buf, dst, dst, is64);
  if (imm >= -128 && imm <= 127)
    buf.emit3(0x6b, add2reg(0xc0, dst, dst), imm & 0xff); // imul r, r, simm8
  else {
    buf.emit2(0x69, add2reg(0xc0, dst, dst)); // imul r, r, imm32
    buf.imm32(imm);
  }
}

/** imul dst, src */
export function emitMulReg(buf: CodeBuf, is64: boolean, dst: number, src: number): void {
  maybeEmitMod(buf, src, dst, is64);
  buf.emit3(0x0f, 0xaf, add2reg(0xc0, src, dst)); // imul r, r
}

/**
 * DIV/MOD (off 0 unsigned, off 1 signed). rax/rdx are implicit operands, so they are saved
 * around the division unless dst is one of them; a divisor in rax/rdx or an immediate goes
 * to r11 first. The verifier has already guarded division by zero (and signed -1).
 */
export function emitDivMod(buf: CodeBuf, op: number, is64: boolean, signed: boolean, dst: number, src: number | null, imm: number): void {
  if (dst !== 0) buf.emit1(0x50); // push rax
  if (dst !== 3) buf.emit1(0x52); // push rdx
  let s: number;
  if (src !== null) {
    s = src;
    if (src === 0 || src === 3) {
      emitMovReg(buf, true, REG_AUX, src); // mov r11, src
      s = REG_AUX;
    }
  } else {
    buf.emit3(0x49, 0xc7, 0xc3); // mov r11, simm32
    buf.imm32(imm);
    s = REG_AUX;
  }
  if (dst !== 0) emitMovReg(buf, is64, 0, dst); // mov rax, dst
  if (!signed) {
    buf.emit2(0x31, 0xd2); // xor edx, edx
    maybeEmit1mod(buf, s, is64);
    buf.emit2(0xf7, add1reg(0xf0, s)); // div s
  } else {
    if (!is64)
      buf.emit1(0x99); // cdq
    else buf.emit2(0x48, 0x99); // cqo
    maybeEmit1mod(buf, s, is64);
    buf.emit2(0xf7, add1reg(0xf8, s)); // idiv s
  }
  if (op === BPF_MOD && dst !== 3)
    emitMovReg(buf, is64, dst, 3); // mov dst, rdx
  else if (op !== BPF_MOD && dst !== 0) emitMovReg(buf, is64, dst, 0); // mov dst, rax
  if (dst !== 3) buf.emit1(0x5a); // pop rdx
  if (dst !== 0) buf.emit1(0x58); // pop rax
}

/** shl/shr/sar dst, imm (D1 form for a count of 1). */
export function emitShiftImm(buf: CodeBuf, op: number, is64: boolean, dst: number, imm: number): void {
  maybeEmit1mod(buf, dst, is64);
  const b3 = simpleAluOpcode(op);
  if (imm === 1)
    buf.emit2(0xd1, add1reg(b3, dst)); // shift r, 1
  else buf.emit3(0xc1, add1reg(b3, dst), imm & 0xff); // shift r, imm8
}

/** VEX-encoded shlx/shrx/sarx dst, dst, src (BMI2; not used when the count is already in rcx). */
export function emitShiftx(buf: CodeBuf, op: number, is64: boolean, dst: number, src: number): void {
  const pp = op === BPF_LSH ? 1 : op === BPF_RSH ? 3 : 2; // 66 / F2 / F3
  const r = isEreg(dst);
  const vvvv = (add1reg(0, src) | (isEreg(src) ? 8 : 0)) & 0xf;
  const b1 = ((r ? 0 : 1) << 7) | (1 << 6) | ((r ? 0 : 1) << 5) | 2; // ~R ~X ~B, map 0F38
  const b2 = ((is64 ? 1 : 0) << 7) | ((~vvvv & 0xf) << 3) | pp;
  buf.emit3(0xc4, b1, b2); // VEX3
  buf.emit2(0xf7, add2reg(0xc0, dst, dst)); // shlx/shrx/sarx r, r, vvvv
}

/**
 * shl/shr/sar dst, cl. The count must be in cl: if dst is rcx itself the shift runs on r11;
 * otherwise rcx is saved on the stack around it.
 */
export function emitShiftReg(buf: CodeBuf, op: number, is64: boolean, dst: number, src: number): void {
  let d = dst;
  if (src !== 4) {
    if (dst === 4) {
      emitMovReg(buf, true, REG_AUX, dst); // mov r11, rcx
      d = REG_AUX;
    } else buf.emit1(0x51); // push rcx
    emitMovReg(buf, true, 4, src); // mov rcx, src
  }
  maybeEmit1mod(buf, d, is64);
  buf.emit2(0xd3, add1reg(simpleAluOpcode(op), d)); // shift r, cl
  if (src !== 4) {
    if (dst === 4)
      emitMovReg(buf, true, dst, REG_AUX); // mov rcx, r11
    else buf.emit1(0x59); // pop rcx
  }
}

/** Byte swap (BPF_END to BE, and ALU64 BSWAP). */
export function emitBswap(buf: CodeBuf, dst: number, bits: number): void {
  if (bits === 16) {
    buf.emit1(0x66);
    if (isEreg(dst)) buf.emit1(0x41);
    buf.emit3(0xc1, add1reg(0xc8, dst), 8); // ror r16, 8
    if (isEreg(dst)) buf.emit3(0x45, 0x0f, 0xb7);
    else buf.emit2(0x0f, 0xb7);
    buf.emit1(add2reg(0xc0, dst, dst)); // movzx r32, r16
  } else if (bits === 32) {
    if (isEreg(dst)) buf.emit2(0x41, 0x0f);
    else buf.emit1(0x0f);
    buf.emit1(add1reg(0xc8, dst)); // bswap r32
  } else if (bits === 64) {
    buf.emit3(add1mod(0x48, dst), 0x0f, add1reg(0xc8, dst)); // bswap r64
  }
}

/** Truncation to little endian (BPF_END to LE): movzx for 16, mov r32 for 32, nothing for 64. */
export function emitToLe(buf: CodeBuf, dst: number, bits: number): void {
  if (bits === 16) {
    if (isEreg(dst)) buf.emit3(0x45, 0x0f, 0xb7);
    else buf.emit2(0x0f, 0xb7);
    buf.emit1(add2reg(0xc0, dst, dst)); // movzx r32, r16
  } else if (bits === 32) {
    if (isEreg(dst)) buf.emit1(0x45);
    buf.emit2(0x89, add2reg(0xc0, dst, dst)); // mov r32, r32
  }
}
