// bench/counted: the debugger's counted mode against `bpfdbg run`'s uncounted one on the
// compute loop of examples/speed (issue 18 goal 3: counted <= 2x uncounted). Counted runs
// give Unicorn an instruction count (exact budgets, single steps, reverse execution), which
// makes it call its counting hook before every instruction; uncounted runs chain translated
// blocks. Each mode on an engine of its own (a flip between them flushes every translated
// block), side by side in one run. Counted runs also count natively by block (exact counts
// for stops, src/machine/nativeBlockCounter.ts); budgets are still the count hook's.
// `node --import tsx bench/counted.ts [runs]`
import { analyzeProgram } from '../src/analysis/index.ts';
import { unwrap } from '../src/common/diag.ts';
import type { JitEngine } from '../src/engine/jitEngine.ts';
import { RiscvEngine } from '../src/engine/riscvEngine.ts';
import { X86Engine } from '../src/engine/x86Engine.ts';
import { loadObjectFile } from '../src/object/index.ts';
import { loadCapstone } from '../src/machine/capstone.ts';

const runs = Number(process.argv[2] ?? 20);
const data = new Uint8Array(64);
const obj = unwrap(loadObjectFile(new URL('../examples/speed/speed_compute.o', import.meta.url).pathname));

// Debugger sessions load Capstone first: the native counter decodes blocks with it.
await loadCapstone();

async function perRunMs(create: () => Promise<JitEngine>, budget: number, unicornCount = false): Promise<{ ms: number; r0: bigint }> {
  const eng = await create();
  if (unicornCount) eng.machine.useUnicornCount();
  const p = unwrap(
    eng.loadObject(
      obj,
      obj.programs.map((q) => unwrap(analyzeProgram(obj, q, {}))),
    ),
  ).programs[0]!;
  const first = eng.testRun(p, { data, budget }); // translate once
  if (first.error) throw new Error(first.error.message);
  const t: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    eng.testRun(p, { data, budget });
    t.push(performance.now() - t0);
  }
  eng.close();
  t.sort((a, b) => a - b);
  return { ms: t[Math.floor(t.length / 2)]!, r0: first.r0 };
}

console.log(`bench/counted: ${obj.programs[0]!.name} (examples/speed/speed_compute.o), median of ${runs} runs each`);
console.log("| engine | uncounted (bpfdbg run) | counted (debugger) | counted / uncounted | counted by Unicorn's count hook (before) | / uncounted |");
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, create] of [
  ['x86-64', () => X86Engine.create({ countTailCalls: false })],
  ['riscv64', () => RiscvEngine.create({ countTailCalls: false })],
] as const) {
  const u = await perRunMs(create, Infinity);
  const c = await perRunMs(create, 1e12);
  const h = await perRunMs(create, 1e12, true);
  if (u.r0 !== c.r0 || u.r0 !== h.r0) throw new Error(`${name}: counted and uncounted runs disagree`);
  const us = (ms: number): string => `${(ms * 1e3).toFixed(0)} µs`;
  console.log(`| ${name} | ${us(u.ms)} | ${us(c.ms)} | **${(c.ms / u.ms).toFixed(1)}x** | ${us(h.ms)} | ${(h.ms / u.ms).toFixed(1)}x |`);
}
