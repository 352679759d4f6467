// Deterministic structure-aware mutations of ELF objects, for the loader fuzz test and
// bench/fuzz-loader.ts. Each mutated file comes from (seed, index) alone, so any failure
// reproduces from the two numbers printed with it.
import { parseElf } from '../../src/object/elf.ts';

export { prng as rng } from '../support/prng.ts';
import { prng as rng } from '../support/prng.ts';

interface Range {
  off: number;
  size: number;
  /** Record size inside the range (symbols 24, rels 16, headers 64), 0 for free-form data. */
  rec: number;
}

/** Where the interesting bytes of one object are (from the unmutated file). */
export interface Layout {
  bytes: Uint8Array;
  shdrs: Range;
  sections: Range[];
  btf?: Range;
  btfExt?: Range;
  symtab?: Range;
  rels: Range[];
  code: Range[];
}

export function layoutOf(bytes: Uint8Array): Layout {
  const elf = parseElf(bytes, 'x');
  const shoff = elf.sections[0]!.hdrOff;
  const r = (s: { offset: number; size: number }, rec = 0): Range => ({ off: s.offset, size: s.size, rec });
  const find = (n: string) => elf.sections.find((s) => s.name === n);
  const btf = find('.BTF'),
    ext = find('.BTF.ext');
  const l: Layout = {
    bytes,
    shdrs: { off: shoff, size: elf.sections.length * 64, rec: 64 },
    sections: elf.sections.filter((s) => s.type !== 8 && s.size > 0).map((s) => r(s)),
    symtab: r(elf.symtab, 24),
    rels: elf.sections.filter((s) => s.type === 9 && !s.name.includes('debug')).map((s) => r(s, 16)),
    code: elf.sections.filter((s) => s.flags & 4 && s.size > 0).map((s) => r(s, 8)),
  };
  if (btf) l.btf = r(btf);
  if (ext) l.btfExt = r(ext);
  return l;
}

const INTERESTING32 = [
  0, 1, 2, 3, 4, 7, 8, 0x10, 0x18, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff,
];

export function mutate(l: Layout, seed: number, index: number): Uint8Array {
  const rand = rng((seed * 0x9e3779b1) ^ (index * 0x85ebca6b));
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)]!;
  const int = (n: number): number => Math.floor(rand() * n);
  let b = l.bytes.slice();
  const dv = () => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const set8 = (off: number, v: number): void => {
    if (off >= 0 && off < b.length) b[off] = v & 0xff;
  };
  const set16 = (off: number, v: number): void => {
    if (off >= 0 && off + 2 <= b.length) dv().setUint16(off, v & 0xffff, true);
  };
  const set32 = (off: number, v: number): void => {
    if (off >= 0 && off + 4 <= b.length) dv().setUint32(off, v >>> 0, true);
  };
  const set64 = (off: number, v: number): void => {
    if (off >= 0 && off + 8 <= b.length) dv().setBigUint64(off, BigInt.asUintN(64, BigInt(v)), true);
  };
  const value = (): number => {
    const k = int(4);
    if (k === 0) return pick(INTERESTING32);
    if (k === 1) return b.length + int(64) - 32;
    if (k === 2) return int(0x100000000);
    return int(256);
  };
  const rounds = 1 + int(3);
  for (let k = 0; k < rounds; k++) {
    switch (int(10)) {
      case 0: {
        // bit flips anywhere
        for (let n = 1 + int(8); n > 0; n--) {
          const p = int(b.length);
          set8(p, b[p]! ^ (1 << int(8)));
        }
        break;
      }
      case 1: {
        // byte sets anywhere
        for (let n = 1 + int(4); n > 0; n--) set8(int(b.length), pick([0, 0xff, 0x7f, 0x80, int(256)]));
        break;
      }
      case 2: // truncation
        b = b.slice(0, int(b.length));
        break;
      case 3: {
        // ELF header fields
        const f = pick([
          [4, 1],
          [5, 1],
          [16, 2],
          [18, 2],
          [40, 8],
          [58, 2],
          [60, 2],
          [62, 2],
        ] as const);
        const v = value();
        if (f[1] === 1) set8(f[0], v);
        else if (f[1] === 2) set16(f[0], v);
        else set64(f[0], v);
        break;
      }
      case 4: {
        // section header fields
        const h = l.shdrs.off + int(l.shdrs.size / 64) * 64;
        const f = pick([0, 4, 8, 24, 32, 40, 44, 56]);
        if (f === 8 || f === 24 || f === 32 || f === 56) set64(h + f, value());
        else set32(h + f, f === 40 || f === 44 ? int(40) : value());
        break;
      }
      case 5: {
        // symbols: name, info, shndx, value, size
        if (!l.symtab) break;
        const s = l.symtab.off + int(l.symtab.size / 24) * 24;
        const f = pick([0, 4, 6, 8, 16]);
        if (f === 4) set8(s + 4, int(256));
        else if (f === 6) set16(s + 6, pick([0, 1, 2, 3, 4, 5, 6, 7, 0xfff1, 0xffff, int(64)]));
        else if (f === 0) set32(s, value());
        else set64(s + f, pick([value(), int(64) * 8, int(64)]));
        break;
      }
      case 6: {
        // relocations: offset, type, symbol
        if (!l.rels.length) break;
        const r = pick(l.rels);
        const e = r.off + int(Math.max(1, r.size / 16)) * 16;
        const f = int(3);
        if (f === 0) set64(e, pick([value(), int(64) * 8, int(512)]));
        else if (f === 1) set32(e + 8, pick([0, 1, 2, 3, 4, 10, value()]));
        else set32(e + 12, pick([int(40), value()]));
        break;
      }
      case 7: {
        // instructions: opcode, regs, off, imm
        if (!l.code.length) break;
        const c = pick(l.code);
        const p = c.off + int(Math.max(1, c.size / 8)) * 8;
        const f = int(4);
        if (f === 0) set8(p, pick([0x85, 0x18, 0x05, 0x06, 0x15, 0x95, 0, int(256)]));
        else if (f === 1) set8(p + 1, int(256));
        else if (f === 2) set16(p + 2, pick([0, 1, -1, -2, 0x7fff, -0x8000, int(64) - 32]));
        else set32(p + 4, pick([value(), int(64) - 32]));
        break;
      }
      default: {
        // u32 words inside BTF / BTF.ext (headers, records, string offsets)
        const r = pick([l.btf, l.btfExt, l.btf, l.btfExt].filter((x): x is Range => !!x));
        if (!r) break;
        const p = (r.off + (int(3) === 0 ? int(Math.min(32, r.size)) : int(r.size))) & ~3;
        set32(p, value());
        break;
      }
    }
  }
  return b;
}
