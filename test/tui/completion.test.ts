import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeCompletions, viewCompletions } from '../../src/tui/completion.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';

describe('completion', () => {
  it('completes the first word from command names and gdb aliases', () => {
    assert.deepEqual(viewCompletions(null, 'st').sort(), ['start', 'step', 'stepi']);
    assert.ok(viewCompletions(null, 's').includes('si'));
  });

  it('completes later words from program, function, map names and PROG: forms', () => {
    assert.deepEqual(viewCompletions(x86TailCall, 'break prog_').sort(), ['prog_b', 'prog_b:', 'prog_c', 'prog_c:']);
    assert.deepEqual(viewCompletions(x86TailCall, 'map update jm'), ['jmp_table']);
  });

  it("offers program names without a colon for map update's value, and every info topic", () => {
    assert.deepEqual(viewCompletions(x86TailCall, 'map update jmp_table 0 prog_').sort(), ['prog_b', 'prog_c']);
    assert.deepEqual(viewCompletions(x86TailCall, 'info p').sort(), ['pokes', 'profile', 'program']);
  });

  it('completes info topics', () => {
    assert.ok(viewCompletions(null, 'info po').includes('pokes'));
  });

  it('puts the engine candidates first and drops duplicates', () => {
    assert.deepEqual(mergeCompletions(['b', 'a'], ['a', 'c']), ['b', 'a', 'c']);
  });
});
