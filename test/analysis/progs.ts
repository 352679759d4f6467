// Hand-built objects and programs for the analysis tests (no ELF involved): a program is
// assembled from text; its functions are found by label (`name:` lines listed in `funcs`).
import assert from 'node:assert/strict';
import { analyzeProgram, type AnalysisOptions, type ProgramImage } from '../../src/analysis/index.ts';
import { asm } from '../../src/bpf/asm.ts';
import type { Insn } from '../../src/bpf/insn.ts';
import { fileOff, insnIdx, srcLine } from '../../src/common/ids.ts';
import { MapType, type BpfObject, type BpfProgram, type MapDef, type ProgType } from '../../src/object/types.ts';

export const jmpTable = (index: number, maxEntries = 4): MapDef => ({
  index,
  name: `jmp_table${index}`,
  type: MapType.PROG_ARRAY,
  keySize: 4,
  valueSize: 4,
  maxEntries,
  flags: 0,
  kind: 'user',
});
export const arrayMap = (index: number, valueSize = 8, maxEntries = 1): MapDef => ({
  index,
  name: `arr${index}`,
  type: MapType.ARRAY,
  keySize: 4,
  valueSize,
  maxEntries,
  flags: 0,
  kind: 'user',
});

export interface ProgSpec {
  name?: string;
  progType?: ProgType;
  section?: string;
  /** Function name -> start insn (the first is the entry; others are subprogs). */
  funcs?: { name: string; start: number; global?: boolean }[];
  /** One line-info record per listed insn: line = 100 + insn. */
  lines?: number[];
}

export function mkProg(insns: Insn[] | string, spec: ProgSpec = {}): BpfProgram {
  const code = typeof insns === 'string' ? asm(insns) : insns;
  const name = spec.name ?? 'prog';
  const funcs = (spec.funcs ?? [{ name, start: 0 }]).map((f, k, all) => ({
    name: f.name,
    start: insnIdx(f.start),
    len: (k + 1 < all.length ? all[k + 1]!.start : code.length) - f.start,
    section: k === 0 ? (spec.section ?? 'tc') : '.text',
    sectionInsn: f.start,
    global: f.global ?? false,
  }));
  return {
    name,
    section: spec.section ?? 'tc',
    autoload: true,
    progType: spec.progType ?? 'sched_cls',
    insns: code,
    funcs,
    lineInfo: (spec.lines ?? [0]).map((i) => ({ insn: insnIdx(i), file: 'prog.c', line: srcLine(100 + i), col: 1, text: `line ${100 + i}` })),
    fileOff: fileOff(0),
  };
}

export function mkObj(prog: BpfProgram, maps: MapDef[] = []): BpfObject {
  return {
    path: 'test.o',
    name: 'test',
    bytes: new Uint8Array(),
    license: 'GPL',
    littleEndian: true,
    maps,
    globals: [],
    programs: [prog],
    subprograms: [],
    sources: new Map(),
  };
}

/** Analyses one program (with `maps`), asserting the analysis accepts it. */
export function analyzeOk(insns: Insn[] | string, spec: ProgSpec = {}, maps: MapDef[] = [], opts: AnalysisOptions = {}): ProgramImage {
  const prog = mkProg(insns, spec);
  const r = analyzeProgram(mkObj(prog, maps), prog, opts);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}
