// Per-CPU data on every engine: percpu array and percpu hash lookups (inlined with the
// internal per-CPU MOV, 6.10+) and bpf_get_smp_processor_id (inlined by the x86-64 verifier and by the
// RISC-V JIT) give the same results on the interpreter, x86-64 and RISC-V 64, on either
// CPU, and each CPU counts in its own copy of the value.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram, type AnalysisOptions } from '../../src/analysis/index.ts';
import { analysisOptionsFor, DEFAULT_X86_PROFILE, type JitProfile } from '../../src/jit/index.ts';
import { RV_UPSTREAM } from '../../src/jit/riscv64/profiles.ts';
import { KernelModel, keyBytes, testRun, type LoadedObject, type KernelProgram, type TestRunResult } from '../../src/kernel/index.ts';
import { X86Engine } from '../../src/engine/x86Engine.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import { MapType, type BpfObject } from '../../src/object/types.ts';
import { arrayMap, mkObj, mkProg } from '../analysis/progs.ts';

// counter[0] += 1 on this CPU; r0 = counter << 8 | cpu. A lookup of key 7 (out of range)
// must miss first (r0 = 77 if it does not).
const PROG = `
  r1 = 7
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = map[#0] ll
  call bpf_map_lookup_elem
  if r0 == 0 goto +2
  r0 = 77
  exit
  r1 = 0
  *(u32 *)(r10 - 4) = r1
  r2 = r10
  r2 += -4
  r1 = map[#0] ll
  call bpf_map_lookup_elem
  if r0 == 0 goto +7
  r6 = *(u64 *)(r0 + 0)
  r6 += 1
  *(u64 *)(r0 + 0) = r6
  call bpf_get_smp_processor_id
  r6 <<= 8
  r0 |= r6
  exit
  r0 = 99
  exit`;

type PerCpuType = typeof MapType.PERCPU_ARRAY | typeof MapType.PERCPU_HASH;
const object = (type: PerCpuType): BpfObject => mkObj(mkProg(PROG, { name: 'count' }), [{ ...arrayMap(0, 8, 2), name: 'pcpu', type }]);

/** A minimal Ethernet frame: sched_cls test runs need at least an Ethernet header. */
const DATA = new Uint8Array(14);

interface Runner {
  loaded: LoadedObject;
  run(): TestRunResult;
  close(): void;
}

function images(obj: BpfObject, opts: AnalysisOptions) {
  return obj.programs.map((p) => {
    const r = analyzeProgram(obj, p, opts);
    assert.ok(r.ok, r.ok ? '' : r.error.message);
    return r.value;
  });
}

async function runner(engine: 'interp' | JitProfile, cpu: number, type: PerCpuType): Promise<Runner> {
  const obj = object(type);
  if (engine === 'interp') {
    const model = new KernelModel({ cpu });
    const loaded = model.loadObject(obj, images(obj, {}));
    if (type === MapType.PERCPU_HASH) loaded.maps[0]!.update(keyBytes(0), new Uint8Array(8), 0n, cpu);
    return { loaded, run: () => testRun(model, loaded.programs[0]!, { data: DATA }), close: () => {} };
  }
  const eng = engine.arch === 'riscv64' ? await RiscvEngine.create({ profile: engine }) : await X86Engine.create({ profile: engine });
  const res = eng.loadObject(obj, images(obj, analysisOptionsFor(engine)));
  assert.ok(res.ok, res.ok ? '' : res.error.message);
  eng.selectCpu(cpu);
  if (type === MapType.PERCPU_HASH) res.value.maps[0]!.update(keyBytes(0), new Uint8Array(8), 0n, cpu);
  const entry: KernelProgram = res.value.programs[0]!;
  return { loaded: res.value, run: () => eng.testRun(entry, { data: DATA }), close: () => eng.close() };
}

const ENGINES: { label: string; engine: 'interp' | JitProfile }[] = [
  { label: 'interp', engine: 'interp' },
  { label: `x86_64/${DEFAULT_X86_PROFILE.name}`, engine: DEFAULT_X86_PROFILE },
  { label: `riscv64/${RV_UPSTREAM.name}`, engine: RV_UPSTREAM },
];

const TYPES: [string, PerCpuType][] = [
  ['percpu array', MapType.PERCPU_ARRAY],
  ['percpu hash (key 0 inserted first)', MapType.PERCPU_HASH],
];

for (const { label, engine } of ENGINES) {
  for (const [what, type] of TYPES) {
    for (const cpu of [0, 1]) {
      test(`${label} on cpu ${cpu}: each CPU counts in its own ${what} copy and sees its own id`, async () => {
        const r = await runner(engine, cpu, type);
        try {
          const first = r.run();
          const second = r.run();
          assert.equal(first.error, undefined);
          assert.equal(first.r0, BigInt((1 << 8) | cpu));
          assert.equal(second.r0, BigInt((2 << 8) | cpu));
          const map = r.loaded.maps[0]!;
          const copy = (c: number) => Buffer.from(map.lookupValue(keyBytes(0), c)!).readBigUInt64LE();
          assert.equal(copy(cpu), 2n);
          assert.equal(copy(1 - cpu), 0n);
        } finally {
          r.close();
        }
      });
    }
  }
}
