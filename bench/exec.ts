// bench/exec: the same compute-heavy and memory-heavy programs on the reference interpreter
// and on the x86-64 JIT running in Unicorn, in one run; BPF instructions per second for
// each and the ratio (target: x86-64 >= 20x the interpreter on the compute-heavy program).
// Also the cost of one helper call and of one text poke. `node --import tsx bench/exec.ts`
import { analyzeProgram } from '../src/analysis/index.ts';
import { unwrap } from '../src/common/diag.ts';
import { KernelModel, testRun } from '../src/kernel/index.ts';
import { X86Engine } from '../src/engine/x86Engine.ts';
import { loadObjectFile } from '../src/object/index.ts';
import type { BpfObject } from '../src/object/types.ts';
import { asmObject, fmt, timeMs } from './support.ts';
import { loadCapstone } from '../src/machine/capstone.ts';

// Debugger sessions load Capstone first: counted runs then enforce budgets by block (the
// native counter decodes blocks with it); without it they fall back to Unicorn's count hook.
await loadCapstone();

const ITER = 2_000_000;
const data = new Uint8Array(64);

const COMPUTE = `
  r0 = 0
  r6 = ${ITER}
  r7 = 88172645
loop:
  r1 = r7
  r1 <<= 13
  r7 ^= r1
  r1 = r7
  r1 >>= 7
  r7 ^= r1
  r1 = r7
  r1 <<= 17
  r7 ^= r1
  r0 += r7
  r6 += -1
  if r6 != 0 goto loop
  exit`;

const MEMORY = `
  r0 = 0
  r6 = ${ITER / 4}
  *(u64 *)(r10 - 8) = 0
  *(u64 *)(r10 - 16) = 0
  *(u64 *)(r10 - 24) = 0
loop:
  r1 = *(u64 *)(r10 - 8)
  r1 += r6
  *(u64 *)(r10 - 8) = r1
  r2 = *(u64 *)(r10 - 16)
  r2 ^= r1
  *(u64 *)(r10 - 16) = r2
  r3 = *(u32 *)(r10 - 24)
  r3 += 3
  *(u32 *)(r10 - 24) = r3
  r0 += r2
  r6 += -1
  if r6 != 0 goto loop
  exit`;

const HELPERS = `
  r6 = ${ITER / 20}
  r7 = 0
loop:
  call 7
  r7 += r0
  r6 += -1
  if r6 != 0 goto loop
  r0 = r7
  exit`;

const EMPTY_LOOP = HELPERS.replace('  call 7\n', '  r0 = 1\n');

interface Measured {
  insns: number;
  interpMs: number;
  jitMs: number;
  countedMs: number;
}

async function measure(obj: BpfObject, deterministic = true): Promise<Measured> {
  const image = unwrap(analyzeProgram(obj, obj.programs[0]!, {}));
  const model = new KernelModel();
  const loaded = model.loadObject(obj, [image]);
  const prog = loaded.programs[0]!;
  const budget = 1e9;
  const insns = testRun(model, prog, { data, budget }).insns;
  const interpMs = timeMs(() => void testRun(model, prog, { data, budget }), 3);
  const eng = await X86Engine.create({ countTailCalls: false });
  const jl = unwrap(eng.loadObject(obj, [unwrap(analyzeProgram(obj, obj.programs[0]!, {}))]));
  const jp = jl.programs[0]!;
  const a = testRun(model, prog, { data, budget });
  const b = eng.testRun(jp, { data, budget: Infinity });
  if (deterministic && a.r0 !== b.r0) throw new Error(`engines disagree on ${obj.name}: 0x${a.r0.toString(16)} vs 0x${b.r0.toString(16)}`);
  // Uncounted, as `bpfdbg run` runs; then counted (exact budget), as the debugger runs, on
  // a second engine.
  const jitMs = timeMs(() => void eng.testRun(jp, { data, budget: Infinity }), 5);
  eng.close();
  const eng2 = await X86Engine.create({ countTailCalls: false });
  const jp2 = unwrap(eng2.loadObject(obj, [unwrap(analyzeProgram(obj, obj.programs[0]!, {}))])).programs[0]!;
  const countedMs = timeMs(() => void eng2.testRun(jp2, { data, budget }), 3);
  eng2.close();
  return { insns, interpMs, jitMs, countedMs };
}

const rows: string[] = [];
const report = (name: string, m: Measured) => {
  const i = (m.insns / m.interpMs) * 1e3,
    j = (m.insns / m.jitMs) * 1e3,
    c = (m.insns / m.countedMs) * 1e3;
  rows.push(`| ${name} | ${fmt(m.insns)} | ${fmt(i)} | ${fmt(j)} | **${(j / i).toFixed(1)}x** | ${fmt(c)} (${(c / i).toFixed(1)}x) |`);
};
report('compute-heavy (xorshift loop)', await measure(asmObject('compute', COMPUTE)));
report('memory-heavy (stack loads/stores)', await measure(asmObject('memory', MEMORY)));

// Helper call cost: a loop calling bpf_get_prandom_u32 minus the same loop without the call.
const h = await measure(asmObject('helpers', HELPERS), false);
const e = await measure(asmObject('empty', EMPTY_LOOP));
const calls = ITER / 20;
const helperInterpUs = ((h.interpMs - e.interpMs) / calls) * 1e3;
const helperJitUs = ((h.jitMs - e.jitMs) / calls) * 1e3;

// Text poke cost: replace a prog_array slot with a direct tail-call site (one 5-byte poke, B->B),
// and delete + install (4 pokes, grace period immediate: no CPU inside BPF).
const eng = await X86Engine.create();
const obj = unwrap(loadObjectFile(new URL('../examples/tailchain.o', import.meta.url).pathname));
const images = obj.programs.map((p) => unwrap(analyzeProgram(obj, p, {})));
const loaded = unwrap(eng.loadObject(obj, images));
const chain = unwrap(eng.model.findMap('chain', loaded.name));
const [parse, verdict] = ['stage_parse', 'stage_verdict'].map((n) => unwrap(eng.model.findProgram(n, loaded.name)));
const N = 200;
const replaceMs =
  timeMs(() => {
    for (let k = 0; k < N; k++) eng.model.updateProgArray(chain, 0, k % 2 === 0 ? verdict! : parse!);
  }, 3) / N;
const cycleMs =
  timeMs(() => {
    for (let k = 0; k < N; k++) {
      eng.model.deleteElem(chain, 0);
      eng.model.updateProgArray(chain, 0, parse!);
    }
  }, 3) / N;
eng.close();

console.log('| program | BPF insns | interpreter insns/s | x86-64 on Unicorn, uncounted (bpfdbg run) | ratio | x86-64 counted (debugger), ratio |');
console.log('| --- | --- | --- | --- | --- | --- |');
rows.forEach((r) => console.log(r));
console.log('');
console.log(`helper call (bpf_get_prandom_u32): interpreter ${helperInterpUs.toFixed(2)} us, x86-64 on Unicorn ${helperJitUs.toFixed(2)} us`);
console.log(`text poke: prog_array replace (1 poke, B->B) ${(replaceMs * 1e3).toFixed(1)} us; delete + install (4 pokes) ${(cycleMs * 1e3).toFixed(1)} us`);
