// The TUI drives a real Session through the SessionPort: a key becomes a command, the
// engine produces a View, the frame shows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/tui/App.tsx';
import { renderAt, tick } from '../tui/harness.ts';
import { examplePath, have, openExample } from './fixture.ts';

test(
  'the TUI renders a live session and a typed command moves the PC',
  { skip: have(examplePath('tailchain')) ? false : 'tailchain.o not built' },
  async () => {
    const s = await openExample('tailchain');
    await s.execute('break entry:10');
    await s.execute('run');
    const r = renderAt(<App port={s} width={160} height={48} />, 160, 48);
    await tick(50);
    assert.match(r.lastFrame(), /entry/);
    const seq = s.view().seq;
    await s.execute('step');
    await tick(50);
    assert.ok(s.view().seq > seq);
    assert.match(r.lastFrame(), /stage_parse/);
    r.unmount();
    s.dispose();
  },
);

test('in the TUI, delete without numbers asks "Delete all breakpoints? (y or n)": n keeps them, y deletes', async () => {
  const s = await openExample('tailchain');
  await s.execute('break entry');
  await s.execute('break stage_parse');
  const r = renderAt(<App port={s} width={160} height={48} />, 160, 48);
  await tick(50);
  const type = async (text: string): Promise<void> => {
    for (const ch of text) {
      r.stdin.write(ch);
      await tick(5);
    }
    await tick(30);
  };
  await type(':delete\r');
  assert.match(r.lastFrame(), /Delete all breakpoints\? \(y or n\)/);
  await type('n');
  assert.equal(s.view().breakpoints.length, 2);
  assert.match(r.lastFrame(), /Not confirmed\./);
  await type('delete\r');
  await type('y');
  assert.equal(s.view().breakpoints.length, 0);
  r.unmount();
  s.dispose();
});
