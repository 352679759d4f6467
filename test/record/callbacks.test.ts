// BPF callbacks and reverse execution. A timer fired with `timer fire` (the CPU stopped
// in the program, or after it returned) is a state change outside execution, like a map
// update: counts stay exact, reverse execution goes back before it and forwards again
// re-applies it, and the session records and replays with identical hashes. A callback a
// helper runs inside a run (bpf_loop) still makes later counts inexact: reverse execution
// is refused with a message naming the callback and pointing to `replay --stop-at`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { CommandResult } from '../../src/debugger/command.ts';
import { commandsOf } from '../../src/record/index.ts';
import { recordScript, repoRoot, replay, roundTrip } from './fixture.ts';

const timerObj = path.join(repoRoot, 'examples/timer_shared.o');
const loopObj = path.join(repoRoot, 'test/object/fixtures/mix_el.o');
const text = (r: CommandResult): string => r.output.filter((l) => l.kind !== 'command').map((l) => l.text).join('\n');

test('timer fire while held at a breakpoint: reverse goes back before the callback, forwards re-applies it, replay matches', { skip: existsSync(timerObj) ? false : 'examples/timer_shared.o not built' }, async () => {
  const script = ['break shared', 'run', 'timer fire', 'print fired', 'reverse-stepi 5', 'print fired', 'continue', 'print fired', 'reverse-continue', 'continue', 'continue', 'print main_sum'];
  const { rec, outputs } = await recordScript(timerObj, script, { interval: 16 });
  const tts = rec.tts;
  const cmds = commandsOf(rec.toRecording());
  assert.ok(cmds.every((c) => c.ok), outputs.join('\n'));
  const at = (k: number) => cmds[k]!;
  assert.equal(at(2).after, at(1).after, 'timer fire executes no instruction of the held program');
  assert.notEqual(at(2).hash, at(1).hash, 'the callback changed state');
  assert.equal(at(4).after, at(1).after - 5, 'reverse-stepi 5 after the callback is exact');
  assert.equal(at(6).after, at(1).after, 'continue returns to the same breakpoint hit');
  assert.equal(at(6).hash, at(2).hash, '... with the callback\'s effect re-applied');
  assert.equal(tts.tracer.nestedCalls, 0);
  const recording = roundTrip(rec.toRecording());
  tts.session.dispose();
  const r = await replay(recording);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.checkpointsVerified, recording.checkpoints.length);
  assert.equal(r.value.finalHash, recording.final.hash);
});

test('timer fire after the program returned: print shows the callback\'s effect, reverse-stepi undoes it, stepi redoes it', { skip: existsSync(timerObj) ? false : 'examples/timer_shared.o not built' }, async () => {
  const { rec } = await recordScript(timerObj, ['run'], { interval: 16 });
  const tts = rec.tts;
  try {
    assert.match(text(await tts.execute('timer fire')), /1 timer callback\(s\) ran/);
    assert.match(text(await tts.execute('print fired')), /= 212\b/);
    const end = tts.count;
    const back = await tts.execute('reverse-stepi 3');
    assert.ok(back.ok, back.error?.message);
    assert.equal(tts.count, end - 3);
    assert.match(text(await tts.execute('print fired')), /= 0\b/);
    assert.ok((await tts.execute('stepi 3')).ok);
    assert.equal(tts.count, end);
    assert.match(text(await tts.execute('print fired')), /= 212\b/);
    const recording = roundTrip(rec.toRecording());
    const r = await replay(recording);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.finalHash, recording.final.hash);
  } finally {
    tts.session.dispose();
  }
});

test('after bpf_loop ran its callback inside the run, reverse is refused naming the callback and pointing to replay --stop-at', { skip: existsSync(loopObj) ? false : 'mix_el.o fixture missing' }, async () => {
  const { rec, outputs } = await recordScript(loopObj, ['map delete jmp 1', 'run', 'print counter', 'reverse-stepi 3'], { prog: 'main_prog', interval: 64 });
  try {
    assert.match(outputs[2]!, /ok/);
    assert.match(outputs[3]!, /BPF callback main_prog\/loop_cb inside the run \(bpf_loop\).*replay FILE --stop-at N/);
    // The session still records and replays by command.
    const recording = roundTrip(rec.toRecording());
    const r = await replay(recording);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.finalHash, recording.final.hash);
  } finally {
    rec.tts.session.dispose();
  }
});
