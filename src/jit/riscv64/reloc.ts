// Filling RISC-V Reloc fields (helperCall, kfuncCall, funcCall, funcAddr, ksymAddr). Each `at`
// points at an `auipc` whose partner (`jalr` for calls, `addi` for emit_addr) follows it; both
// take the pc-relative offset split as hi20 = (off + 0x800) >> 12, lo12 = off & 0xfff.
// Pure: the machine layer calls it once it knows where code and helpers live.

/** Rewrites the auipc+jalr/addi pair at `at` in `code` so it reaches `target` from `pc`. */
export function patchAuipcPair(code: Uint8Array, at: number, pc: bigint, target: bigint): void {
  const off = BigInt.asIntN(64, target - pc);
  if (off < -(1n << 31n) - 2048n || off >= (1n << 31n) - 2048n) {
    throw new RangeError(`auipc+jalr cannot reach 0x${target.toString(16)} from 0x${pc.toString(16)}`);
  }
  const o = Number(off);
  const upper = (o + 0x800) >> 12;
  const lower = o & 0xfff;
  const dv = new DataView(code.buffer, code.byteOffset, code.byteLength);
  const auipc = dv.getUint32(at, true);
  dv.setUint32(at, ((auipc & 0xfff) | ((upper & 0xfffff) << 12)) >>> 0, true);
  const second = dv.getUint32(at + 4, true);
  dv.setUint32(at + 4, ((second & 0xfffff) | (lower << 20)) >>> 0, true);
}
