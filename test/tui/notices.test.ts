// UI notices among the session's output: each goes where it happened, in the order made.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OutputLine } from '../../src/debugger/view.ts';
import { addNotice, NOTICES_KEPT, withNotes } from '../../src/tui/notices.ts';

const output: OutputLine[] = [
  { seq: 1, kind: 'command', text: 'continue' },
  { seq: 2, kind: 'out', text: 'Breakpoint 1, entry:10' },
  { seq: 3, kind: 'command', text: 'info pokes' },
];
const texts = (ls: readonly OutputLine[]): string[] => ls.map((l) => l.text);

describe('UI notices', () => {
  it('go after the output line they followed, not below the output that came later', () => {
    const notes = addNotice([], 2, 'info', 'interrupt sent (continue)');
    assert.deepEqual(texts(withNotes(output, notes)), ['continue', 'Breakpoint 1, entry:10', 'interrupt sent (continue)', 'info pokes']);
  });

  it('after the same line keep the order they were made in', () => {
    const notes = addNotice(addNotice(addNotice([], 2, 'info', 'first'), 2, 'info', 'second'), 1, 'error', 'earlier');
    assert.deepEqual(texts(withNotes(output, notes)), ['continue', 'earlier', 'Breakpoint 1, entry:10', 'first', 'second', 'info pokes']);
  });

  it('before the first output line still kept are left out with the output they followed', () => {
    const notes = addNotice(addNotice([], 0, 'info', 'before everything'), 3, 'info', 'last');
    const trimmed = output.slice(1);
    assert.deepEqual(texts(withNotes(trimmed, notes)), ['Breakpoint 1, entry:10', 'info pokes', 'last']);
  });

  it(`are kept up to the last ${NOTICES_KEPT}`, () => {
    let notes: OutputLine[] = [];
    for (let i = 0; i < NOTICES_KEPT + 5; i++) notes = addNotice(notes, 3, 'info', `n${i}`);
    assert.equal(notes.length, NOTICES_KEPT);
    assert.equal(notes[0]!.text, 'n5');
    assert.equal(notes.at(-1)!.text, `n${NOTICES_KEPT + 4}`);
  });

  it('leave the session output as it is when there are none', () => {
    assert.equal(withNotes(output, []), output);
  });
});
