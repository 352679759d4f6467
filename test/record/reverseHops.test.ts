// Tail-call hops after reverse execution: a tail call replaces a program without a frame, so
// the engine keeps a shadow log of hops. Going back in time must take that log back to the
// same point, so that going forward again (or staying there) shows the hops that happened
// by then and tracks the next tail call, as the DAP and gdb front ends do with
// `stepi` across a tail call followed by `reverse-stepi`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { View } from '../../src/debugger/view.ts';
import { recordScript } from './fixture.ts';
import { exec } from './timeline.ts';

/** `from->to` for every hop of the innermost frame, oldest first. */
const hops = (v: View): string[] => (v.frames[0]?.replaced ?? []).map((h) => `${h.program}->${h.to}`);

for (const arch of ['x86_64', 'riscv64'] as const) {
  test(`${arch}: after step across a tail call, reverse-stepi into its sequence, stepi forward again tracks the hop again`, async () => {
    // `step` crosses the tail call machine instruction by machine instruction: the last
    // checkpoint before it is the stop at entry:9, where no tail-call sequence has begun,
    // and reverse execution re-executes quietly from there.
    const { rec } = await recordScript('examples/tailchain.o', ['break entry:9', 'run', 'break stage_parse'], { arch, interval: 1_000_000 });
    const s = rec.tts;
    let v = await exec(s, 'step');
    for (let k = 0; k < 10 && v.location?.func === 'entry'; k++) v = await exec(s, 'step');
    assert.equal(v.location?.func, 'stage_parse');
    assert.deepEqual(hops(v), ['entry->stage_parse']);
    for (let k = 0; k < 100 && v.location?.func !== 'entry'; k++) v = await exec(s, 'reverse-stepi');
    assert.equal(v.location?.func, 'entry');
    assert.deepEqual(hops(v), []);
    v = await exec(s, 'stepi');
    assert.equal(v.location?.func, 'stage_parse');
    assert.deepEqual(hops(v), ['entry->stage_parse']);
    v = await exec(s, 'continue');
    assert.deepEqual(hops(v), ['entry->stage_parse'], 'the breakpoint in stage_parse again');
    await exec(s, 'break stage_count');
    v = await exec(s, 'continue');
    assert.deepEqual(hops(v), ['entry->stage_parse', 'stage_parse->stage_count']);
    s.session.dispose();
  });
}

test('stepi 17 across the direct tail call, reverse-stepi, then the next tail calls are tracked (bt shows every hop)', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break tailchain.c:53', 'run'], { interval: 50 });
  const s = rec.tts;
  // The 17th machine instruction from line 53 is the patched jmp; it lands in stage_parse.
  let v = await exec(s, 'stepi 17');
  assert.equal(v.location?.func, 'stage_parse');
  assert.deepEqual(hops(v), ['entry->stage_parse']);
  v = await exec(s, 'reverse-stepi');
  assert.equal(v.location?.func, 'entry');
  assert.deepEqual(hops(v), []);
  v = await exec(s, 'stepi');
  assert.equal(v.location?.func, 'stage_parse');
  assert.deepEqual(hops(v), ['entry->stage_parse']);
  const bt = (await s.execute('bt')).output.map((l) => l.text).join('\n');
  assert.match(bt, /replaced entry:\d+ --tail call chain\[0\] direct--> stage_parse/);
  await exec(s, 'break stage_verdict');
  v = await exec(s, 'continue');
  assert.equal(v.location?.func, 'stage_verdict');
  assert.deepEqual(hops(v), ['entry->stage_parse', 'stage_parse->stage_count', 'stage_count->stage_verdict']);
  s.session.dispose();
});

test('reverse-stepi back into a tail-calling program shows the hops taken by then, and going forward again the same hops', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break stage_verdict', 'run'], { interval: 1_000_000 });
  const s = rec.tts;
  const at = s.view();
  assert.deepEqual(hops(at), ['entry->stage_parse', 'stage_parse->stage_count', 'stage_count->stage_verdict']);
  // Back into stage_count (before its tail call), then forward over the same hop again.
  let v = at;
  for (let k = 0; k < 200 && v.location?.func !== 'stage_count'; k++) v = await exec(s, 'reverse-stepi');
  assert.deepEqual(hops(v), ['entry->stage_parse', 'stage_parse->stage_count']);
  v = await exec(s, 'continue');
  assert.equal(v.stop?.kind, 'breakpoint');
  assert.deepEqual(hops(v), hops(at));
  s.session.dispose();
});
