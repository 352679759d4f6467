import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_HELP, keymap, nextFocus, splitInput, FOCUS_ORDER, type KeyContext } from '../../src/tui/keymap.ts';

const ctx: KeyContext = { focus: 'code', cursor: { program: 'prog_b', insn: 5, breakpoint: null }, pageSize: 10 };
const cmd = (input: string, c = ctx) => keymap({ input }, c);

describe('keymap', () => {
  it('maps gdb SingleKey-mode keys to the command strings batch mode reads', () => {
    assert.deepEqual(cmd('s'), { kind: 'command', command: 'step' });
    assert.deepEqual(cmd('n'), { kind: 'command', command: 'next' });
    assert.deepEqual(cmd('c'), { kind: 'command', command: 'continue' });
    assert.deepEqual(cmd('f'), { kind: 'command', command: 'finish' });
    assert.deepEqual(cmd('r'), { kind: 'command', command: 'run' });
    assert.deepEqual(cmd('u'), { kind: 'command', command: 'up' });
    assert.deepEqual(cmd('d'), { kind: 'command', command: 'down' });
  });

  it('maps i to stepi (si) and N to nexti (ni)', () => {
    assert.deepEqual(cmd('i'), { kind: 'command', command: 'stepi' });
    assert.deepEqual(cmd('N'), { kind: 'command', command: 'nexti' });
  });

  it('steps backwards on the capitals of s, i, c, f, and P for reverse-next', () => {
    assert.deepEqual(cmd('S'), { kind: 'command', command: 'reverse-step' });
    assert.deepEqual(cmd('I'), { kind: 'command', command: 'reverse-stepi' });
    assert.deepEqual(cmd('P'), { kind: 'command', command: 'reverse-next' });
    assert.deepEqual(cmd('C'), { kind: 'command', command: 'reverse-continue' });
    assert.deepEqual(cmd('F'), { kind: 'command', command: 'reverse-finish' });
  });

  it('sets a breakpoint at the cursor as PROG:INSN, and deletes one already there', () => {
    assert.deepEqual(cmd('b'), { kind: 'command', command: 'break prog_b:5' });
    assert.deepEqual(cmd('b', { ...ctx, cursor: { program: 'prog_b', insn: 1, breakpoint: 2 } }), { kind: 'command', command: 'delete 2' });
    assert.deepEqual(cmd('b', { ...ctx, cursor: null }), { kind: 'none' });
  });

  it('moves focus with Tab and Shift-Tab, and scrolls with arrows and pages', () => {
    assert.deepEqual(keymap({ input: '', tab: true }, ctx), { kind: 'focus', to: 'next' });
    assert.deepEqual(keymap({ input: '', tab: true, shift: true }, ctx), { kind: 'focus', to: 'prev' });
    assert.deepEqual(keymap({ input: '', downArrow: true }, ctx), { kind: 'scroll', by: 1 });
    assert.deepEqual(keymap({ input: '', pageUp: true }, ctx), { kind: 'scroll', by: -10 });
    assert.deepEqual(keymap({ input: '', escape: true }, ctx), { kind: 'scrollTo', to: 'current' });
  });

  it('interrupts on Ctrl-C and quits on q and Ctrl-D', () => {
    assert.deepEqual(keymap({ input: 'c', ctrl: true }, ctx), { kind: 'interrupt' });
    assert.deepEqual(keymap({ input: 'd', ctrl: true }, ctx), { kind: 'quit' });
    assert.deepEqual(cmd('q'), { kind: 'quit' });
  });

  it('opens the command line on ":" empty and on other printable keys with the key typed', () => {
    assert.deepEqual(cmd(':'), { kind: 'commandLine', initial: '', oneShot: false });
    assert.deepEqual(cmd(':brea'), { kind: 'commandLine', initial: 'brea', oneShot: false });
    assert.deepEqual(cmd('x'), { kind: 'commandLine', initial: 'x', oneShot: true });
    assert.deepEqual(cmd('?'), { kind: 'help' });
  });

  it('documents every single-key command in the help table', () => {
    const documented = new Set(KEY_HELP.flatMap((k) => k.keys.split(/\s+|\//).filter(Boolean)));
    for (const key of [
      's',
      'n',
      'i',
      'N',
      'c',
      'f',
      'r',
      'b',
      'u',
      'd',
      'w',
      'q',
      'S',
      'I',
      'P',
      'C',
      'F',
      '?',
      'Tab',
      'Shift-Tab',
      'Ctrl-C',
      'Ctrl-D',
      'Esc',
    ]) {
      assert.ok(documented.has(key), `help lists ${key}`);
    }
    // And every key the keymap binds to a command is one of them.
    for (const key of 'snNicfruwdbSIPCF') {
      if (keymap({ input: key }, ctx).kind === 'command') assert.ok(documented.has(key), key);
    }
  });

  it('cycles focus through every pane and the command line', () => {
    assert.equal(nextFocus(FOCUS_ORDER, 'command', 'next'), 'code');
    assert.equal(nextFocus(FOCUS_ORDER, 'code', 'prev'), 'command');
    assert.equal(nextFocus(FOCUS_ORDER, 'registers', 'next'), 'stack');
  });

  it('splits a chunk of keys sent together back into keys, keeping text runs whole', () => {
    assert.deepEqual(splitInput('\t\t'), [
      { input: '', tab: true },
      { input: '', tab: true },
    ]);
    // Single-key commands arriving together (a held key on a busy machine) stay keys; text does not.
    assert.deepEqual(splitInput('iiS'), [{ input: 'i' }, { input: 'i' }, { input: 'S' }]);
    assert.deepEqual(splitInput('print $r1'), [{ input: 'print $r1' }]);
    assert.deepEqual(splitInput(':brea\tpro\r'), [{ input: ':brea' }, { input: '', tab: true }, { input: 'pro' }, { input: '', return: true }]);
    assert.deepEqual(splitInput('ab\x15'), [{ input: 'ab' }, { input: 'u', ctrl: true }]);
  });

  it('leaves pasted text and escape sequences alone', () => {
    assert.deepEqual(splitInput('break prog_b:3'), [{ input: 'break prog_b:3' }]);
    assert.deepEqual(splitInput('\x1b[A'), [{ input: '\x1b[A' }]);
  });
});
