// Debugger latency on a 10,000-instruction program: median and p99 of `stepi` (one machine
// instruction), `step` (one BPF instruction) through Session.execute (each includes
// building the View), of the machine step alone, and of building a View alone. Targets:
// stepi <= 1 ms, View <= 5 ms. `stepi` is measured twice: over the session's first 2,000
// commands (V8 still compiling the session's code: its p99 there is pauses where TurboFan
// finishes background compiles, docs/PERFORMANCE.md) and again after 4,000 commands.
// Every step lands on code never executed before (straight-line code), the costly case
// for the emulator. Run: node --import tsx bench/step.ts [insns]
import { performance } from 'node:perf_hooks';
import { type Insn, insn } from '../src/bpf/insn.ts';
import { insnIdx, fileOff } from '../src/common/ids.ts';
import { unwrap } from '../src/common/diag.ts';
import type { BpfObject } from '../src/object/types.ts';
import { openSession } from '../src/debugger/openSession.ts';

/** r0 = 0, then adds, stack stores and loads, a helper call now and then; exit. */
function program(n: number): Insn[] {
  const out: Insn[] = [insn(0xb7, 0, 0, 0, 0)]; // r0 = 0
  for (let i = 0; out.length < n - 1; i++) {
    const k = i % 8;
    if (k < 4) out.push(insn(0x07, 0, 0, 0, 1)); // r0 += 1
    else if (k === 4) out.push(insn(0x7b, 10, 0, -8)); // *(u64 *)(r10 - 8) = r0
    else if (k === 5) out.push(insn(0x79, 6, 10, -8)); // r6 = *(u64 *)(r10 - 8)
    else if (k === 6) out.push(insn(0x0f, 0, 6)); // r0 += r6
    else out.push(insn(0x57, 0, 0, 0, 0xffff)); // r0 &= 0xffff
  }
  out.push(insn(0x95)); // exit
  return out;
}

function objectWith(insns: Insn[]): BpfObject {
  return {
    path: 'bench.o', name: 'bench', bytes: new Uint8Array(0), license: 'GPL', littleEndian: true, maps: [], globals: [],
    programs: [{
      name: 'bench', section: 'raw_tp/bench', autoload: true, progType: 'raw_tracepoint', insns,
      funcs: [{ name: 'bench', start: insnIdx(0), len: insns.length, section: 'raw_tp/bench', sectionInsn: 0, global: true }],
      lineInfo: [], fileOff: fileOff(0),
    }],
    subprograms: [], sources: new Map(),
  };
}

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number): number => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return `median ${q(0.5).toFixed(3)} ms, p99 ${q(0.99).toFixed(3)} ms (n=${s.length})`;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
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
  console.log(`program: ${n} BPF instructions`);
  console.log(`stepi (incl. View): ${stats(stepi)}   target <= 1 ms (the session's first commands)`);
  console.log(`step  (incl. View): ${stats(step)}`);
  console.log(`stepi (incl. View): ${stats(warm)}   target <= 1 ms (after 4,000 commands)`);
  console.log(`machine stepi alone: ${stats(raw)}`);
  console.log(`View alone:         ${stats(views)}   target <= 5 ms`);
  s.dispose();
}

await main();
