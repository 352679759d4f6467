// bench/counted: the debugger's counted mode against `bpfdbg run`'s uncounted one on the
// compute loop of examples/speed (issue 18 goal 3: counted <= 2x uncounted). Counted runs
// (exact budgets, single steps, reverse execution) enforce budgets natively by translated
// block (src/machine/nativeBlockCounter.ts); uncounted runs chain translated blocks with no
// hook. Beside them: counted runs by Unicorn's count hook before every instruction, as
// before (useUnicornCount), and uncounted runs with a bare block hook (the floor of any
// counting by block). Each mode on an engine of its own (a flip of Unicorn's count between
// 0 and > 0 flushes every translated block), side by side in one run.
// `node --import tsx bench/counted.ts [runs]`
import { analyzeProgram } from '../src/analysis/index.ts';
import { unwrap } from '../src/common/diag.ts';
import type { JitEngine } from '../src/engine/jitEngine.ts';
import { RiscvEngine } from '../src/engine/riscvEngine.ts';
import { X86Engine } from '../src/engine/x86Engine.ts';
import { loadObjectFile } from '../src/object/index.ts';
import { loadCapstone } from '../src/machine/capstone.ts';
import { unicornLib } from '../src/machine/unicornLib.ts';
import { hostCode } from '../src/machine/nativeBlockCounter.ts';

const runs = Number(process.argv[2] ?? 20);
const data = new Uint8Array(64);
const obj = unwrap(loadObjectFile(new URL('../examples/speed/speed_compute.o', import.meta.url).pathname));

// Debugger sessions load Capstone first: the native counter decodes blocks with it.
await loadCapstone();

const EMPTY_HOOK = hostCode([0xc3]).ptr; // ret
const ONE_INSN_HOOK = hostCode([0x48, 0x83, 0x01, 0x01, 0xc3]).ptr; // add qword [rcx], 1; ret
const hookData = unicornLib().hostAlloc(4096).ptr;

type Mode = 'uncounted' | 'counted' | 'unicorn-count' | 'empty-hook' | 'one-insn-hook';
const MODES: Mode[] = ['uncounted', 'counted', 'unicorn-count', 'empty-hook', 'one-insn-hook'];
const budgetOf = (m: Mode): number => (m === 'counted' || m === 'unicorn-count' ? 1e12 : Infinity);

/** An engine set up for `mode` with the program loaded and run once (translated). */
async function prepared(create: () => Promise<JitEngine>, mode: Mode): Promise<{ run: () => number; r0: bigint; close: () => void }> {
  const eng = await create();
  if (mode === 'unicorn-count') eng.machine.useUnicornCount();
  if (mode === 'empty-hook') eng.machine.addNativeBlockHook(EMPTY_HOOK);
  if (mode === 'one-insn-hook') eng.machine.addNativeBlockHook(ONE_INSN_HOOK, hookData);
  const p = unwrap(
    eng.loadObject(
      obj,
      obj.programs.map((q) => unwrap(analyzeProgram(obj, q, {}))),
    ),
  ).programs[0]!;
  const budget = budgetOf(mode);
  const first = eng.testRun(p, { data, budget });
  if (first.error) throw new Error(first.error.message);
  return {
    r0: first.r0,
    run: () => {
      const t0 = performance.now();
      eng.testRun(p, { data, budget });
      return performance.now() - t0;
    },
    close: () => eng.close(),
  };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// The modes take turns, one run each per round: this VM's speed drifts over seconds, and
// a mode measured in one stretch took the drift for its cost.
console.log(`bench/counted: ${obj.programs[0]!.name} (examples/speed/speed_compute.o), median of ${runs} runs each, the modes in turn`);
console.log(
  "| engine | uncounted (bpfdbg run) | counted (debugger) | counted / uncounted | counted by Unicorn's count hook (before) | / uncounted | uncounted + empty block hook | / uncounted | uncounted + one-instruction block hook | / uncounted |",
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [name, create] of [
  ['x86-64', () => X86Engine.create({ countTailCalls: false })],
  ['riscv64', () => RiscvEngine.create({ countTailCalls: false })],
] as const) {
  const engines = new Map<Mode, Awaited<ReturnType<typeof prepared>>>();
  for (const m of MODES) engines.set(m, await prepared(create, m));
  if (new Set([...engines.values()].map((e) => e.r0)).size !== 1) throw new Error(`${name}: the modes disagree on r0`);
  const times = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
  for (let i = 0; i < runs; i++) for (const m of MODES) times.get(m)!.push(engines.get(m)!.run());
  for (const e of engines.values()) e.close();
  const ms = (m: Mode): number => median(times.get(m)!);
  const u = ms('uncounted');
  const us = (x: number): string => `${(x * 1e3).toFixed(0)} µs`;
  const col = (m: Mode, digits: number): string => `${us(ms(m))} | ${(ms(m) / u).toFixed(digits)}x`;
  console.log(
    `| ${name} | ${us(u)} | ${us(ms('counted'))} | **${(ms('counted') / u).toFixed(1)}x** | ${col('unicorn-count', 1)} | ${col('empty-hook', 2)} | ${col('one-insn-hook', 2)} |`,
  );
}
