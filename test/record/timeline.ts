// Shared by the reverse-execution tests (x86-64 and RISC-V): run a command that must work,
// compare register files, and retrace a whole run backwards.
import assert from 'node:assert/strict';
import type { View } from '../../src/debugger/view.ts';
import type { TimeTravelSession } from '../../src/record/index.ts';

/** Every native register of a View, as one comparable string. */
export const regFile = (v: View): string => (v.registers ? v.registers.native.map((r) => `${r.name}=${r.value}`).join(' ') : 'none');

/** Runs a command that must succeed; its View. */
export async function exec(s: TimeTravelSession, cmd: string): Promise<View> {
  const r = await s.execute(cmd);
  assert.ok(r.ok, `${cmd}: ${r.error?.message}`);
  return r.view;
}

/**
 * From `first` (the View of `start`), stepi to the end of the run, then reverse-stepi back:
 * every state going back must be the forward state at the same count, and nothing comes
 * before the first instruction. Returns how many states the run had.
 */
export async function assertReverseStepiRetraces(s: TimeTravelSession, first: View): Promise<number> {
  const forward: string[] = [regFile(first)];
  for (;;) {
    const v = await exec(s, 'stepi');
    if (v.runState !== 'stopped') break;
    forward.push(regFile(v));
  }
  // At the exit; the last stopped state is forward.at(-1).
  for (let k = forward.length - 1; k >= 0; k--) {
    const v = await exec(s, 'reverse-stepi');
    assert.equal(v.runState, 'stopped');
    assert.equal(regFile(v), forward[k], `state ${k} of ${forward.length}`);
  }
  const r = await s.execute('reverse-stepi');
  assert.ok(!r.ok, 'there is nothing before the first instruction');
  assert.match(r.error!.message, /start of the recorded history/);
  return forward.length;
}
