// Named Diag factories for everything the object loader rejects. Codes are stable:
// tests, the CLI and the fuzz bench count rejections by them. Messages are one line
// and say what libbpf (v1.x) or the kernel would have said about the same input.
import type { Diag, Place } from '../common/diag.ts';
import { fileOff as toFileOff, insnIdx } from '../common/ids.ts';

export const ObjCode = {
  truncated: 'elf.truncated',
  badMagic: 'elf.bad-magic',
  badClass: 'elf.bad-class',
  badType: 'elf.bad-type',
  badMachine: 'elf.bad-machine',
  badHeader: 'elf.bad-header',
  sectionOutOfBounds: 'elf.section-out-of-bounds',
  badLink: 'elf.bad-link',
  noSymtab: 'elf.no-symtab',
  badSymtab: 'elf.bad-symtab',
  badString: 'elf.bad-string',
  badSymbol: 'elf.bad-symbol',
  badRelSection: 'elf.bad-rel-section',
  legacyMaps: 'object.legacy-maps',
  staticProgram: 'object.static-program',
  misalignedFunction: 'object.misaligned-function',
  functionOutOfBounds: 'object.function-out-of-bounds',
  overlappingFunctions: 'object.overlapping-functions',
  badSectionSize: 'object.bad-section-size',
  badLicense: 'object.bad-license',
  relocOutOfRange: 'reloc.out-of-range',
  relocBadInsn: 'reloc.bad-insn',
  relocBadCall: 'reloc.bad-call',
  relocBadMap: 'reloc.bad-map',
  relocBadData: 'reloc.bad-data',
  relocExtern: 'reloc.extern',
  externBad: 'object.extern',
  relocMissing: 'reloc.missing',
  relocBadSubprogAddr: 'reloc.bad-subprog-addr',
  coreReloBad: 'reloc.core',
  btfBadHeader: 'btf.bad-header',
  btfBadType: 'btf.bad-type',
  btfBadString: 'btf.bad-string',
  btfMissing: 'btf.missing',
  btfExtBad: 'btf-ext.bad',
  mapBad: 'map.bad-definition',
  mapInitBad: 'map.bad-init',
  linkBadCall: 'link.bad-call',
  linkBadJump: 'link.bad-jump',
  linkBadLdImm64: 'link.bad-ld-imm64',
  linkTooBig: 'link.too-big',
  internal: 'object.internal',
} as const;

export interface FileWhere {
  file: string;
  section?: string;
  fileOff?: number;
  insn?: number;
  program?: string;
}

function place(w: FileWhere): Place {
  const p: Place = { file: w.file };
  if (w.section !== undefined) p.section = w.section;
  if (w.fileOff !== undefined) p.fileOff = toFileOff(w.fileOff);
  if (w.program !== undefined) p.program = w.program;
  if (w.insn !== undefined) p.insn = insnIdx(w.insn);
  return p;
}

const diag = (code: string, message: string, w: FileWhere): Diag => ({ code, message, place: place(w) });

export const truncated = (w: FileWhere, what: string, need: number, have: number): Diag =>
  diag(ObjCode.truncated, `${what} needs ${need} bytes but only ${have} are there`, w);
export const badMagic = (w: FileWhere): Diag => diag(ObjCode.badMagic, 'not an ELF file (bad magic)', w);
export const badClass = (w: FileWhere, cls: number): Diag => diag(ObjCode.badClass, `ELF class ${cls} is not ELFCLASS64`, w);
export const badType = (w: FileWhere, t: number): Diag => diag(ObjCode.badType, `ELF type ${t} is not ET_REL (a BPF object is a relocatable file)`, w);
export const badMachine = (w: FileWhere, m: number): Diag => diag(ObjCode.badMachine, `ELF machine ${m} is not EM_BPF (247)`, w);
export const badHeader = (w: FileWhere, what: string): Diag => diag(ObjCode.badHeader, what, w);
export const sectionOutOfBounds = (w: FileWhere, off: number, size: number, fileSize: number): Diag =>
  diag(
    ObjCode.sectionOutOfBounds,
    `section data [0x${off.toString(16)}, +0x${size.toString(16)}) lies past the end of the file (0x${fileSize.toString(16)} bytes)`,
    w,
  );
export const badLink = (w: FileWhere, what: string): Diag => diag(ObjCode.badLink, what, w);
export const noSymtab = (w: FileWhere, n: number): Diag =>
  diag(ObjCode.noSymtab, n === 0 ? 'no symbol table (stripped objects cannot be loaded)' : `${n} symbol tables (exactly one expected)`, w);
export const badSymtab = (w: FileWhere, what: string): Diag => diag(ObjCode.badSymtab, what, w);
export const badString = (w: FileWhere, off: number): Diag =>
  diag(ObjCode.badString, `string offset ${off} is outside the string table or not NUL-terminated`, w);
export const badSymbol = (w: FileWhere, what: string): Diag => diag(ObjCode.badSymbol, what, w);
export const badRelSection = (w: FileWhere, what: string): Diag => diag(ObjCode.badRelSection, what, w);
export const legacyMaps = (w: FileWhere): Diag =>
  diag(ObjCode.legacyMaps, 'legacy \'maps\' section is not supported (libbpf >= 1.0); use BTF-defined maps in SEC(".maps")', w);
export const staticProgram = (w: FileWhere, name: string): Diag => diag(ObjCode.staticProgram, `program '${name}' is static and not supported`, w);
export const misalignedFunction = (w: FileWhere, name: string, value: number, size: number): Diag =>
  diag(ObjCode.misalignedFunction, `function '${name}' at 0x${value.toString(16)} size ${size} is not instruction-aligned`, w);
export const functionOutOfBounds = (w: FileWhere, name: string): Diag =>
  diag(ObjCode.functionOutOfBounds, `function '${name}' extends past the end of its section`, w);
export const overlappingFunctions = (w: FileWhere, a: string, b: string): Diag => diag(ObjCode.overlappingFunctions, `functions '${a}' and '${b}' overlap`, w);
export const badSectionSize = (w: FileWhere, what: string): Diag => diag(ObjCode.badSectionSize, what, w);
export const badLicense = (w: FileWhere): Diag => diag(ObjCode.badLicense, 'license section is not a NUL-terminated string', w);
export const relocOutOfRange = (w: FileWhere, off: number, secSize: number): Diag =>
  diag(ObjCode.relocOutOfRange, `relocation at offset 0x${off.toString(16)} is outside its section (size 0x${secSize.toString(16)}) or misaligned`, w);
export const relocBadInsn = (w: FileWhere, sym: string): Diag =>
  diag(ObjCode.relocBadInsn, `relocation against '${sym}' is on an instruction that is neither a call nor ld_imm64`, w);
export const relocBadCall = (w: FileWhere, what: string): Diag => diag(ObjCode.relocBadCall, what, w);
export const relocBadMap = (w: FileWhere, what: string): Diag => diag(ObjCode.relocBadMap, what, w);
export const relocBadData = (w: FileWhere, what: string): Diag => diag(ObjCode.relocBadData, what, w);
export const relocMissing = (w: FileWhere, src: number): Diag =>
  diag(ObjCode.relocMissing, `ld_imm64 with pseudo src_reg ${src} has no relocation (clang emits src_reg 0 and a relocation)`, w);
export const relocExtern = (w: FileWhere, sym: string): Diag =>
  diag(ObjCode.relocExtern, `undefined symbol '${sym}' is not an extern libbpf can resolve (no BTF declaration in '.kconfig' or '.ksyms')`, w);
export const externBad = (w: FileWhere, name: string, what: string): Diag => diag(ObjCode.externBad, `extern '${name}': ${what}`, w);
export const relocBadSubprogAddr = (w: FileWhere, what: string): Diag => diag(ObjCode.relocBadSubprogAddr, what, w);
export const coreReloBad = (w: FileWhere, what: string): Diag => diag(ObjCode.coreReloBad, what, w);
export const btfBadHeader = (w: FileWhere, what: string): Diag => diag(ObjCode.btfBadHeader, what, w);
export const btfBadType = (w: FileWhere, id: number, what: string): Diag => diag(ObjCode.btfBadType, `BTF type [${id}]: ${what}`, w);
export const btfBadString = (w: FileWhere, off: number, what: string): Diag =>
  diag(ObjCode.btfBadString, `${what}: string offset ${off} is outside the BTF string section`, w);
export const btfMissing = (w: FileWhere, what: string): Diag => diag(ObjCode.btfMissing, what, w);
export const btfExtBad = (w: FileWhere, what: string): Diag => diag(ObjCode.btfExtBad, what, w);
export const mapBad = (w: FileWhere, map: string, what: string): Diag => diag(ObjCode.mapBad, `map '${map}': ${what}`, w);
export const mapInitBad = (w: FileWhere, what: string): Diag => diag(ObjCode.mapInitBad, what, w);
export const linkBadCall = (w: FileWhere, what: string): Diag => diag(ObjCode.linkBadCall, what, w);
export const linkBadJump = (w: FileWhere, from: number, to: number): Diag => diag(ObjCode.linkBadJump, `jump out of range from insn ${from} to ${to}`, w);
export const linkBadLdImm64 = (w: FileWhere, what: string): Diag => diag(ObjCode.linkBadLdImm64, what, w);
export const linkTooBig = (w: FileWhere, what: string): Diag => diag(ObjCode.linkTooBig, what, w);
export const internal = (w: FileWhere, what: string): Diag => diag(ObjCode.internal, `internal loader error (please report): ${what}`, w);

/** Internal control flow: a Diag carried out of deep parsing code; loadObject turns it into a Result. */
export class ObjError extends Error {
  readonly diag: Diag;
  constructor(d: Diag) {
    super(d.message);
    this.diag = d;
  }
}
