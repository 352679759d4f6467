import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commandLineReducer as r, initialCommandLine, lineToRun, type CommandLineAction, type CommandLineState } from '../../src/tui/commandLine.ts';

const run = (s: CommandLineState, ...as: CommandLineAction[]) => as.reduce(r, s);
const typed = (text: string, s = initialCommandLine()) => r(s, { kind: 'insert', text });

describe('command line', () => {
  it('edits at the cursor: insert, backspace, left/right, kill word, kill line', () => {
    let s = typed('break prog');
    s = run(s, { kind: 'left' }, { kind: 'left' }, { kind: 'backspace' });
    assert.equal(s.text, 'break pog');
    s = run(s, { kind: 'end' }, { kind: 'killWord' });
    assert.equal(s.text, 'break ');
    s = run(s, { kind: 'killLine' });
    assert.equal(s.text, '');
  });

  it('walks history with up/down and keeps the unfinished line as a draft', () => {
    let s = run(typed('stepi'), { kind: 'submit' });
    s = run(typed('info pokes', s), { kind: 'submit' });
    s = typed('bre', s);
    s = run(s, { kind: 'historyPrev' });
    assert.equal(s.text, 'info pokes');
    s = run(s, { kind: 'historyPrev' }, { kind: 'historyPrev' });
    assert.equal(s.text, 'stepi');
    s = run(s, { kind: 'historyNext' }, { kind: 'historyNext' });
    assert.equal(s.text, 'bre');
  });

  it('repeats the last command on an empty Enter, as gdb does', () => {
    const s = run(typed('stepi'), { kind: 'submit' });
    assert.equal(lineToRun(s), 'stepi');
    assert.equal(lineToRun(initialCommandLine()), null);
  });

  it('does not record an immediate repeat twice in history', () => {
    const s = run(typed('stepi'), { kind: 'submit' }, { kind: 'insert', text: 'stepi' }, { kind: 'submit' });
    assert.deepEqual(s.history, ['stepi']);
  });

  it('completes a unique candidate and adds a space, but not after PROG:', () => {
    assert.equal(r(typed('cont'), { kind: 'complete', candidates: ['continue'], backwards: false }).text, 'continue ');
    assert.equal(r(typed('break prog_'), { kind: 'complete', candidates: ['prog_b:'], backwards: false }).text, 'break prog_b:');
  });

  it('completes the common prefix first, then cycles with Tab and back with Shift-Tab', () => {
    const cands = ['prog_b', 'prog_c', 'entry'];
    let s = r(typed('break pro'), { kind: 'complete', candidates: cands, backwards: false });
    assert.equal(s.text, 'break prog_');
    assert.deepEqual(s.completion?.candidates, ['prog_b', 'prog_c']);
    s = r(s, { kind: 'complete', candidates: cands, backwards: false });
    assert.equal(s.text, 'break prog_b');
    s = r(s, { kind: 'complete', candidates: cands, backwards: false });
    assert.equal(s.text, 'break prog_c');
    s = r(s, { kind: 'complete', candidates: cands, backwards: true });
    assert.equal(s.text, 'break prog_b');
  });

  it('leaves the line alone when nothing matches', () => {
    const s = typed('zzz');
    assert.equal(r(s, { kind: 'complete', candidates: ['step'], backwards: false }), s);
  });
});
