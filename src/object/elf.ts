// ELF64 reader for BPF relocatable objects (both byte orders, as libelf reads them for
// libbpf). Every offset and count read from the file is checked against the file size
// before use, so a corrupt header can neither read out of bounds nor allocate huge arrays.
import {
  badClass,
  badHeader,
  badLink,
  badMachine,
  badMagic,
  badRelSection,
  badString,
  badSymtab,
  badType,
  noSymtab,
  ObjError,
  sectionOutOfBounds,
  truncated,
  type FileWhere,
} from './errors.ts';

export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_REL = 9;
export const SHT_NOBITS = 8;
export const SHF_EXECINSTR = 0x4;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STB_WEAK = 2;
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_XINDEX = 0xffff;
const EM_BPF = 247;
const ET_REL = 1;
const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const REL_SIZE = 16;

export interface ElfSection {
  index: number;
  name: string;
  type: number;
  flags: number;
  /** File offset of the data (meaningless for NOBITS). */
  offset: number;
  size: number;
  link: number;
  info: number;
  entsize: number;
  /** File offset of this section's header (for error places). */
  hdrOff: number;
  /** Section bytes; empty for NOBITS. A view into the file, not a copy. */
  data: Uint8Array;
}

export interface ElfSymbol {
  index: number;
  name: string;
  value: number;
  size: number;
  type: number;
  bind: number;
  /** st_other & 3 (STV_DEFAULT 0, INTERNAL 1, HIDDEN 2, PROTECTED 3). */
  visibility: number;
  shndx: number;
}

export interface ElfRel {
  /** r_offset: byte offset inside the target section. */
  offset: number;
  sym: number;
  type: number;
  /** File offset of this relocation entry (for error places). */
  fileOff: number;
}

export interface Elf {
  file: string;
  bytes: Uint8Array;
  le: boolean;
  sections: ElfSection[];
  symbols: ElfSymbol[];
  symtab: ElfSection;
  /** Lazily built index (symbolsBySection). */
  bySection?: Map<number, ElfSymbol[]>;
}

/** Bounds-checked little/big-endian reader over the file bytes. */
export class Reader {
  private readonly dv: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
  ) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  get length(): number {
    return this.bytes.length;
  }
  has(off: number, n: number): boolean {
    return off >= 0 && n >= 0 && off + n <= this.bytes.length;
  }
  u8(off: number): number {
    return this.dv.getUint8(off);
  }
  u16(off: number): number {
    return this.dv.getUint16(off, this.le);
  }
  u32(off: number): number {
    return this.dv.getUint32(off, this.le);
  }
  i32(off: number): number {
    return this.dv.getInt32(off, this.le);
  }
  /** u64 as a number; values past 2^53 lose precision but every use bounds-checks them. */
  u64(off: number): number {
    const lo = this.dv.getUint32(off + (this.le ? 0 : 4), this.le);
    const hi = this.dv.getUint32(off + (this.le ? 4 : 0), this.le);
    return hi * 0x1_0000_0000 + lo;
  }
}

/**
 * Longest name read from a string table. Names in BPF objects are C identifiers and SEC
 * strings (the kernel caps BTF names at KSYM_NAME_LEN, 512); the cap keeps a crafted
 * table of one huge unterminated-looking string from costing O(n^2) to read.
 */
export const MAX_NAME_LEN = 1024;

/** NUL-terminated string at `off` of a string table, or undefined when out of range or too long. */
export function cstr(data: Uint8Array, off: number): string | undefined {
  if (off < 0 || off >= data.length) return off === 0 && data.length === 0 ? '' : undefined;
  const end = data.subarray(off, off + MAX_NAME_LEN + 1).indexOf(0);
  if (end < 0) return undefined;
  let s = '';
  // Names are ASCII in practice; a byte-wise decode is faster than TextDecoder for short names.
  for (let i = off; i < off + end; i++) s += String.fromCharCode(data[i]!);
  return s;
}

/** Symbols grouped by st_shndx, in symbol-table order. */
export function symbolsBySection(elf: Elf): Map<number, ElfSymbol[]> {
  if (elf.bySection) return elf.bySection;
  const m = new Map<number, ElfSymbol[]>();
  for (const s of elf.symbols) {
    const a = m.get(s.shndx);
    if (a) a.push(s);
    else m.set(s.shndx, [s]);
  }
  elf.bySection = m;
  return m;
}

export function parseElf(bytes: Uint8Array, file: string): Elf {
  const w: FileWhere = { file, fileOff: 0 };
  if (bytes.length < 16) throw new ObjError(truncated(w, 'ELF identification', 16, bytes.length));
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) throw new ObjError(badMagic(w));
  if (bytes[4] !== 2) throw new ObjError(badClass({ file, fileOff: 4 }, bytes[4]!));
  if (bytes[5] !== 1 && bytes[5] !== 2) throw new ObjError(badHeader({ file, fileOff: 5 }, `EI_DATA ${bytes[5]} is neither little- nor big-endian`));
  const le = bytes[5] === 1;
  if (bytes.length < EHDR_SIZE) throw new ObjError(truncated(w, 'ELF64 header', EHDR_SIZE, bytes.length));
  const r = new Reader(bytes, le);
  const eType = r.u16(16);
  if (eType !== ET_REL) throw new ObjError(badType({ file, fileOff: 16 }, eType));
  const machine = r.u16(18);
  // libbpf accepts EM_NONE too (very old clang wrote it).
  if (machine !== EM_BPF && machine !== 0) throw new ObjError(badMachine({ file, fileOff: 18 }, machine));
  const shoff = r.u64(40);
  const shentsize = r.u16(58);
  let shnum = r.u16(60);
  let shstrndx = r.u16(62);
  if (shentsize !== SHDR_SIZE) throw new ObjError(badHeader({ file, fileOff: 58 }, `e_shentsize ${shentsize} is not ${SHDR_SIZE}`));
  if (shoff === 0 || !r.has(shoff, SHDR_SIZE))
    throw new ObjError(badHeader({ file, fileOff: 40 }, `section header table offset 0x${shoff.toString(16)} is outside the file`));
  // Extended numbering: the real counts live in section 0's header.
  if (shnum === 0) shnum = r.u64(shoff + 32);
  if (shstrndx === SHN_XINDEX) shstrndx = r.u32(shoff + 40);
  if (shnum === 0 || !r.has(shoff, shnum * SHDR_SIZE))
    throw new ObjError(truncated({ file, fileOff: shoff }, `section header table (${shnum} entries)`, shnum * SHDR_SIZE, bytes.length - shoff));
  if (shstrndx === 0 || shstrndx >= shnum)
    throw new ObjError(badLink({ file, fileOff: 62 }, `e_shstrndx ${shstrndx} is not a section index (${shnum} sections)`));

  const sections: ElfSection[] = [];
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * SHDR_SIZE;
    sections.push({
      index: i,
      name: '',
      type: r.u32(h + 4),
      flags: r.u64(h + 8),
      offset: r.u64(h + 24),
      size: r.u64(h + 32),
      link: r.u32(h + 40),
      info: r.u32(h + 44),
      entsize: r.u64(h + 56),
      hdrOff: h,
      data: new Uint8Array(0),
    });
  }
  const hasData = (s: ElfSection): boolean => s.type !== SHT_NOBITS && s.type !== SHT_NULL;
  const checkData = (s: ElfSection, name: string): void => {
    if (!hasData(s)) return;
    if (!r.has(s.offset, s.size)) throw new ObjError(sectionOutOfBounds({ file, section: name, fileOff: s.hdrOff + 24 }, s.offset, s.size, bytes.length));
    s.data = bytes.subarray(s.offset, s.offset + s.size);
  };
  // Section names first (so later errors can name the section), then every section's data.
  const shstr = sections[shstrndx]!;
  if (shstr.type !== SHT_STRTAB)
    throw new ObjError(badLink({ file, section: `#${shstrndx}`, fileOff: shstr.hdrOff }, 'e_shstrndx does not name a string table'));
  checkData(shstr, `#${shstrndx}`);
  for (const s of sections) {
    const nameOff = r.u32(s.hdrOff);
    const name = cstr(shstr.data, nameOff);
    if (name === undefined) throw new ObjError(badString({ file, section: `#${s.index}`, fileOff: s.hdrOff }, nameOff));
    s.name = name;
  }
  for (const s of sections) checkData(s, s.name);

  const symtabs = sections.filter((s) => s.type === SHT_SYMTAB);
  if (symtabs.length !== 1) throw new ObjError(noSymtab({ file }, symtabs.length));
  const symtab = symtabs[0]!;
  const sw: FileWhere = { file, section: symtab.name, fileOff: symtab.hdrOff };
  if (symtab.link === 0 || symtab.link >= shnum || sections[symtab.link]!.type !== SHT_STRTAB)
    throw new ObjError(badLink(sw, `symbol table sh_link ${symtab.link} is not a string table`));
  if (symtab.entsize !== SYM_SIZE || symtab.size % SYM_SIZE !== 0)
    throw new ObjError(badSymtab(sw, `symbol table entsize ${symtab.entsize} / size ${symtab.size} do not fit ${SYM_SIZE}-byte symbols`));
  const strtab = sections[symtab.link]!.data;
  const symbols: ElfSymbol[] = [];
  const nsyms = symtab.size / SYM_SIZE;
  const names = new Map<number, string>();
  for (let i = 0; i < nsyms; i++) {
    const p = symtab.offset + i * SYM_SIZE;
    const nameOff = r.u32(p);
    let name = names.get(nameOff);
    if (name === undefined) {
      name = cstr(strtab, nameOff);
      if (name === undefined) throw new ObjError(badString({ file, section: symtab.name, fileOff: p }, nameOff));
      names.set(nameOff, name);
    }
    const info = r.u8(p + 4);
    const shndx = r.u16(p + 6);
    symbols.push({
      index: i,
      name,
      type: info & 0xf,
      bind: info >> 4,
      visibility: r.u8(p + 5) & 3,
      shndx,
      value: r.u64(p + 8),
      size: r.u64(p + 16),
    });
  }
  return { file, bytes, le, sections, symbols, symtab };
}

/** Reads one SHT_REL section (REL only: BPF keeps the addend in the patched bytes). */
export function readRels(elf: Elf, sec: ElfSection): ElfRel[] {
  const w: FileWhere = { file: elf.file, section: sec.name, fileOff: sec.hdrOff };
  if (sec.entsize !== REL_SIZE || sec.size % REL_SIZE !== 0)
    throw new ObjError(badRelSection(w, `relocation section entsize ${sec.entsize} / size ${sec.size} do not fit ${REL_SIZE}-byte Elf64_Rel`));
  if (sec.link !== elf.symtab.index) throw new ObjError(badLink(w, `relocation section sh_link ${sec.link} is not the symbol table`));
  const r = new Reader(elf.bytes, elf.le);
  const out: ElfRel[] = [];
  const n = sec.size / REL_SIZE;
  for (let i = 0; i < n; i++) {
    const p = sec.offset + i * REL_SIZE;
    // r_info = sym << 32 | type; on big-endian the high word comes first.
    const hiOff = elf.le ? p + 12 : p + 8;
    const loOff = elf.le ? p + 8 : p + 12;
    const sym = r.u32(hiOff);
    if (sym >= elf.symbols.length)
      throw new ObjError(
        badRelSection({ file: elf.file, section: sec.name, fileOff: p }, `relocation #${i} names symbol ${sym}, but there are only ${elf.symbols.length}`),
      );
    out.push({ offset: r.u64(p), sym, type: r.u32(loOff), fileOff: p });
  }
  return out;
}
