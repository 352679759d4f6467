// Memory access forms: LDX, LDSX, ST, STX, ATOMIC (kernel emit_ldx, emit_ldsx, emit_stx,
// the ST cases of do_jit, emit_atomic). Memory operands always carry a displacement, even
// 0: that side-steps the rbp/r13 "no displacement" encoding quirk at the cost of a byte.
import type { CodeBuf } from './codeBuf.ts';
import { maybeEmitMod } from './emitAlu.ts';
import { add1mod, add1reg, add2mod, add2reg, isEreg, isEreg8l } from './regs.ts';
import { BPF_ADD, BPF_AND, BPF_B, BPF_CMPXCHG, BPF_DW, BPF_FETCH, BPF_H, BPF_OR, BPF_W, BPF_XCHG, BPF_XOR } from '../../bpf/opcodes.ts';

/** ModRM [ptr + disp8/disp32] with reg field = val (kernel emit_insn_suffix). */
export function emitInsnSuffix(buf: CodeBuf, ptr: number, val: number, off: number): void {
  if (off >= -128 && off <= 127)
    buf.emit2(add2reg(0x40, ptr, val), off & 0xff); // [ptr+disp8]
  else {
    buf.emit1(add2reg(0x80, ptr, val)); // [ptr+disp32]
    buf.imm32(off);
  }
}

/** dst = *(size *)(src + off), zero-extending. */
export function emitLdx(buf: CodeBuf, size: number, dst: number, src: number, off: number): void {
  switch (size) {
    case BPF_B:
      buf.emit3(add2mod(0x48, src, dst), 0x0f, 0xb6);
      break; // movzx r64, byte [..]
    case BPF_H:
      buf.emit3(add2mod(0x48, src, dst), 0x0f, 0xb7);
      break; // movzx r64, word [..]
    case BPF_W:
      if (isEreg(dst) || isEreg(src))
        buf.emit2(add2mod(0x40, src, dst), 0x8b); // mov r32, dword [..]
      else buf.emit1(0x8b);
      break;
    default:
      buf.emit2(add2mod(0x48, src, dst), 0x8b);
      break; // mov r64, qword [..]
  }
  emitInsnSuffix(buf, src, dst, off);
}

/** dst = *(signed size *)(src + off) (ISA v4 LDSX). */
export function emitLdsx(buf: CodeBuf, size: number, dst: number, src: number, off: number): void {
  switch (size) {
    case BPF_B:
      buf.emit3(add2mod(0x48, src, dst), 0x0f, 0xbe);
      break; // movsx r64, byte [..]
    case BPF_H:
      buf.emit3(add2mod(0x48, src, dst), 0x0f, 0xbf);
      break; // movsx r64, word [..]
    default:
      buf.emit2(add2mod(0x48, src, dst), 0x63);
      break; // movsxd r64, dword [..]
  }
  emitInsnSuffix(buf, src, dst, off);
}

/** *(size *)(dst + off) = src. Byte stores need REX for sil/dil/bpl too. */
export function emitStx(buf: CodeBuf, size: number, dst: number, src: number, off: number): void {
  switch (size) {
    case BPF_B:
      if (isEreg(dst) || isEreg8l(src))
        buf.emit2(add2mod(0x40, dst, src), 0x88); // mov byte [..], r8
      else buf.emit1(0x88);
      break;
    case BPF_H:
      if (isEreg(dst) || isEreg(src))
        buf.emit3(0x66, add2mod(0x40, dst, src), 0x89); // mov word [..], r16
      else buf.emit2(0x66, 0x89);
      break;
    case BPF_W:
      if (isEreg(dst) || isEreg(src))
        buf.emit2(add2mod(0x40, dst, src), 0x89); // mov dword [..], r32
      else buf.emit1(0x89);
      break;
    default:
      buf.emit2(add2mod(0x48, dst, src), 0x89);
      break; // mov qword [..], r64
  }
  emitInsnSuffix(buf, dst, src, off);
}

/** *(size *)(dst + off) = imm (DW: sign-extended imm32). */
export function emitSt(buf: CodeBuf, size: number, dst: number, off: number, imm: number): void {
  switch (size) {
    case BPF_B:
      if (isEreg(dst))
        buf.emit2(0x41, 0xc6); // mov byte [..], imm8
      else buf.emit1(0xc6);
      break;
    case BPF_H:
      if (isEreg(dst))
        buf.emit3(0x66, 0x41, 0xc7); // mov word [..], imm16
      else buf.emit2(0x66, 0xc7);
      break;
    case BPF_W:
      if (isEreg(dst))
        buf.emit2(0x41, 0xc7); // mov dword [..], imm32
      else buf.emit1(0xc7);
      break;
    default:
      buf.emit2(add1mod(0x48, dst), 0xc7);
      break; // mov qword [..], simm32
  }
  if (off >= -128 && off <= 127) buf.emit2(add1reg(0x40, dst), off & 0xff);
  else {
    buf.emit1(add1reg(0x80, dst));
    buf.imm32(off);
  }
  buf.immN(imm, size === BPF_B ? 1 : size === BPF_H ? 2 : 4);
}

/** lock-prefixed read-modify-write (kernel emit_atomic). Returns false for an unknown op. */
export function emitAtomic(buf: CodeBuf, op: number, dst: number, src: number, off: number, size: number): boolean {
  buf.emit1(0xf0); // lock
  maybeEmitMod(buf, dst, src, size === BPF_DW);
  switch (op) {
    case BPF_ADD:
      buf.emit1(0x01);
      break; // lock add [..], r
    case BPF_AND:
      buf.emit1(0x21);
      break; // lock and [..], r
    case BPF_OR:
      buf.emit1(0x09);
      break; // lock or [..], r
    case BPF_XOR:
      buf.emit1(0x31);
      break; // lock xor [..], r
    case BPF_ADD | BPF_FETCH:
      buf.emit2(0x0f, 0xc1);
      break; // lock xadd [..], r
    case BPF_XCHG:
      buf.emit1(0x87);
      break; // (lock) xchg [..], r
    case BPF_CMPXCHG:
      buf.emit2(0x0f, 0xb1);
      break; // lock cmpxchg [..], r
    default:
      return false;
  }
  emitInsnSuffix(buf, dst, src, off);
  return true;
}
