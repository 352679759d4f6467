// BPF callbacks and reverse execution. A timer fired with `timer fire` (the CPU stopped
// in the program, or after it returned) is a state change outside execution, like a map
// update: counts stay exact, reverse execution goes back before it and forwards again
// re-applies it, and the session records and replays with identical hashes. A callback a
// helper runs inside a run (bpf_loop) is part of the helper's return, as one single step
// shows it: counts stay exact across it, reverse execution crosses it both ways, and the
// session replays with identical checkpoint hashes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { present } from '../support/required.ts';
import * as path from 'node:path';
import type { CommandResult } from '../../src/debugger/command.ts';
import { commandsOf } from '../../src/record/index.ts';
import { X86_GPRS } from '../../src/machine/regs.ts';
import { HELPER_BASE, HELPER_STRIDE, TEXT_BASE } from '../../src/common/layout.ts';
import { BPF_FUNC } from '../../src/bpf/helperIds.ts';
import type { TimeTravelSession } from '../../src/record/timeTravel.ts';
import { recordScript, repoRoot, replay, roundTrip } from './fixture.ts';

const timerObj = path.join(repoRoot, 'examples/timer_shared.o');
const loopObj = path.join(repoRoot, 'test/object/fixtures/mix_el.o');
const text = (r: CommandResult): string =>
  r.output
    .filter((l) => l.kind !== 'command')
    .map((l) => l.text)
    .join('\n');

test(
  'timer fire while held at a breakpoint: reverse goes back before the callback, forwards re-applies it, replay matches',
  { skip: present(timerObj, 'example object') ? false : 'examples/timer_shared.o not built' },
  async () => {
    const script = [
      'break shared',
      'run',
      'timer fire',
      'print fired',
      'reverse-stepi 5',
      'print fired',
      'continue',
      'print fired',
      'reverse-continue',
      'continue',
      'continue',
      'print main_sum',
    ];
    const { rec, outputs } = await recordScript(timerObj, script, { interval: 16 });
    const tts = rec.tts;
    const cmds = commandsOf(rec.toRecording());
    assert.ok(
      cmds.every((c) => c.ok),
      outputs.join('\n'),
    );
    const at = (k: number) => cmds[k]!;
    assert.equal(at(2).after, at(1).after, 'timer fire executes no instruction of the held program');
    assert.notEqual(at(2).hash, at(1).hash, 'the callback changed state');
    assert.equal(at(4).after, at(1).after - 5, 'reverse-stepi 5 after the callback is exact');
    assert.equal(at(6).after, at(1).after, 'continue returns to the same breakpoint hit');
    assert.equal(at(6).hash, at(2).hash, "... with the callback's effect re-applied");
    const recording = roundTrip(rec.toRecording());
    tts.session.dispose();
    const r = await replay(recording);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.checkpointsVerified, recording.checkpoints.length);
    assert.equal(r.value.finalHash, recording.final.hash);
  },
);

test(
  "timer fire after the program returned: print shows the callback's effect, reverse-stepi undoes it, stepi redoes it",
  { skip: present(timerObj, 'example object') ? false : 'examples/timer_shared.o not built' },
  async () => {
    const { rec } = await recordScript(timerObj, ['run'], { interval: 16 });
    const tts = rec.tts;
    try {
      assert.match(text(await tts.execute('timer fire')), /1 timer callback ran/);
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
  },
);

const loopSkip = present(loopObj, 'fixture') ? false : 'mix_el.o fixture missing';
/** main_prog without its tail call (jmp[1] emptied): it reaches bpf_loop(4, loop_cb) at insn 17. */
const LOOP_SETUP = ['map delete jmp 1'];
const registers = (tts: TimeTravelSession): string =>
  tts.tracer
    .readRegs([...X86_GPRS, 'rip', 'eflags'])
    .map((v) => v.toString(16))
    .join(',');

test('reverse-stepi back across the inlined bpf_loop visits exactly the states forward stepping visited', { skip: loopSkip }, async () => {
  const { rec, outputs } = await recordScript(loopObj, [...LOOP_SETUP, 'break main_prog:17', 'run'], { prog: 'main_prog', interval: 8 });
  const tts = rec.tts;
  try {
    assert.match(outputs.at(-1)!, /ok/);
    const start = tts.count;
    const forward = [registers(tts)];
    const pcs: bigint[] = [tts.tracer.pc];
    for (let k = 0; k < 12; k++) {
      const r = await tts.execute('stepi');
      assert.ok(r.ok, r.error?.message);
      forward.push(registers(tts));
      pcs.push(tts.tracer.pc);
    }
    assert.equal(tts.count, start + 12, 'each stepi is one instruction, the helper call included');
    // bpf_loop(4, loop_cb, 0, 0) has flags 0 and one callback, so the verifier inlines it
    // (inline_bpf_loop): the steps run the loop and call loop_cb directly, never the trap.
    assert.equal(pcs.indexOf(HELPER_BASE + BigInt(BPF_FUNC.loop) * HELPER_STRIDE), -1, 'bpf_loop is inlined');
    assert.ok(
      pcs.every((pc) => pc >= TEXT_BASE),
      'every step is BPF code',
    );
    const backward = [registers(tts)];
    for (let k = 0; k < 12; k++) {
      const r = await tts.execute('reverse-stepi');
      assert.ok(r.ok, r.error?.message);
      backward.push(registers(tts));
    }
    assert.equal(tts.count, start);
    assert.deepEqual(backward.reverse(), forward);
    assert.match(text(await tts.execute('print counter')), /= 3\b/, 'back before bpf_loop: its callbacks undone');
  } finally {
    tts.session.dispose();
  }
});

test('a run across bpf_loop stops at the count stepping reaches; reverse-continue and reverse-finish cross the callbacks', { skip: loopSkip }, async () => {
  // Stepping: the count at the first arrival at `helper` (called from gfunc, after bpf_loop).
  const stepped = await recordScript(loopObj, [...LOOP_SETUP, 'break helper', 'start'], { prog: 'main_prog' });
  let helperCount = -1;
  try {
    const tts = stepped.rec.tts;
    const addr = tts.session.bps.all()[0]!.addr;
    for (let k = 0; k < 10_000 && tts.tracer.pc !== addr; k++) assert.ok((await tts.execute('stepi')).ok);
    assert.equal(tts.tracer.pc, addr);
    helperCount = tts.count;
  } finally {
    stepped.rec.tts.session.dispose();
  }
  const { rec, outputs } = await recordScript(loopObj, [...LOOP_SETUP, 'break main_prog:17', 'break helper', 'run', 'continue'], {
    prog: 'main_prog',
    interval: 16,
  });
  const tts = rec.tts;
  try {
    assert.ok(
      outputs.every((o) => / -> ok$/.test(o)),
      outputs.join('\n'),
    );
    assert.equal(tts.count, helperCount, 'the breakpoint after bpf_loop is hit at the count single steps reach');
    const atHelper = tts.tracer.stateHash();
    const fin = await tts.execute('reverse-finish');
    assert.ok(fin.ok, fin.error?.message);
    assert.match(text(fin), /call into this function/);
    assert.ok(tts.count < helperCount);
    const back = await tts.execute('reverse-continue');
    assert.ok(back.ok, back.error?.message);
    assert.match(text(back), /Breakpoint 1 \(reverse\)/);
    assert.match(text(await tts.execute('print counter')), /= 3\b/);
    assert.ok((await tts.execute('continue')).ok);
    assert.equal(tts.count, helperCount, 'forwards again, through the callbacks, to the same hit');
    assert.equal(tts.tracer.stateHash(), atHelper);
  } finally {
    tts.session.dispose();
  }
});

test('record -> replay of a bpf_loop session, reverse commands included, gives identical checkpoint hashes', { skip: loopSkip }, async () => {
  const script = [...LOOP_SETUP, 'break main_prog:17', 'run', 'stepi 8', 'reverse-stepi 3', 'continue', 'reverse-stepi 20', 'print counter', 'continue'];
  const { rec, outputs } = await recordScript(loopObj, script, { prog: 'main_prog', interval: 8 });
  try {
    assert.ok(
      outputs.every((o) => / -> ok$/.test(o)),
      outputs.join('\n'),
    );
    const recording = roundTrip(rec.toRecording());
    assert.ok(recording.checkpoints.length > 4);
    const r = await replay(recording);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.checkpointsVerified, recording.checkpoints.length);
    assert.equal(r.value.finalHash, recording.final.hash);
  } finally {
    rec.tts.session.dispose();
  }
});
