// Functions of the executable sections and their relocations, after libbpf's
// bpf_object__add_programs and bpf_program__record_reloc (v1.x). Map and global-data
// relocations do not depend on where a function ends up in a linked program, so they
// are applied here, once per function; calls and PSEUDO_FUNC loads are left to link.ts.
import { fileOff, insnIdx } from '../common/ids.ts';
import { decodeInsns, type Insn } from '../bpf/insn.ts';
import type { Diag } from '../common/diag.ts';
import {
  functionOutOfBounds,
  misalignedFunction,
  ObjError,
  overlappingFunctions,
  relocBadCall,
  relocBadData,
  relocBadInsn,
  relocBadMap,
  relocBadSubprogAddr,
  relocExtern,
  relocMissing,
  relocOutOfRange,
  linkBadLdImm64,
  staticProgram,
  type FileWhere,
} from './errors.ts';
import { readRels, SHN_LORESERVE, SHN_UNDEF, STB_LOCAL, STT_FUNC, STT_SECTION, symbolsBySection, type Elf, type ElfSection, type ElfSymbol } from './elf.ts';
import type { Extern } from './externs.ts';
import type { ObjSections } from './sections.ts';
import {
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  CALL,
  LD_DW_IMM,
} from '../bpf/opcodes.ts';

/** A relocation a linker must resolve per program: bpf-to-bpf call or function address. */
export interface CodeRelo {
  kind: 'call' | 'subprog';
  /** Symbol value (byte offset in `.text`). */
  symOff: number;
  fileOff: number;
}

export interface Func {
  name: string;
  sec: ElfSection;
  isText: boolean;
  /** First instruction inside its section. */
  start: number;
  len: number;
  global: boolean;
  /** The function's instructions with map/global-data relocations applied. */
  insns: Insn[];
  /** Code relocations by instruction index relative to `start`. */
  codeRelos: Map<number, CodeRelo>;
  /** Instructions (relative to `start`) that a relocation rewrote or will rewrite. */
  relocated: Set<number>;
  /**
   * Why this function cannot be loaded (its first bad relocation or instruction); every
   * program containing it fails with this, the others load (as libbpf loads them one by one).
   */
  error?: Diag;
}

export interface MapLookup {
  /** `.maps` byte offset -> map index. */
  userMapAt(secOffset: number): number | undefined;
  /** Section index -> global-data map index. */
  dataMapOf(shndx: number): number | undefined;
  mapsShndx: number | undefined;
  /** Extern by symbol index (externs.ts). */
  externOf(symIndex: number): Extern | undefined;
  /** Map index of the `.kconfig` map, when the object has kconfig externs. */
  kconfigMap: number | undefined;
}

export function collectFuncs(elf: Elf, secs: ObjSections): Func[] {
  const all: Func[] = [];
  const execSecs = secs.text ? [secs.text, ...secs.progSecs] : secs.progSecs;
  for (const sec of execSecs) {
    const isText = sec === secs.text;
    const decoded = decodeInsns(sec.data, elf.le);
    const funcs: Func[] = [];
    for (const s of symbolsBySection(elf).get(sec.index) ?? []) {
      if (s.type !== STT_FUNC) continue;
      const w: FileWhere = { file: elf.file, section: sec.name, fileOff: elf.symtab.offset + s.index * 24 };
      if (s.value % 8 !== 0 || s.size % 8 !== 0 || s.size === 0) throw new ObjError(misalignedFunction(w, s.name, s.value, s.size));
      if (s.value + s.size > sec.size) throw new ObjError(functionOutOfBounds(w, s.name));
      if (!isText && s.bind === STB_LOCAL) throw new ObjError(staticProgram(w, s.name));
      const start = s.value / 8,
        len = s.size / 8;
      funcs.push({
        // libbpf downgrades hidden/internal globals in .text to static BTF linkage, so the
        // kernel verifies them with their callers rather than independently.
        name: s.name,
        sec,
        isText,
        start,
        len,
        global: s.bind !== STB_LOCAL && !(isText && (s.visibility === 1 || s.visibility === 2)),
        insns: decoded.slice(start, start + len),
        codeRelos: new Map(),
        relocated: new Set(),
      });
    }
    funcs.sort((a, b) => a.start - b.start);
    for (let i = 1; i < funcs.length; i++) {
      const a = funcs[i - 1]!,
        b = funcs[i]!;
      if (b.start < a.start + a.len)
        throw new ObjError(overlappingFunctions({ file: elf.file, section: sec.name, fileOff: sec.offset + b.start * 8, insn: b.start }, a.name, b.name));
    }
    all.push(...funcs);
  }
  return all;
}

/** Finds the function of `funcs` (sorted by start, one section) containing section insn `i`. */
export function funcAt(funcs: readonly Func[], i: number): Func | undefined {
  let lo = 0,
    hi = funcs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = funcs[mid]!;
    if (i < f.start) hi = mid - 1;
    else if (i >= f.start + f.len) lo = mid + 1;
    else return f;
  }
  return undefined;
}

export function recordRelocs(elf: Elf, secs: ObjSections, funcs: Func[], maps: MapLookup): void {
  const bySec = new Map<ElfSection, Func[]>();
  for (const f of funcs) {
    const a = bySec.get(f.sec);
    if (a) a.push(f);
    else bySec.set(f.sec, [f]);
  }
  for (const [target, relSec] of secs.rels) {
    const sec = elf.sections[target]!;
    if (sec.name === '.maps') continue;
    const secFuncs = bySec.get(sec) ?? [];
    for (const rel of readRels(elf, relSec)) {
      const raw = elf.symbols[rel.sym]!;
      // Static data and functions are reached through their section's (nameless) symbol.
      const sym = raw.name || raw.type !== STT_SECTION ? raw : { ...raw, name: elf.sections[raw.shndx]?.name ?? `#${raw.index}` };
      const w: FileWhere = { file: elf.file, section: sec.name, fileOff: rel.fileOff };
      if (rel.offset % 8 !== 0 || rel.offset + 8 > sec.size) throw new ObjError(relocOutOfRange(w, rel.offset, sec.size));
      const secInsn = rel.offset / 8;
      const f = funcAt(secFuncs, secInsn);
      // libbpf skips relocations outside every known function (overridden weak functions).
      if (!f) continue;
      const at: FileWhere = { ...w, program: f.name, insn: secInsn };
      const i = secInsn - f.start;
      f.relocated.add(i);
      try {
        recordReloc(elf, secs, f, i, sym, at, maps);
      } catch (e) {
        if (!(e instanceof ObjError)) throw e;
        f.error ??= e.diag;
      }
    }
  }
}

/** One relocation of function `f` at its instruction `i` (libbpf bpf_program__record_reloc + relocate_data). */
function recordReloc(elf: Elf, secs: ObjSections, f: Func, i: number, sym: ElfSymbol, at: FileWhere, maps: MapLookup): void {
  const textIdx = secs.text?.index;
  const secInsn = f.start + i;
  const insn = f.insns[i]!;
  const ext = sym.shndx === SHN_UNDEF ? maps.externOf(sym.index) : undefined;
  if (ext) return relocExternUse(f, i, ext, at, maps);
  if (sym.shndx === SHN_UNDEF) throw new ObjError(relocExtern(at, sym.name));
  if (insn.code === CALL) {
    if (insn.src !== BPF_PSEUDO_CALL) throw new ObjError(relocBadCall(at, `relocation against '${sym.name}' on a call that is not a bpf-to-bpf call`));
    if (textIdx === undefined || sym.shndx !== textIdx)
      throw new ObjError(relocBadCall(at, `call relocation against '${sym.name}' outside '.text' (subprograms must live in .text)`));
    if (sym.value % 8 !== 0 || sym.value >= secs.text!.size)
      throw new ObjError(relocBadCall(at, `call relocation against '${sym.name}' has bad offset ${sym.value}`));
    f.codeRelos.set(i, { kind: 'call', symOff: sym.value, fileOff: at.fileOff! });
    return;
  }
  if (insn.code !== LD_DW_IMM) throw new ObjError(relocBadInsn(at, sym.name));
  if (i + 1 >= f.len) throw new ObjError(linkBadLdImm64(at, `relocated ld_imm64 at insn ${secInsn} has no second slot inside '${f.name}'`));
  if (textIdx !== undefined && sym.shndx === textIdx) {
    if (sym.value % 8 !== 0 || insn.imm % 8 !== 0) throw new ObjError(relocBadSubprogAddr(at, `bad subprog address relocation against '${sym.name}'`));
    // clang emits a plain ld_imm64; libbpf marks it PSEUDO_FUNC before linking (v1.x bpf_object__relocate).
    f.insns[i] = { ...insn, src: BPF_PSEUDO_FUNC };
    f.codeRelos.set(i, { kind: 'subprog', symOff: sym.value, fileOff: at.fileOff! });
    return;
  }
  if (sym.shndx >= SHN_LORESERVE) throw new ObjError(relocBadData(at, `relocation against '${sym.name}' in special section ${sym.shndx}`));
  if (sym.shndx === maps.mapsShndx) {
    const idx = maps.userMapAt(sym.value);
    if (idx === undefined) throw new ObjError(relocBadMap(at, `no map is defined at '.maps' offset ${sym.value} ('${sym.name}')`));
    f.insns[i] = { ...insn, src: BPF_PSEUDO_MAP_FD, imm: idx };
    return;
  }
  const dataIdx = maps.dataMapOf(sym.shndx);
  if (dataIdx === undefined)
    throw new ObjError(
      relocBadData(
        at,
        `relocation against '${sym.name}' in section ${sym.shndx} ('${elf.sections[sym.shndx]?.name ?? '?'}'), which is neither a map nor global data`,
      ),
    );
  const dsec = elf.sections[sym.shndx]!;
  if (sym.value > dsec.size) throw new ObjError(relocBadData(at, `'${sym.name}' at ${sym.value} lies outside '${dsec.name}'`));
  // libbpf RELO_DATA: slot 2 keeps addend + symbol offset, slot 1 names the map.
  const second = f.insns[i + 1]!;
  f.insns[i + 1] = { ...second, imm: (insn.imm + sym.value) | 0 };
  f.insns[i] = { ...insn, src: BPF_PSEUDO_MAP_VALUE, imm: dataIdx };
}

/**
 * A call or ld_imm64 naming an extern (libbpf RELO_EXTERN_CALL / RELO_EXTERN_LD64):
 * kfunc call -> src KFUNC_CALL, imm = vmlinux BTF id, off = 0 (vmlinux, not a module);
 * kconfig -> PSEUDO_MAP_VALUE into `.kconfig` at the extern's offset; typed ksym ->
 * PSEUDO_BTF_ID with the vmlinux id; typeless (or unresolved weak) ksym -> its address.
 */
function relocExternUse(f: Func, i: number, ext: Extern, at: FileWhere, maps: MapLookup): void {
  const insn = f.insns[i]!;
  if (ext.error) throw new ObjError({ ...ext.error, place: { ...ext.error.place, ...placeOf(at) } });
  if (insn.code === CALL) {
    if (!ext.ksym?.func) throw new ObjError(relocBadCall(at, `call to extern '${ext.name}', which is not a kernel function`));
    // An unresolved __weak kfunc keeps imm 0: the verifier accepts it only in dead code.
    f.insns[i] = { ...insn, src: BPF_PSEUDO_KFUNC_CALL, imm: ext.kernelBtfId ?? 0, off: 0 };
    return;
  }
  if (insn.code !== LD_DW_IMM) throw new ObjError(relocBadInsn(at, ext.name));
  if (i + 1 >= f.len) throw new ObjError(linkBadLdImm64(at, `relocated ld_imm64 at insn ${f.start + i} has no second slot inside '${f.name}'`));
  const second = f.insns[i + 1]!;
  if (ext.kcfg) {
    f.insns[i] = { ...insn, src: BPF_PSEUDO_MAP_VALUE, imm: maps.kconfigMap! };
    f.insns[i + 1] = { ...second, imm: ext.kcfg.dataOff };
  } else if (ext.kernelBtfId !== undefined) {
    f.insns[i] = { ...insn, src: BPF_PSEUDO_BTF_ID, imm: ext.kernelBtfId };
    f.insns[i + 1] = { ...second, imm: 0 };
  } else {
    const addr = ext.addr ?? 0n;
    f.insns[i] = { ...insn, src: 0, imm: Number(BigInt.asIntN(32, addr)) };
    f.insns[i + 1] = { ...second, imm: Number(BigInt.asIntN(32, addr >> 32n)) };
  }
}

function placeOf(w: FileWhere): Diag['place'] {
  const p: Diag['place'] = {};
  if (w.section !== undefined) p.section = w.section;
  if (w.program !== undefined) p.program = w.program;
  if (w.insn !== undefined) p.insn = insnIdx(w.insn);
  if (w.fileOff !== undefined) p.fileOff = fileOff(w.fileOff);
  return p;
}

/**
 * An ld_imm64 whose src_reg names a pseudo form (map fd/value, BTF id, function) only makes
 * sense once a relocation filled it in; clang emits them all as src_reg 0. One that arrives
 * pre-set would hand the kernel an arbitrary fd (libbpf passes it through; the kernel then
 * fails with EBADF), so it is rejected here with its place.
 */
export function checkPseudoLoads(elf: Elf, f: Func): void {
  for (let i = 0; i < f.len; i++) {
    const x = f.insns[i]!;
    if (x.code !== LD_DW_IMM) continue;
    if (x.src !== 0 && !f.relocated.has(i)) {
      const w: FileWhere = { file: elf.file, section: f.sec.name, fileOff: f.sec.offset + (f.start + i) * 8, insn: f.start + i, program: f.name };
      throw new ObjError(relocMissing(w, x.src));
    }
    i++;
  }
}
