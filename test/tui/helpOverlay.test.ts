// The `?` overlay's command examples use the real syntax with the session's own names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandExamples } from '../../src/tui/panes/helpOverlay.ts';
import { KEY_HELP } from '../../src/tui/keymap.ts';
import { parseCommand } from '../../src/debugger/commands/parseCommand.ts';
import { openExample } from '../debugger/fixture.ts';

test('the help overlay shows map update with a real prog_array and program, each example parses', async () => {
  const s = await openExample('tailchain');
  const text = commandExamples(s.view());
  assert.match(text, /map update chain 0 stage_\w+/);
  const examples = text.replace(/^Commands are gdb's: /, '').split(', ');
  for (const e of examples) assert.ok(parseCommand(e).ok, e);
  const r = await s.execute(examples.find((e) => e.startsWith('map update'))!);
  assert.ok(r.ok, r.error?.message);
  s.dispose();
});

test('the c key is documented as stopping at breakpoints and catchpoints, not at every tail call', () => {
  const c = KEY_HELP.find((k) => k.keys === 'c')!;
  assert.doesNotMatch(c.does, /breakpoint, tail call/);
  assert.match(c.does, /catch tailcall/);
});
