// Debugger latency on a 10,000-instruction program: median and p99 of `stepi` (one machine
// instruction), `step` (one source line: 4 BPF instructions here) through Session.execute (each includes
// building the View), of the machine step alone, and of building a View alone. Targets:
// stepi <= 1 ms, View <= 5 ms. `stepi` is measured twice: over the session's first 2,000
// commands (V8 still compiling the session's code: its p99 there is pauses where TurboFan
// finishes background compiles, docs/PERFORMANCE.md) and again after 4,000 commands.
// Every step lands on code never executed before (straight-line code), the costly case
// for the emulator. Run: node --import tsx bench/step.ts [insns] (BENCH_ROUNDS=N runs of each).
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Insn, insn } from '../src/bpf/insn.ts';
import { insnIdx, fileOff, srcLine } from '../src/common/ids.ts';
import { unwrap } from '../src/common/diag.ts';
import type { BpfObject } from '../src/object/types.ts';
import { openSession } from '../src/debugger/openSession.ts';

/** r0 = 0, then adds, stack stores and loads, a helper call now and then; exit. */
function program(n: number): Insn[] {
  const out: Insn[] = [insn(0xb7, 0, 0, 0, 0)]; // r0 = 0
  for (let i = 0; out.length < n - 1; i++) {
    const k = i % 8;
    if (k < 4)
      out.push(insn(0x07, 0, 0, 0, 1)); // r0 += 1
    else if (k === 4)
      out.push(insn(0x7b, 10, 0, -8)); // *(u64 *)(r10 - 8) = r0
    else if (k === 5)
      out.push(insn(0x79, 6, 10, -8)); // r6 = *(u64 *)(r10 - 8)
    else if (k === 6)
      out.push(insn(0x0f, 0, 6)); // r0 += r6
    else out.push(insn(0x57, 0, 0, 0, 0xffff)); // r0 &= 0xffff
  }
  out.push(insn(0x95)); // exit
  return out;
}

function objectWith(insns: Insn[]): BpfObject {
  return {
    path: 'bench.o',
    name: 'bench',
    bytes: new Uint8Array(0),
    license: 'GPL',
    littleEndian: true,
    maps: [],
    globals: [],
    programs: [
      {
        name: 'bench',
        section: 'raw_tp/bench',
        autoload: true,
        progType: 'raw_tracepoint',
        insns,
        funcs: [{ name: 'bench', start: insnIdx(0), len: insns.length, section: 'raw_tp/bench', sectionInsn: 0, global: true }],
        // A source line every 4 instructions (a statement's worth): `step` runs one line.
        lineInfo: insns.flatMap((_, i) =>
          i % 4 === 0 ? [{ insn: insnIdx(i), file: 'bench.c', line: srcLine(1 + i / 4), col: 1, text: `line ${1 + i / 4}` }] : [],
        ),
        fileOff: fileOff(0),
      },
    ],
    subprograms: [],
    sources: new Map(),
  };
}

interface Stats {
  median: number;
  p99: number;
  n: number;
}

function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { median: q(0.5), p99: q(0.99), n: s.length };
}

type Row = 'stepi (first 2,000)' | 'step' | 'stepi (after 4,000)' | 'machine stepi alone' | 'View alone';
const TARGETS: Partial<Record<Row, string>> = { 'stepi (first 2,000)': '<= 1 ms', step: '<= 1 ms', 'stepi (after 4,000)': '<= 1 ms', 'View alone': '<= 5 ms' };

/** One measurement, in this process: the session's first commands, then warm ones. */
async function measure(n: number): Promise<Record<Row, Stats>> {
  const s = unwrap(await openSession(objectWith(program(n))));
  await s.execute('start');
  await s.execute('break bench:0');
  await s.execute('continue');
  const time = async (cmd: string, count: number): Promise<number[]> => {
    const out: number[] = [];
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const r = await s.execute(cmd);
      out.push(performance.now() - t0);
      if (!r.ok || s.view().runState !== 'stopped') break;
    }
    return out;
  };
  await time('stepi', 200); // warm up
  const stepi = await time('stepi', 2000);
  const step = await time('step', 2000);
  const warm = await time('stepi', 2000);
  const raw: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    s.rc.stepi();
    raw.push(performance.now() - t0);
  }
  const views: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    s.rebuildView();
    views.push(performance.now() - t0);
  }
  s.dispose();
  return {
    'stepi (first 2,000)': stats(stepi),
    step: stats(step),
    'stepi (after 4,000)': stats(warm),
    'machine stepi alone': stats(raw),
    'View alone': stats(views),
  };
}

// V8's worker pool (default 4 threads) is where TurboFan compiles and the GC marks while
// the session runs. On a 2-CPU machine those threads take the main thread's CPU for a
// scheduler tick (~4 ms) now and then, which is most of stepi's p99 over a session's
// first commands; bin/bpfdbg runs node with --v8-pool-size=1. Each configuration runs in
// a child process of its own, alternating, so both are measured side by side.
const CONFIGS: { name: string; flags: string[] }[] = [
  { name: 'as bin/bpfdbg runs (--v8-pool-size=1)', flags: ['--v8-pool-size=1'] },
  { name: 'node defaults (V8 pool of 4)', flags: [] },
];

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  if (process.argv.includes('--child')) {
    process.stdout.write(JSON.stringify(await measure(n)));
    return;
  }
  const rounds = Number(process.env['BENCH_ROUNDS'] ?? 2);
  const results = new Map<string, Record<Row, Stats>[]>();
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? CONFIGS : [...CONFIGS].reverse()) {
      const child = spawnSync(process.execPath, [...c.flags, ...process.execArgv, fileURLToPath(import.meta.url), String(n), '--child'], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      if (child.status !== 0) throw new Error(`bench child (${c.name}) failed: ${child.stderr}`);
      results.set(c.name, [...(results.get(c.name) ?? []), JSON.parse(child.stdout) as Record<Row, Stats>]);
    }
  }
  const ms = (x: number): string => x.toFixed(3);
  const range = (xs: number[]): string => {
    const lo = Math.min(...xs),
      hi = Math.max(...xs);
    return lo === hi ? ms(lo) : `${ms(lo)}-${ms(hi)}`;
  };
  console.log(`program: ${n} BPF instructions; ${rounds} runs of each configuration, 2,000 samples per row (ranges over the runs, ms)`);
  for (const c of CONFIGS) {
    console.log(`\n${c.name}`);
    const runs = results.get(c.name)!;
    for (const row of Object.keys(runs[0]!) as Row[]) {
      const target = TARGETS[row] ? `   target ${TARGETS[row]}` : '';
      console.log(
        `  ${row.padEnd(22)} median ${range(runs.map((x) => x[row].median)).padEnd(12)} p99 ${range(runs.map((x) => x[row].p99)).padEnd(12)}${target}`,
      );
    }
  }
}

await main();
