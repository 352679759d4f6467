// Shared by the benchmarks: programs from assembly text as synthetic objects, and timing.
import { asm } from '../src/bpf/asm.ts';
import { fileOff, insnIdx } from '../src/common/ids.ts';
import type { BpfObject, MapDef } from '../src/object/types.ts';

/** A one-program tc object from assembly text (maps optional, referenced by index). */
export function asmObject(name: string, text: string, maps: MapDef[] = []): BpfObject {
  const insns = asm(text);
  return {
    path: `<bench ${name}>`,
    name,
    bytes: new Uint8Array(0),
    license: 'GPL',
    littleEndian: true,
    maps,
    globals: [],
    subprograms: [],
    sources: new Map(),
    programs: [
      {
        name,
        section: 'tc',
        autoload: true,
        progType: 'sched_cls',
        insns,
        funcs: [{ name, start: insnIdx(0), len: insns.length, section: 'tc', sectionInsn: 0, global: true }],
        lineInfo: [],
        fileOff: fileOff(0),
      },
    ],
  };
}

/** Median of `runs` timings of fn (ms), after one warm-up. */
export function timeMs(fn: () => void, runs = 5): number {
  fn();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

export const fmt = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(1));
