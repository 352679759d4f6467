// Builds BpfObjects from assembly text for kernel-model tests, and loads them into a fresh
// KernelModel through the real analysis layer (ctx rewrites, tail-call rewrite...).
import assert from 'node:assert/strict';
import { assemble } from '../../src/bpf/asm.ts';
import type { BpfObject, BpfProgram, GlobalVar, MapDef, ProgType } from '../../src/object/types.ts';
import { fileOff, insnIdx } from '../../src/common/ids.ts';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { KernelModel, type KernelModelOptions, type LoadedObject } from '../../src/kernel/index.ts';

export interface FixtureProg {
  name: string;
  progType?: ProgType;
  text: string;
}

export function mapDef(index: number, name: string, type: number, keySize: number, valueSize: number, maxEntries: number, extra: Partial<MapDef> = {}): MapDef {
  return { index, name, type, keySize, valueSize, maxEntries, flags: 0, kind: 'user', ...extra };
}

export function objectFromAsm(progs: FixtureProg[], maps: MapDef[] = [], globals: GlobalVar[] = []): BpfObject {
  const programs: BpfProgram[] = progs.map((p) => {
    const r = assemble(p.text, { mapIndex: (n) => maps.find((m) => m.name === n)?.index });
    if (!r.ok) throw new Error(`${p.name}: ${r.error.message}`);
    const progType = p.progType ?? 'sched_cls';
    return {
      name: p.name,
      section: progType === 'xdp' ? 'xdp' : progType === 'sched_cls' ? 'tc' : 'raw_tp',
      autoload: true,
      progType,
      insns: r.value,
      funcs: [{ name: p.name, start: insnIdx(0), len: r.value.length, section: 'tc', sectionInsn: 0, global: true }],
      lineInfo: [],
      fileOff: fileOff(0),
    };
  });
  return {
    path: 'fixture.o',
    name: 'fixture',
    bytes: new Uint8Array(0),
    license: 'GPL',
    littleEndian: true,
    maps,
    globals,
    programs,
    subprograms: [],
    sources: new Map(),
  };
}

export function loadFixture(obj: BpfObject, opts: KernelModelOptions = {}): { model: KernelModel; loaded: LoadedObject } {
  const model = new KernelModel(opts);
  const images = obj.programs.map((p) => {
    const a = analyzeProgram(obj, p);
    assert.ok(a.ok, !a.ok ? `${p.name}: ${a.error.message}` : '');
    return a.value;
  });
  return { model, loaded: model.loadObject(obj, images) };
}
