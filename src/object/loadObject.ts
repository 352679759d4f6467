// loadObject: a clang-built BPF ELF object -> BpfObject, the way libbpf (v1.x) opens and
// relocates it before BPF_PROG_LOAD. Parsing code below throws ObjError (a Diag) on bad
// input; this file is the one place that turns it into a Result, so callers never see an
// exception. Anything else thrown is a loader bug and is reported as 'object.internal'.
import { INPUT_LIMITS, readBoundedFile } from '../common/boundedRead.ts';
import { err, ok, type Result } from '../common/diag.ts';
import { srcLine } from '../common/ids.ts';
import { BTF_KIND, btfString, parseBtf, type Btf } from './btf.ts';
import { parseBtfExt, type BtfExt } from './btfExt.ts';
import { parseElf, readRels } from './elf.ts';
import { internal, mapBad, ObjCode, ObjError } from './errors.ts';
import { checkFuncFlow, linkProgram, type LinkContext } from './link.ts';
import { collectExterns, resolveExterns } from './externs.ts';
import { applyCoreRelos } from './coreRelo.ts';
import { DEFAULT_KERNEL_RELEASE, shippedKernelBtf, type KernelBtf } from './kernelBtf.ts';
import { applyMapInits, collectDataMaps, collectGlobals, collectUserMaps, kconfigMapDef } from './maps.ts';
import { progTypeOf } from './progType.ts';
import { checkPseudoLoads, collectFuncs, recordRelocs, type Func } from './relocate.ts';
import { classifySections } from './sections.ts';
import { MapType, type BpfObject, type MapDef, type RejectedProgram, type SourcePos } from './types.ts';

/** Linked slots over all programs of one object (see LinkContext.budget). */
const MAX_TOTAL_LINKED_INSNS = 2_000_000;

/** libbpf object name: the file's basename up to its first '.'. */
export function objectName(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dot = base.indexOf('.');
  return dot < 0 ? base : base.slice(0, dot);
}

export interface LoadOptions {
  /** The kernel BTF CO-RE relocations resolve against (default: the shipped 6.18.44 BTF); called only when needed. */
  kernelBtf?: () => KernelBtf;
}

export function loadObject(bytes: Uint8Array, path: string, opts: LoadOptions = {}): Result<BpfObject> {
  try {
    return ok(loadObjectOrThrow(bytes, path, opts));
  } catch (e) {
    if (e instanceof ObjError) return { ok: false, error: e.diag };
    return { ok: false, error: internal({ file: path }, e instanceof Error ? e.message : String(e)) };
  }
}

export function loadObjectFile(path: string, opts: LoadOptions = {}): Result<BpfObject> {
  const bytes = readBoundedFile(path, INPUT_LIMITS.object, 'a BPF object');
  if (!bytes.ok) return err('object.read-failed', bytes.error.message, bytes.error.place);
  return loadObject(bytes.value, path, opts);
}

function loadObjectOrThrow(bytes: Uint8Array, path: string, opts: LoadOptions): BpfObject {
  const elf = parseElf(bytes, path);
  const secs = classifySections(elf);
  const name = objectName(path);
  const btf: Btf | undefined = secs.btf ? parseBtf(secs.btf.data, secs.btf.offset, { file: path, section: '.BTF' }) : undefined;
  const ext: BtfExt | undefined = secs.btfExt && btf ? parseBtfExt(secs.btfExt.data, secs.btfExt.offset, btf, { file: path, section: '.BTF.ext' }) : undefined;

  const funcs = collectFuncs(elf, secs);
  for (const f of funcs) perFunc(f, () => checkFuncFlow(elf, f));
  const kernelBtf = opts.kernelBtf ?? (() => shippedKernelBtf());
  if (ext && ext.coreRelo.size > 0) {
    const core = funcs.map((f) => ({ name: f.name, section: f.sec.name, start: f.start, len: f.len, insns: f.insns }));
    applyCoreRelos(ext.coreRelo, btf!, (s) => core.filter((f) => f.section === s), kernelBtf, path);
  }
  const externs = collectExterns(elf, btf);
  const kconfig = resolveExterns(externs, { file: path, release: DEFAULT_KERNEL_RELEASE, littleEndian: elf.le, kernelBtf });

  const userMaps = secs.maps ? collectUserMaps(btf, elf, secs.maps) : [];
  const dataMaps = collectDataMaps(btf, elf, name, secs.data, userMaps.length);
  const globals = collectGlobals(elf, secs.data, dataMaps);
  const kconfigMap = kconfig.length ? kconfigMapDef(name, userMaps.length + dataMaps.length, kconfig) : undefined;
  const dataIdx = new Map(secs.data.map((d, i) => [d.sec.index, dataMaps[i]!.index]));
  if (secs.arena)
    dataIdx.set(
      secs.arena.index,
      arenaMapOf(
        path,
        secs.arena.hdrOff,
        userMaps.map((m) => m.def),
      ),
    );
  const userIdx = new Map(userMaps.map((m) => [m.secOffset, m.def.index]));
  const externBySym = new Map(externs.map((e) => [e.symIndex, e]));
  recordRelocs(elf, secs, funcs, {
    mapsShndx: secs.maps?.index,
    userMapAt: (off) => userIdx.get(off),
    dataMapOf: (shndx) => dataIdx.get(shndx),
    externOf: (sym) => externBySym.get(sym),
    kconfigMap: kconfigMap?.index,
  });
  for (const f of funcs) perFunc(f, () => checkPseudoLoads(elf, f));

  const entries = funcs.filter((f) => !f.isText).sort((a, b) => a.sec.index - b.sec.index || a.start - b.start);
  const mapsRel = secs.maps && secs.rels.get(secs.maps.index);
  if (secs.maps && mapsRel) {
    const starts = entries.map((f) => ({ name: f.name, shndx: f.sec.index, byteOff: f.start * 8 }));
    applyMapInits(elf, secs.maps, readRels(elf, mapsRel), userMaps, starts);
  }

  const sources = new Map<string, Map<number, string>>();
  const posCache = new Map<string, SourcePos>();
  const ctx: LinkContext = {
    elf,
    textFuncs: funcs.filter((f) => f.isText),
    ext,
    ...(btf ? { btf } : {}),
    budget: { insns: MAX_TOTAL_LINKED_INSNS },
    sourceOf(fileNameOff, lineOff, line, col) {
      const key = `${fileNameOff}:${lineOff}:${line}:${col}`;
      let p = posCache.get(key);
      if (!p) {
        p = { file: btfString(btf!, fileNameOff) ?? '?', line: srcLine(line), col, text: btfString(btf!, lineOff) ?? '' };
        posCache.set(key, p);
      }
      return p;
    },
  };
  const programs: BpfObject['programs'] = [];
  const rejected: RejectedProgram[] = [];
  for (const f of entries) {
    const info = progTypeOf(f.sec.name);
    try {
      programs.push(linkProgram(ctx, f, info, btf && exceptionCbOf(btf, f.name, ctx.textFuncs)));
    } catch (e) {
      // One bad program does not sink the object: libbpf loads the others.
      if (!(e instanceof ObjError) || e.diag.code === ObjCode.linkTooBig) throw e;
      rejected.push({ name: f.name, section: info.section, autoload: info.autoload, progType: info.progType, error: e.diag });
    }
  }
  // With nothing left to load, the object itself fails, with its first program's reason.
  if (programs.length === 0 && rejected.length) throw new ObjError(rejected[0]!.error);
  // A prog_array slot naming a refused program stays empty (libbpf fills slots with loaded programs only).
  for (const m of userMaps) if (m.def.initSlots) m.def.initSlots = m.def.initSlots.filter((s) => !rejected.some((r) => r.name === s.prog));
  if (ext) {
    for (const recs of ext.lineInfo.values()) {
      for (const r of recs) {
        const p = ctx.sourceOf(r.fileNameOff, r.lineOff, r.line, r.col);
        let lines = sources.get(p.file);
        if (!lines) sources.set(p.file, (lines = new Map()));
        if (r.line > 0 && !lines.has(r.line)) lines.set(r.line, p.text);
      }
    }
  }

  return {
    path,
    name,
    bytes,
    license: licenseOf(secs.license?.data),
    littleEndian: elf.le,
    maps: [...userMaps.map((m) => m.def), ...dataMaps, ...(kconfigMap ? [kconfigMap] : [])],
    globals,
    programs,
    rejected,
    externs: externs.map((e) => ({
      name: e.name,
      kind: e.kind === 'kcfg' ? 'kconfig' : e.ksym!.func ? 'kfunc' : 'ksym',
      ...(e.kernelBtfId !== undefined ? { kernelBtfId: e.kernelBtfId } : {}),
      ...(e.memArgs?.length ? { memArgs: e.memArgs } : {}),
      ...(e.retBtf ? { retBtf: e.retBtf } : {}),
    })),
    subprograms: ctx.textFuncs.map((f) => ({ name: f.name, sectionInsn: f.start, len: f.len, global: f.global })),
    sources,
    ...(btf ? { btf } : {}),
  };
}

/**
 * libbpf (v1.3+): the `.text` function named by a BTF decl tag `exception_callback:NAME` on
 * the entry function's FUNC (`__exception_cb(NAME)`), which it appends to that program.
 */
function exceptionCbOf(btf: Btf, entry: string, textFuncs: readonly Func[]): Func | undefined {
  const PREFIX = 'exception_callback:';
  const fn = btf.types.find((t) => t.kind === BTF_KIND.FUNC && t.name === entry);
  if (!fn) return undefined;
  const tag = btf.types.find((t) => t.kind === BTF_KIND.DECL_TAG && t.sizeOrType === fn.id && t.componentIdx === -1 && t.name.startsWith(PREFIX));
  return tag ? textFuncs.find((f) => f.name === tag.name.slice(PREFIX.length)) : undefined;
}

/** Runs a per-function check; its error marks the function (and the programs using it) bad. */
function perFunc(f: Func, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (!(e instanceof ObjError)) throw e;
    f.error ??= e.diag;
  }
}

/** libbpf: `__arena` globals live in the object's one ARENA map, which `.maps` must declare. */
function arenaMapOf(file: string, hdrOff: number, maps: MapDef[]): number {
  const arenas = maps.filter((m) => m.type === MapType.ARENA);
  if (arenas.length !== 1)
    throw new ObjError(
      mapBad(
        { file, section: '.addr_space.1', fileOff: hdrOff },
        '.addr_space.1',
        arenas.length ? 'only one ARENA map is supported' : '__arena globals need an ARENA map declared in SEC(".maps")',
      ),
    );
  return arenas[0]!.index;
}

/** libbpf copies the license up to its first NUL (or the whole section). */
function licenseOf(data: Uint8Array | undefined): string {
  if (!data) return '';
  const end = data.indexOf(0);
  let s = '';
  for (const b of data.subarray(0, end < 0 ? data.length : end)) s += String.fromCharCode(b);
  return s;
}
