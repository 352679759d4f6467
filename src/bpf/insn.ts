// The 8-byte BPF instruction slot. A program is an array of slots; LD_IMM64 takes two
// (the second has code 0), exactly as the kernel stores it.

/** One decoded 8-byte instruction slot. `imm` and `off` are signed. */
export interface Insn {
  readonly code: number; // u8
  readonly dst: number; // 0..15
  readonly src: number; // 0..15
  readonly off: number; // s16
  readonly imm: number; // s32
}

export const INSN_SIZE = 8;

/** Decodes one slot at `pos`. Little-endian objects keep dst in the low nibble. */
export function decodeInsn(bytes: Uint8Array, pos: number, littleEndian = true): Insn {
  const dv = new DataView(bytes.buffer, bytes.byteOffset + pos, INSN_SIZE);
  const regs = dv.getUint8(1);
  return {
    code: dv.getUint8(0),
    dst: littleEndian ? regs & 0xf : regs >> 4,
    src: littleEndian ? regs >> 4 : regs & 0xf,
    off: dv.getInt16(2, littleEndian),
    imm: dv.getInt32(4, littleEndian),
  };
}

/** Decodes a whole instruction array (length must be a multiple of 8). */
export function decodeInsns(bytes: Uint8Array, littleEndian = true): Insn[] {
  const out: Insn[] = [];
  for (let p = 0; p + INSN_SIZE <= bytes.length; p += INSN_SIZE) out.push(decodeInsn(bytes, p, littleEndian));
  return out;
}

/** Encodes one slot (little-endian, as the kernel consumes it on x86-64 and RISC-V). */
export function encodeInsn(insn: Insn, out = new Uint8Array(INSN_SIZE), pos = 0): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset + pos, INSN_SIZE);
  dv.setUint8(0, insn.code & 0xff);
  dv.setUint8(1, ((insn.src & 0xf) << 4) | (insn.dst & 0xf));
  dv.setInt16(2, insn.off, true);
  dv.setInt32(4, insn.imm | 0, true);
  return out;
}

export function encodeInsns(insns: readonly Insn[]): Uint8Array {
  const out = new Uint8Array(insns.length * INSN_SIZE);
  insns.forEach((i, k) => encodeInsn(i, out, k * INSN_SIZE));
  return out;
}

export const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

/** True for the first slot of LD_IMM64 (opcode 0x18). */
export const isLdImm64 = (i: Insn): boolean => i.code === 0x18;

/** The 64-bit immediate of an LD_IMM64 pair, as an unsigned bigint. */
export function ldImm64Value(first: Insn, second: Insn): bigint {
  return (BigInt(second.imm >>> 0) << 32n) | BigInt(first.imm >>> 0);
}

/** Replaces fields of an instruction (instructions are immutable values). */
export const withInsn = (i: Insn, patch: Partial<Insn>): Insn => ({ ...i, ...patch });
