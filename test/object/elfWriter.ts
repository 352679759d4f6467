// A minimal little-endian ELF64 ET_REL writer for crafted loader inputs (tests only).
export interface WSection {
  name: string;
  type: number;
  flags?: number;
  data?: Uint8Array;
  /** Overrides data placement (to make sections overlap). */
  offset?: number;
  size?: number;
  link?: number;
  info?: number;
  entsize?: number;
}
export interface WSymbol {
  name?: string;
  /** Raw st_name (overrides name). */
  nameOff?: number;
  info: number;
  shndx: number;
  value?: number;
  size?: number;
}

/** Builds a file: [ehdr][section data...][.strtab][.symtab][shdrs]. Index 0 is the NULL section. */
export function writeElf(sections: WSection[], symbols: WSymbol[], strtabExtra?: Uint8Array): Uint8Array {
  const shstr: number[] = [0];
  const addStr = (tab: number[], s: string): number => {
    const off = tab.length;
    for (const c of s) tab.push(c.charCodeAt(0));
    tab.push(0);
    return off;
  };
  const strtab: number[] = [0];
  const symNames = symbols.map((s) => s.nameOff ?? (s.name ? addStr(strtab, s.name) : 0));
  const strBytes = new Uint8Array([...strtab, ...(strtabExtra ?? [])]);
  const all: WSection[] = [
    { name: '', type: 0 },
    ...sections,
    { name: '.strtab', type: 3, data: strBytes },
    { name: '.symtab', type: 2, data: new Uint8Array(24 * (symbols.length + 1)), entsize: 24 },
    { name: '.shstrtab', type: 3 },
  ];
  const strIdx = all.length - 3,
    symIdx = all.length - 2,
    shstrIdx = all.length - 1;
  all[symIdx]!.link = strIdx;
  all[symIdx]!.info = 1;
  const nameOffs = all.map((s) => (s.name ? addStr(shstr, s.name) : 0));
  all[shstrIdx]!.data = new Uint8Array(shstr);
  const symtab = all[symIdx]!.data!;
  const sdv = new DataView(symtab.buffer);
  symbols.forEach((s, i) => {
    const p = (i + 1) * 24;
    sdv.setUint32(p, symNames[i]!, true);
    symtab[p + 4] = s.info;
    sdv.setUint16(p + 6, s.shndx, true);
    sdv.setBigUint64(p + 8, BigInt(s.value ?? 0), true);
    sdv.setBigUint64(p + 16, BigInt(s.size ?? 0), true);
  });
  let off = 64;
  const offs = all.map((s) => {
    if (s.offset !== undefined || !s.data) return s.offset ?? 0;
    const o = (off + 7) & ~7;
    off = o + s.data.length;
    return o;
  });
  const shoff = (off + 7) & ~7;
  const out = new Uint8Array(shoff + all.length * 64);
  const dv = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, 1, true);
  dv.setUint16(18, 247, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(40, BigInt(shoff), true);
  dv.setUint16(52, 64, true);
  dv.setUint16(58, 64, true);
  dv.setUint16(60, all.length, true);
  dv.setUint16(62, shstrIdx, true);
  all.forEach((s, i) => {
    if (s.data && s.offset === undefined) out.set(s.data, offs[i]!);
    const h = shoff + i * 64;
    dv.setUint32(h, nameOffs[i]!, true);
    dv.setUint32(h + 4, s.type, true);
    dv.setBigUint64(h + 8, BigInt(s.flags ?? 0), true);
    dv.setBigUint64(h + 24, BigInt(offs[i]!), true);
    dv.setBigUint64(h + 32, BigInt(s.size ?? s.data?.length ?? 0), true);
    dv.setUint32(h + 40, s.link ?? 0, true);
    dv.setUint32(h + 44, s.info ?? 0, true);
    dv.setBigUint64(h + 56, BigInt(s.entsize ?? 0), true);
  });
  return out;
}

/** Encodes BPF instruction slots (code, regs, off, imm) little-endian. */
export function insnBytes(insns: [number, number, number, number][]): Uint8Array {
  const out = new Uint8Array(insns.length * 8);
  const dv = new DataView(out.buffer);
  insns.forEach(([code, regs, off, imm], i) => {
    out[i * 8] = code;
    out[i * 8 + 1] = regs;
    dv.setInt16(i * 8 + 2, off, true);
    dv.setInt32(i * 8 + 4, imm, true);
  });
  return out;
}
