// BPF timers in the debugger: `timer list` shows what the program armed, `timer fire` moves
// the virtual clock to each armed timer and runs its callback, as the hrtimer softirq would,
// after the program returned (seed 001's timer_shared example).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exec, examplePath, have, openExample, outText } from './fixture.ts';

test(
  'timer fire runs the armed callback at its expiry on the virtual clock',
  { skip: have(examplePath('timer_shared')) ? false : 'examples/timer_shared.o not built' },
  async () => {
    const s = await openExample('timer_shared');
    try {
      await exec(s, 'run');
      const list = outText(await exec(s, 'timer list'));
      assert.match(list, /1 armed timer\b/);
      assert.match(list, /expires at \d+ ns \(in 1000 ns\), callback arm_timer\/timer_cb/);
      const fired = outText(await exec(s, 'timer fire'));
      assert.match(fired, /1 timer callback ran/);
      // timer_cb: fired += shared(fired + 100) = (100 + 3) + (100 + 9)
      assert.match(outText(await exec(s, 'print fired')), /= 212\b/);
      assert.match(outText(await exec(s, 'timer list')), /0 armed timers/);
    } finally {
      s.dispose();
    }
  },
);
