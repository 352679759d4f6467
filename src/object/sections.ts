// Section classification, after libbpf's bpf_object__elf_collect (v1.x): which sections
// hold programs, subprograms, map definitions, global data, BTF, and which relocation
// sections libbpf keeps.
import { badLink, badSectionSize, legacyMaps, ObjError } from './errors.ts';
import { SHF_EXECINSTR, SHT_NOBITS, SHT_PROGBITS, SHT_REL, type Elf, type ElfSection } from './elf.ts';

export type DataKind = 'data' | 'rodata' | 'bss';

export interface DataSection {
  sec: ElfSection;
  kind: DataKind;
}

export interface ObjSections {
  /** `.text` (subprograms only); absent when missing or empty. */
  text?: ElfSection;
  /** Executable sections other than `.text`, non-empty, in section order. */
  progSecs: ElfSection[];
  /** Global data sections in section order (each becomes one internal map). */
  data: DataSection[];
  maps?: ElfSection;
  /** `.addr_space.1`: `__arena` globals, placed in the object's ARENA map. */
  arena?: ElfSection;
  btf?: ElfSection;
  btfExt?: ElfSection;
  license?: ElfSection;
  /** Target section index -> its relocation section (executable targets and `.maps`). */
  rels: Map<number, ElfSection>;
}

/** Zero-filled global data we are willing to allocate for one object. */
const MAX_BSS_TOTAL = 64 << 20;

const isData = (name: string, base: string): boolean => name === base || name.startsWith(base + '.');

export function classifySections(elf: Elf): ObjSections {
  const out: ObjSections = { progSecs: [], data: [], rels: new Map() };
  const where = (s: ElfSection) => ({ file: elf.file, section: s.name, fileOff: s.hdrOff });
  for (const s of elf.sections) {
    if (s.index === 0) continue;
    const name = s.name;
    if (name.startsWith('.debug_')) continue;
    if (name === 'license') out.license = s;
    else if (name === 'version') continue;
    else if (name === 'maps') throw new ObjError(legacyMaps(where(s)));
    else if (name === '.maps') out.maps = s;
    else if (name === '.BTF') out.btf = s;
    else if (name === '.BTF.ext') out.btfExt = s;
    else if (s.type === SHT_PROGBITS && s.size > 0) {
      if (s.flags & SHF_EXECINSTR) {
        if (s.size % 8 !== 0) throw new ObjError(badSectionSize(where(s), `executable section size ${s.size} is not a multiple of 8`));
        if (name === '.text') out.text = s;
        else out.progSecs.push(s);
      } else if (name === '.addr_space.1') out.arena = s;
      else if (isData(name, '.data')) out.data.push({ sec: s, kind: 'data' });
      else if (isData(name, '.rodata')) out.data.push({ sec: s, kind: 'rodata' });
      // .struct_ops*, .jumptables and unknown data are out of scope: ignored.
    } else if (s.type === SHT_REL) {
      const target = s.info;
      if (target === 0 || target >= elf.sections.length)
        throw new ObjError(badLink(where(s), `relocation section targets section ${target}, which does not exist`));
      const t = elf.sections[target]!;
      // libbpf keeps relocations only for code and for .maps (prog_array/map-in-map inits).
      if ((t.type === SHT_PROGBITS && t.flags & SHF_EXECINSTR) || t.name === '.maps') {
        if (out.rels.has(target)) throw new ObjError(badLink(where(s), `section '${t.name}' has more than one relocation section`));
        out.rels.set(target, s);
      }
    } else if (s.type === SHT_NOBITS && isData(name, '.bss') && s.size > 0) {
      out.data.push({ sec: s, kind: 'bss' });
    }
  }
  // Every section whose bytes the loader decodes or copies occupies its own part of a
  // well-formed file, so their sizes add up to at most the file size. Overlapping headers
  // (never produced by a compiler) could otherwise make a small file decode gigabytes.
  let used = 0;
  for (const s of [out.text, ...out.progSecs, ...out.data.map((d) => d.sec), out.maps, out.btf, out.btfExt, elf.symtab, ...out.rels.values()]) {
    if (s && s.type !== SHT_NOBITS) used += s.size;
  }
  if (used > elf.bytes.length)
    throw new ObjError(badSectionSize({ file: elf.file }, `sections claim ${used} bytes in a ${elf.bytes.length}-byte file (overlapping section data)`));
  const bss = out.data.reduce((n, d) => n + (d.kind === 'bss' ? d.sec.size : 0), 0);
  if (bss > MAX_BSS_TOTAL) throw new ObjError(badSectionSize({ file: elf.file }, `.bss sections total ${bss} bytes (more than ${MAX_BSS_TOTAL})`));
  // A .maps that is not PROGBITS (e.g. NOBITS after corruption) has no definitions to read.
  if (out.maps && out.maps.type !== SHT_PROGBITS) throw new ObjError(badSectionSize(where(out.maps), "'.maps' section is not PROGBITS"));
  for (const s of [out.btf, out.btfExt]) if (s && s.type !== SHT_PROGBITS) throw new ObjError(badSectionSize(where(s), `'${s.name}' section is not PROGBITS`));
  return out;
}
