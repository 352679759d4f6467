// The default profile against the Linux 6.18.44 x86-64 JIT: for every program the kernel
// loaded from the selftest objects (and ps_basic.o's private stack), every function's bytes
// must be identical except inside address-bearing fields, which our Reloc records name
// (map pointers, call/jmp rel32 to helpers, subprograms and thunks, per-CPU offsets).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadObjectFile } from '../../../src/object/index.ts';
import { compileX86 } from '../../../src/jit/x86_64/index.ts';
import { DEFAULT_X86_PROFILE, analysisOptionsFor } from '../../../src/jit/profiles.ts';
import type { JitFunction, PokeDescriptor, Reloc } from '../../../src/jit/types.ts';
import type { ProgramImage } from '../../../src/analysis/types.ts';
import { testEnv } from './fixtures.ts';
import { present } from '../../support/required.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const testdata = path.resolve(repo, '../shared/testdata');

interface KernelFunc { len: number; ksym: string }
type KernelJson = { objects: Record<string, Record<string, { funcs: KernelFunc[]; bytes: string }> | { error: string }> };

/** Byte positions covered by an address reloc. */
export function maskOf(relocs: readonly Reloc[]): Set<number> {
  const m = new Set<number>();
  for (const r of relocs) {
    const w = r.kind === 'mapAddr' || r.kind === 'perCpu' || r.kind === 'funcAddr' ? r.width : 4;
    for (let i = 0; i < w; i++) m.add(r.at + i);
  }
  return m;
}

/** First differing offset outside masked bytes, or -1. */
export function firstDiff(ours: Uint8Array, kernel: Uint8Array, mask: Set<number>): number {
  if (ours.length !== kernel.length) return Math.min(ours.length, kernel.length);
  for (let i = 0; i < ours.length; i++) if (ours[i] !== kernel[i] && !mask.has(i)) return i;
  return -1;
}

type Analyze = (o: never, p: never, opts: never) => unknown;

async function analyzer(): Promise<Analyze | undefined> {
  const mod = (await import('../../../src/analysis/index.ts')) as Record<string, unknown>;
  return typeof mod.analyzeProgram === 'function' ? (mod.analyzeProgram as Analyze) : undefined;
}

function imageOf(analyze: Analyze, objPath: string, prog: string): ProgramImage | string {
  const o = loadObjectFile(objPath);
  if (!o.ok) return o.error.message;
  const p = o.value.programs.find((x) => x.name === prog);
  if (!p) return `no program ${prog}`;
  const r = analyze(o.value as never, p as never, analysisOptionsFor(DEFAULT_X86_PROFILE) as never) as
    { ok: true; value: ProgramImage } | { ok: false; error: { message: string } };
  return r.ok ? r.value : r.error.message;
}

/**
 * The kernel bytes were read after libbpf had filled the prog_arrays' static initialisers
 * (`__array(values, ...)`), so every direct tail call whose slot is initialised was armed by
 * bpf_arch_poke_desc_update: target nop5 -> `jmp target+adj_off`, then bypass -> nop5
 * (state B). Apply the same pokes to our state-C image; the jump's rel32 is an address.
 */
function armStaticPokes(f: JitFunction, func: number, pokes: readonly PokeDescriptor[], image: ProgramImage): { code: Uint8Array; mask: Set<number> } {
  const code = f.code.slice();
  const mask = maskOf(f.relocs);
  for (const p of pokes) {
    if (p.func !== func) continue;
    const slots = image.object.maps[p.mapIndex]?.initSlots ?? [];
    if (!slots.some((s) => s.slot === p.key)) continue;
    code.set([0xe9, 0, 0, 0, 0], p.tailcallTarget);
    for (let k = 1; k < 5; k++) mask.add(p.tailcallTarget + k);
    code.set([0x0f, 0x1f, 0x44, 0x00, 0x00], p.tailcallBypass);
  }
  return { code, mask };
}

interface Outcome { name: string; identical: boolean; detail: string }

function compare(analyze: Analyze, jsonPath: string, objDir: string): Outcome[] {
  const kernel = JSON.parse(readFileSync(jsonPath, 'utf8')) as KernelJson;
  const out: Outcome[] = [];
  for (const [obj, progs] of Object.entries(kernel.objects)) {
    if ('error' in progs) continue;
    for (const [prog, k] of Object.entries(progs)) {
      const image = imageOf(analyze, path.join(objDir, obj), prog);
      if (typeof image === 'string') {
        k.funcs.forEach((_, i) => out.push({ name: `${obj}/${prog}#${i}`, identical: false, detail: image }));
        continue;
      }
      const r = compileX86(image, DEFAULT_X86_PROFILE, testEnv);
      const bytes = Buffer.from(k.bytes, 'hex');
      let off = 0;
      k.funcs.forEach((kf, i) => {
        const name = `${obj}/${prog}#${i}`;
        const kb = new Uint8Array(bytes.subarray(off, off + kf.len));
        off += kf.len;
        if (!r.ok) return out.push({ name, identical: false, detail: r.error.message });
        const f: JitFunction | undefined = r.value.funcs[i];
        if (!f) return out.push({ name, identical: false, detail: `we produced ${r.value.funcs.length} functions` });
        const { code, mask } = armStaticPokes(f, i, r.value.pokes, image);
        const d = firstDiff(code, kb, mask);
        out.push({
          name: `${name} (${f.name})`,
          identical: d < 0,
          detail: d < 0 ? '' : `first difference at 0x${d.toString(16)} (ours ${code.length} bytes, kernel ${kb.length}): ours ${Buffer.from(code.subarray(d, d + 8)).toString('hex')} kernel ${Buffer.from(kb.subarray(d, d + 8)).toString('hex')}`,
        });
      });
    }
  }
  return out;
}

const suites: [string, string, string][] = [
  ['kernel-selftests', 'kernel-selftests/kernel-jited-6.18.json', 'kernel-selftests/obj'],
  ['private stack (ps_basic.o)', 'private-stack/kernel-jited-6.18.json', 'private-stack'],
];

for (const [label, json, dir] of suites) {
  test(`linux-6.18 profile reproduces the kernel's bytes for every ${label} function, modulo address relocs`, async (t) => {
    const jsonPath = path.join(testdata, json);
    if (!present(jsonPath, 'test input')) return t.skip(`${jsonPath} is absent`);
    const analyze = await analyzer();
    if (!analyze) return t.skip('src/analysis does not export analyzeProgram yet');
    const results = compare(analyze, jsonPath, path.join(testdata, dir));
    const same = results.filter((r) => r.identical).length;
    t.diagnostic(`${label}: ${same} of ${results.length} functions identical modulo relocs`);
    console.log(`# ${label}: ${same} of ${results.length} functions identical modulo relocs`);
    const bad = results.filter((r) => !r.identical).map((r) => `${r.name}: ${r.detail}`);
    assert.deepEqual(bad, []);
  });
}
