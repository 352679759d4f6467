// Changing state in the past (after reverse execution) discards the recorded future, as
// gdb's `record full` says: the UI asks first, batch mode (no one to ask) refuses. `delete`
// without numbers asks too (batch: deletes, as gdb -batch answers yes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { recordScript } from './fixture.ts';

test('map delete in the past is refused in batch mode, with the instruction and the horizon', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break stage_parse', 'run', 'continue', 'reverse-stepi 3']);
  const s = rec.tts;
  const horizon = s.tracer.horizon;
  const r = await s.execute('map delete chain 1');
  assert.equal(r.ok, false);
  assert.match(r.error!.message, new RegExp(`^map at instruction ${s.count} of ${horizon}: changing state here would discard the recorded future`));
  assert.equal(s.tracer.horizon, horizon, 'the future is kept');
  assert.equal(s.view().maps.find((m) => m.name === 'chain')!.progSlots![1]!.program, 'stage_count');
  s.session.dispose();
});

test('the UI is asked; no keeps the future, yes discards it and applies the change', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break stage_parse', 'run', 'continue', 'reverse-stepi 3']);
  const s = rec.tts;
  const asked: string[] = [];
  let answer = false;
  s.session.confirm = async (q) => {
    asked.push(q);
    return answer;
  };
  const horizon = s.tracer.horizon;
  const no = await s.execute('map delete chain 1');
  assert.equal(no.ok, false);
  assert.deepEqual(asked, ['Do you want to discard the recorded future? (y or n)']);
  assert.equal(s.tracer.horizon, horizon);
  answer = true;
  const yes = await s.execute('map delete chain 1');
  assert.ok(yes.ok, yes.error?.message);
  assert.equal(s.tracer.horizon, s.count, 'the future is gone');
  assert.equal(s.view().maps.find((m) => m.name === 'chain')!.progSlots![1]!.program, null);
  s.session.dispose();
});

test('delete without numbers asks in the UI and deletes in batch mode', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break stage_parse', 'break entry']);
  const s = rec.tts;
  s.session.confirm = async () => false;
  const kept = await s.execute('delete');
  assert.match(kept.output.map((l) => l.text).join('\n'), /Not confirmed\./);
  assert.equal(s.view().breakpoints.length, 2);
  s.session.confirm = null;
  await s.execute('delete');
  assert.equal(s.view().breakpoints.length, 0);
  s.session.dispose();
});
