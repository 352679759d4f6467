// Nondeterministic values (time, random numbers, CPU id): recorded in draw order, fed
// back by the replay, re-served from the log when reverse execution re-runs a stretch,
// and a replay that asks for other values than the recording holds is a divergence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingNondet } from '../../src/record/recordingNondet.ts';
import { ReplayNondet } from '../../src/record/replayNondet.ts';
import { SeededNondet, type NondetSource } from '../../src/kernel/nondet.ts';
import { testRun } from '../../src/kernel/index.ts';
import { loadFixture, objectFromAsm } from '../kernel/fixture.ts';
import { commandsOf } from '../../src/record/index.ts';
import { recordScript, replay, roundTrip } from './fixture.ts';

/** A source that never repeats itself: only the log can make a replay agree. */
class Drifting implements NondetSource {
  private n = 1000;
  ktimeGetNs(now: bigint): bigint {
    return now + BigInt(this.n++);
  }
  prandomU32(): number {
    return (this.n++ * 2654435761) >>> 0;
  }
  smpProcessorId(): number {
    return this.n++ % 2;
  }
}

test('draws re-run after a restore of the cursor get the first values again, without growing the log', () => {
  const r = new RecordingNondet(() => 0, new Drifting());
  const first = [r.prandomU32(), r.prandomU32(), Number(r.ktimeGetNs(5n))];
  r.next = 0; // what a checkpoint restore does
  const again = [r.prandomU32(), r.prandomU32(), Number(r.ktimeGetNs(5n))];
  assert.deepEqual(again, first);
  assert.equal(r.log.events.length, 3);
  r.next = 1;
  r.branch(); // the past was changed: new draws go after everything seen
  assert.equal(r.next, 3);
  r.prandomU32();
  assert.equal(r.log.events.length, 4);
});

test('a program run on the kernel model with a recording source replays the same values', () => {
  const obj = objectFromAsm([{ name: 'p', text: 'call bpf_get_prandom_u32\nr6 = r0\ncall bpf_get_prandom_u32\nr0 ^= r6\nexit' }]);
  const data = new Uint8Array(14);
  const rec = new RecordingNondet(() => 0, new SeededNondet(3));
  const a = loadFixture(obj, { nondet: rec });
  const ra = testRun(a.model, a.loaded.programs[0]!, { data });
  assert.equal(rec.log.events.length, 2);
  const b = loadFixture(obj, { nondet: new ReplayNondet(rec.log.events, 'p.bpfrec', () => 0) });
  assert.equal(testRun(b.model, b.loaded.programs[0]!, { data }).r0, ra.r0);
});

test('a replay serves the recorded values in order and reports a wrong kind or a missing value as divergence', () => {
  const r = new RecordingNondet(() => 7, new Drifting());
  const vals = [r.prandomU32(), r.smpProcessorId(0)];
  const p = new ReplayNondet(r.log.events, 'x.bpfrec', () => 9);
  assert.equal(p.prandomU32(), vals[0]);
  assert.throws(
    () => p.prandomU32(),
    (e: Error & { diag?: { code: string; message: string } }) =>
      e.diag?.code === 'record.diverged' && /value #1 \(instruction 9\): the program asked for prandom, the recording has cpu/.test(e.diag.message),
  );
  assert.equal(p.smpProcessorId(), vals[1]);
  assert.throws(() => p.ktimeGetNs(), /no more values/);
});

test('a program reading time, random numbers and the CPU id replays to the same state', async () => {
  const { rec } = await recordScript('test/record/fixtures/nondet.o', ['start', 'next 8', 'reverse-stepi 5', 'continue', 'print seen', 'run'], {
    interval: 16,
  });
  const recording = roundTrip(rec.toRecording());
  rec.tts.session.dispose();
  const draws = recording.events.filter((e) => e.t === 'nondet');
  assert.ok(draws.some((e) => e.t === 'nondet' && e.kind === 'prandom'));
  assert.ok(draws.some((e) => e.t === 'nondet' && e.kind === 'ktime'));
  // x86-64 6.10+ inlines bpf_get_smp_processor_id (a load of this CPU's cpu_number): the id
  // is machine state, not a draw.
  assert.ok(!draws.some((e) => e.t === 'nondet' && e.kind === 'cpu'));
  const r = await replay(recording);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.commands, commandsOf(recording).length);
  // Change one recorded random number: the replay must notice.
  const forged = roundTrip(recording);
  const k = forged.events.findIndex((e) => e.t === 'nondet' && e.kind === 'prandom');
  const e = forged.events[k]!;
  if (e.t === 'nondet') e.value = String((Number(e.value) + 1) >>> 0);
  const bad = await replay(forged, 'forged.bpfrec');
  assert.ok(!bad.ok);
  assert.equal(bad.error.code, 'record.diverged');
});
