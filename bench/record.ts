// Recording and reverse-execution figures (docs/PERFORMANCE.md):
//  - recording overhead: the same `run` of a ~100M-instruction program in a plain Session
//    and in a recording one, both in this process (target <= 1.1x);
//  - session file size per million instructions executed;
//  - reverse-stepi latency at the end of that run (target <= 20 ms), first and following;
//  - commands on an object with 24 MiB of guest memory (a big array map), recorded and not
//    (target: a recorded command <= 2x an unrecorded one; issue 15 item 6).
// Run: node --import tsx bench/record.ts [instructions, default 100000000] ('big': only the last)
import { readFileSync } from 'node:fs';
import { openSession } from '../src/debugger/openSession.ts';
import { loadObject } from '../src/object/index.ts';
import { encodeRecording, openRecordingSession, recordingOptions } from '../src/record/index.ts';
import { BIG_ENTRIES, bigArrayObject } from '../test/record/bigArrayObject.ts';

const OBJ = 'test/record/fixtures/spin.o';
const bigOnly = process.argv[2] === 'big';
const target = Number(bigOnly ? 0 : (process.argv[2] ?? 100_000_000));
/** Native instructions per loop round of spin.o on the linux-6.18 x86-64 profile (measured below). */
let perRound = 10;

/** spin.o with `rounds` (.data, initially 1000000) set to n: the object is the input. */
function spinObject(rounds: number): Uint8Array {
  const b = new Uint8Array(readFileSync(OBJ));
  const dv = new DataView(b.buffer);
  let hits = 0;
  for (let i = 0; i + 4 <= b.length; i += 4) {
    if (dv.getUint32(i, true) === 1_000_000) {
      dv.setUint32(i, rounds, true);
      hits++;
    }
  }
  if (hits !== 1) throw new Error(`expected one 'rounds' initial value in ${OBJ}, found ${hits}`);
  return b;
}

async function plainRun(bytes: Uint8Array): Promise<number> {
  const obj = loadObject(bytes, OBJ);
  if (!obj.ok) throw new Error(obj.error.message);
  const s = await openSession(obj.value);
  if (!s.ok) throw new Error(s.error.message);
  const t0 = performance.now();
  const r = await s.value.execute('run');
  const ms = performance.now() - t0;
  if (!r.ok || r.view.runState !== 'exited') throw new Error(`plain run: ${r.error?.message ?? r.view.runState}`);
  s.value.dispose();
  return ms;
}

async function recordedRun(bytes: Uint8Array) {
  const r = await openRecordingSession({ objectPath: OBJ, objectBytes: bytes, options: recordingOptions({}), input: {}, active: true });
  if (!r.ok) throw new Error(r.error.message);
  const t0 = performance.now();
  const res = await r.value.tts.execute('run');
  const ms = performance.now() - t0;
  if (!res.ok || res.view.runState !== 'exited') throw new Error(`recorded run: ${res.error?.message ?? res.view.runState}`);
  return { rec: r.value, ms };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  // Calibrate instructions per round with a short recorded run.
  const probe = await recordedRun(spinObject(10_000));
  perRound = Math.round(probe.rec.tts.count / 10_000);
  probe.rec.tts.session.dispose();
  const rounds = Math.max(1, Math.round(target / perRound));
  const bytes = spinObject(rounds);

  const plain: number[] = [];
  const recorded: number[] = [];
  let last: Awaited<ReturnType<typeof recordedRun>> | null = null;
  for (let k = 0; k < 3; k++) {
    plain.push(await plainRun(bytes));
    last?.rec.tts.session.dispose();
    last = await recordedRun(bytes);
    recorded.push(last.ms);
  }
  const rec = last!.rec;
  const insns = rec.tts.count;
  const ratio = median(recorded) / median(plain);

  const file = encodeRecording(rec.toRecording());
  const perMillion = file.length / (insns / 1e6);

  // reverse-stepi at the end of the run: the command as a front end sends it (View included)
  // and the bare state change (TracingMachine.goto).
  const t0 = performance.now();
  const first = await rec.tts.execute('reverse-stepi');
  const firstMs = performance.now() - t0;
  if (!first.ok) throw new Error(`reverse-stepi: ${first.error?.message}`);
  const next: number[] = [];
  for (let k = 0; k < 20; k++) {
    const t = performance.now();
    await rec.tts.execute('reverse-stepi');
    next.push(performance.now() - t);
  }
  const gotoMs: number[] = [];
  for (let k = 0; k < 20; k++) {
    const n = rec.tts.count - 1;
    const t = performance.now();
    rec.tts.tracer.goto(n);
    gotoMs.push(performance.now() - t);
  }
  // The worst case: the last instruction before a periodic checkpoint, in a window no
  // command has visited (restore the checkpoint an interval back, re-execute it all).
  const interval = rec.toRecording().meta.checkpointInterval;
  const far = Math.floor(insns / interval) * interval - 1 - interval;
  const tw = performance.now();
  rec.tts.tracer.goto(far);
  const worstMs = performance.now() - tw;
  rec.tts.session.dispose();

  const f = (x: number): string => x.toFixed(2);
  const lines = [
    `bench/record: ${OBJ}, ${insns.toLocaleString('en-US')} instructions per run (${rounds.toLocaleString('en-US')} rounds x ${perRound})`,
    `  plain run       ${f(median(plain))} ms (median of ${plain.length}: ${plain.map(f).join(', ')})`,
    `  recorded run    ${f(median(recorded))} ms (median of ${recorded.length}: ${recorded.map(f).join(', ')})`,
    `  overhead        ${ratio.toFixed(3)}x (target <= 1.1x) ${ratio <= 1.1 ? 'OK' : 'OVER'}`,
    `  file size       ${file.length.toLocaleString('en-US')} bytes = ${f(perMillion)} bytes per million instructions (${rec.checkpoints.length} checkpoints)`,
    `  reverse-stepi   first ${f(firstMs)} ms, then median ${f(median(next))} ms (command incl. View); goto alone median ${f(median(gotoMs))} ms (target <= 20 ms) ${firstMs <= 20 ? 'OK' : 'OVER'}`,
    `  worst case      goto the instruction before a periodic checkpoint, in a window not visited: ${f(worstMs)} ms (checkpoint interval ${interval.toLocaleString('en-US')})`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

/** One round of commands; each timed (ms) through `exec`. */
const BIG_SCRIPT = ['start', 'stepi', 'stepi 3', 'next', 'break 13', 'continue', 'continue', 'delete', 'continue'];

async function bigCommands(entries: number, label: string): Promise<void> {
  const bytes = bigArrayObject(entries);
  const path = '<bench big-array.o>';
  const data = new Uint8Array(64);
  const obj = loadObject(bytes, path);
  if (!obj.ok) throw new Error(obj.error.message);
  const rounds = 5;
  const plain: number[] = [];
  const recorded: number[] = [];
  const timeScript = async (exec: (c: string) => Promise<{ ok: boolean; error: { message: string } | null }>, out: number[]): Promise<void> => {
    for (const c of BIG_SCRIPT) {
      const t0 = performance.now();
      const r = await exec(c);
      out.push(performance.now() - t0);
      if (!r.ok) throw new Error(`${c}: ${r.error?.message}`);
    }
  };
  let recMs = 0;
  for (let k = 0; k < rounds; k++) {
    const s = await openSession(obj.value, {}, { input: { data } });
    if (!s.ok) throw new Error(s.error.message);
    await timeScript((c) => s.value.execute(c), plain);
    s.value.dispose();
    const t0 = performance.now();
    const r = await openRecordingSession({ objectPath: path, objectBytes: bytes, options: recordingOptions({}), input: { data }, active: true });
    if (!r.ok) throw new Error(r.error.message);
    recMs += performance.now() - t0;
    await timeScript((c) => r.value.tts.execute(c), recorded);
    r.value.tts.session.dispose();
  }
  const f = (x: number): string => x.toFixed(2);
  const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
  const byCommand = BIG_SCRIPT.map((c, i) => {
    const of = (xs: number[]): number => median(xs.filter((_, k) => k % BIG_SCRIPT.length === i));
    return `${c} ${f(of(plain))} / ${f(of(recorded))}`;
  });
  const lines = [
    `bench/record (${label}): ${BIG_SCRIPT.length} commands x ${rounds} rounds (${BIG_SCRIPT.join('; ')})`,
    `  plain command     median ${f(median(plain))} ms, mean ${f(sum(plain) / plain.length)} ms`,
    `  recorded command  median ${f(median(recorded))} ms, mean ${f(sum(recorded) / recorded.length)} ms (opening the recording session ${f(recMs / rounds)} ms)`,
    `  per command, median ms plain / recorded: ${byCommand.join('; ')}`,
    `  ratio             ${(sum(recorded) / sum(plain)).toFixed(2)}x by total time (target <= 2x) ${sum(recorded) <= 2 * sum(plain) ? 'OK' : 'OVER'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

if (!bigOnly) await main();
await bigCommands(BIG_ENTRIES, '24 MiB object');
// The same program and map with 1,024 entries: what recording costs where memory is small.
await bigCommands(1024, '8 KiB map, for comparison');
