// While a run goes on, the status bar shows it live: instructions so far and the time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeProgress } from '../../src/tui/describe.ts';

test('a run in progress reads as label, instruction count and seconds', () => {
  assert.equal(
    describeProgress({ label: 'continue', done: 1234567, total: null, interruptible: true, elapsedMs: 3210 }),
    'continue: 1,234,567 insns, 3.2 s (Ctrl-C interrupts)',
  );
});
