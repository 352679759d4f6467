// The screen as rows, from a View and the presentational state, without React: what a
// user sees, top to bottom, at a size.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { View } from '../../src/debugger/view.ts';
import { commandLineReducer, initialCommandLine, type CommandLineState } from '../../src/tui/commandLine.ts';
import { addNotice, withNotes } from '../../src/tui/notices.ts';
import { screenLayout, screenRows, type ScreenState } from '../../src/tui/screenRows.ts';
import { textOf } from '../../src/tui/styled.ts';
import { themeFor } from '../../src/tui/theme.ts';
import { initialUi, type UiState } from '../../src/tui/uiState.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';

const theme = themeFor({});

function screen(over: Partial<ScreenState> & { width: number; height: number }): string[] {
  const view: View = over.view ?? x86TailCall;
  const s: ScreenState = { view, ui: initialUi, cl: initialCommandLine(), output: view.output, busy: null, query: null, ...over };
  return screenRows(s, theme).map(textOf);
}

/** Pane titles on screen, top to bottom, left to right ('*': focused). */
const titles = (rows: string[]): string[] =>
  rows.flatMap((r) =>
    [...r.matchAll(/(?:^|\s) (Code|Source|Registers|Stack|Pokes|Call chain|Maps|Display|Output)( \*)?(?= |$)/g)].map((m) => m[1]! + (m[2] ?? '')),
  );

describe('screenRows', () => {
  it('fills the screen exactly: the status bar on top, the command line at the bottom', () => {
    for (const [width, height] of [
      [80, 24],
      [200, 60],
      [60, 12],
    ] as const) {
      const rows = screen({ width, height });
      assert.equal(rows.length, height, `${width}x${height}`);
      assert.match(rows[0]!, /^ bpfdbg {2}x86_64/);
      assert.match(rows.at(-1)!, /^\(bpfdbg\) {3}: command {2}\? help {2}q quit/);
    }
  });

  it('shows every pane at 200x60, and code, the last side pane and the output at 80x24', () => {
    assert.deepEqual(titles(screen({ width: 200, height: 60 })), ['Code *', 'Registers', 'Stack', 'Pokes', 'Call chain', 'Maps', 'Display', 'Output']);
    assert.deepEqual(titles(screen({ width: 80, height: 24 })), ['Code *', 'Registers', 'Output']);
    const ui: UiState = { ...initialUi, focus: 'pokes', lastPane: 'pokes', side: 'pokes' };
    assert.deepEqual(titles(screen({ width: 80, height: 24, ui })), ['Code', 'Pokes *', 'Output']);
  });

  it('shows the panes of a layout chosen with `layout`', () => {
    const ui: UiState = { ...initialUi, layout: 'regs' };
    assert.deepEqual(titles(screen({ width: 80, height: 24, ui })), ['Registers', 'Code *', 'Output']);
    assert.deepEqual(
      screenLayout(x86TailCall, ui, initialCommandLine(), 80, 24).rows.map((r) => r.panes.map((p) => p.id)),
      [['registers'], ['code'], ['output']],
    );
  });

  it('shows the help over the pane grid, keeping the status bar and the command line', () => {
    const rows = screen({ width: 100, height: 40, ui: { ...initialUi, help: true } });
    assert.equal(rows.length, 40);
    assert.ok(rows.some((r) => r.includes('Keys (any key closes)')));
    assert.deepEqual(titles(rows), []);
    assert.match(rows[0]!, /^ bpfdbg/);
    assert.match(rows.at(-1)!, /^\(bpfdbg\)/);
  });

  it('shows the output log at its end, or from the row it was scrolled to', () => {
    // 100x40: a 4-row output pane (3 body rows) over the command line; 6 lines of output.
    const log = (rows: string[]) => rows.slice(-4, -1).map((r) => r.trim());
    assert.deepEqual(log(screen({ width: 100, height: 40 })), [
      'jmp_table[0] = prog_b: poke #0 C->D->B',
      '(bpfdbg) continue',
      'tail call entry:5 -> prog_b via jmp_table[0] (direct), tcc 1',
    ]);
    const top = screen({ width: 100, height: 40, ui: { ...initialUi, scroll: { output: 0 } } });
    assert.deepEqual(log(top), ['(bpfdbg) break prog_b:1', 'Breakpoint 2 at prog_b:1 (0xffffffffc0100025), tailchain.c:41', '(bpfdbg) map jmp_table 0 prog_b']);
    assert.match(top.at(-5)!, /^ Output {2}1-3\/6/);
  });

  it('shows UI notices in the output log where they happened', () => {
    const notes = addNotice([], 5, 'info', 'interrupt sent (continue)'); // after `continue`, before what it printed
    const rows = screen({ width: 100, height: 40, output: withNotes(x86TailCall.output, notes) });
    assert.deepEqual(
      rows.slice(-4, -1).map((r) => r.trim()),
      ['(bpfdbg) continue', 'interrupt sent (continue)', 'tail call entry:5 -> prog_b via jmp_table[0] (direct), tcc 1'],
    );
  });

  it('gives the command line a second row for the completion list, taken from the panes', () => {
    let cl: CommandLineState = commandLineReducer(initialCommandLine(), { kind: 'insert', text: 'b' });
    cl = commandLineReducer(cl, { kind: 'complete', candidates: ['break', 'backtrace'], backwards: false });
    const rows = screen({ width: 100, height: 40, cl, ui: { ...initialUi, focus: 'command' } });
    assert.equal(rows.length, 40);
    assert.equal(rows.at(-2)!.trim(), 'backtrace  break');
    assert.match(rows.at(-1)!, /^\(bpfdbg\) b/);
  });

  it('says on the command line which command runs, and asks the engine’s question', () => {
    assert.match(screen({ width: 100, height: 40, busy: 'continue' }).at(-1)!, /running continue… Ctrl-C interrupts/);
    assert.match(screen({ width: 100, height: 40, query: 'Delete all breakpoints? (y or n)' }).at(-1)!, /Delete all breakpoints\? \(y or n\) {2}y or n/);
  });
});
