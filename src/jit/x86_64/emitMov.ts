// Register moves and immediate loads (kernel emit_mov_imm32, emit_mov_imm64, emit_mov_reg,
// emit_movsx_reg, emit_nops). Each helper appends bytes to a CodeBuf and nothing else.
import type { CodeBuf } from './codeBuf.ts';
import { add1mod, add1reg, add2mod, add2reg, isEreg } from './regs.ts';

/** x86_nops[n] (ideal NOPs, ASM_NOP_MAX = 8). */
const NOPS: readonly (readonly number[])[] = [
  [],
  [0x90], // nop
  [0x66, 0x90], // xchg ax,ax
  [0x0f, 0x1f, 0x00], // nopl [rax]
  [0x0f, 0x1f, 0x40, 0x00], // nopl [rax+0]
  [0x0f, 0x1f, 0x44, 0x00, 0x00], // nopl [rax+rax*1+0]
  [0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00], // nopw [rax+rax*1+0]
  [0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00], // nopl [rax+0] (disp32)
  [0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00], // nopl [rax+rax*1+0] (disp32)
];

/** `len` bytes of NOPs, at most 8 per instruction (kernel emit_nops). */
export function emitNops(buf: CodeBuf, len: number): void {
  while (len > 0) {
    const n = len > 8 ? 8 : len;
    for (const b of NOPS[n]!) buf.emit1(b);
    len -= n;
  }
}

const isSimm32 = (v: bigint): boolean => v >= -0x80000000n && v <= 0x7fffffffn;

/**
 * dst = imm32. Returns the width of the immediate field written (0 for the xor form).
 * sign-extending form for negative ALU64 values, xor for zero, else the zero-extending
 * `mov r32, imm32` (2 bytes shorter).
 */
export function emitMovImm32(buf: CodeBuf, signPropagate: boolean, dst: number, imm: number): number {
  if (signPropagate && (imm | 0) < 0) {
    buf.emit3(add1mod(0x48, dst), 0xc7, add1reg(0xc0, dst)); // mov r64, simm32
    buf.imm32(imm);
    return 4;
  }
  if ((imm | 0) === 0) {
    if (isEreg(dst)) buf.emit1(add2mod(0x40, dst, dst));
    buf.emit2(0x31, add2reg(0xc0, dst, dst)); // xor r32, r32
    return 0;
  }
  if (isEreg(dst)) buf.emit1(add1mod(0x40, dst));
  buf.emit1(add1reg(0xb8, dst)); // mov r32, imm32
  buf.imm32(imm);
  return 4;
}

/**
 * dst = imm64 (LD_IMM64): the shortest of mov r32 (fits u32), mov r64 simm32 (fits s32)
 * and movabs (kernel emit_mov_imm64). Returns the width of the immediate field.
 */
export function emitMovImm64(buf: CodeBuf, dst: number, value: bigint): number {
  const v = BigInt.asUintN(64, value);
  const lo = Number(v & 0xffffffffn) | 0;
  if (v <= 0xffffffffn) return emitMovImm32(buf, false, dst, lo);
  if (isSimm32(BigInt.asIntN(64, v))) return emitMovImm32(buf, true, dst, lo);
  buf.emit2(add1mod(0x48, dst), add1reg(0xb8, dst)); // movabs r64, imm64
  buf.imm32(lo);
  buf.imm32(Number(v >> 32n) | 0);
  return 8;
}

/** mov dst, src: 64-bit skipped when dst == src (EMIT_mov); 32-bit always (it zero-extends). */
export function emitMovReg(buf: CodeBuf, is64: boolean, dst: number, src: number): void {
  if (is64) {
    if (dst !== src) buf.emit3(add2mod(0x48, dst, src), 0x89, add2reg(0xc0, dst, src)); // mov r64, r64
    return;
  }
  if (isEreg(dst) || isEreg(src)) buf.emit1(add2mod(0x40, dst, src));
  buf.emit2(0x89, add2reg(0xc0, dst, src)); // mov r32, r32
}

/** movsx dst, src{8,16,32} (ISA v4 MOVSX, insn->off = bits). */
export function emitMovsxReg(buf: CodeBuf, bits: number, is64: boolean, dst: number, src: number): void {
  if (is64) {
    if (bits === 8)
      buf.emit4(add2mod(0x48, src, dst), 0x0f, 0xbe, add2reg(0xc0, src, dst)); // movsx r64, r8
    else if (bits === 16)
      buf.emit4(add2mod(0x48, src, dst), 0x0f, 0xbf, add2reg(0xc0, src, dst)); // movsx r64, r16
    else if (bits === 32) buf.emit3(add2mod(0x48, src, dst), 0x63, add2reg(0xc0, src, dst)); // movsxd r64, r32
    return;
  }
  if (bits === 8) {
    buf.emit4(add2mod(0x40, src, dst), 0x0f, 0xbe, add2reg(0xc0, src, dst)); // movsx r32, r8 (REX always)
  } else if (bits === 16) {
    if (isEreg(dst) || isEreg(src)) buf.emit1(add2mod(0x40, src, dst));
    // The kernel ORs the REX bits into the 0x0f escape too (add_2mod(0x0f, ...)); kept as is.
    buf.emit3(add2mod(0x0f, src, dst), 0xbf, add2reg(0xc0, src, dst)); // movsx r32, r16
  }
}
