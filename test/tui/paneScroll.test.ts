// Scrolling: a scroll key becomes a UiAction bounded by the pane's content and height; the
// tests apply it (uiReducer) and read where the pane or the code cursor ends up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OutputLine } from '../../src/debugger/view.ts';
import type { PaneId } from '../../src/tui/keymap.ts';
import { computeLayout, type Layout } from '../../src/tui/layout.ts';
import { addNotice } from '../../src/tui/notices.ts';
import { pageRows, paneLength, paneWidth, scrollAction, type ScrollBy } from '../../src/tui/paneScroll.ts';
import { themeFor } from '../../src/tui/theme.ts';
import { initialUi, uiReducer, type UiState } from '../../src/tui/uiState.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';

const theme = themeFor({});
const view = x86TailCall; // 42 disassembly lines, the PC on line 6; 6 output lines; 2 call-chain entries
// 100x40: code (60 wide, 33 body rows) beside registers (40 wide), over a 4-row output pane (3 body rows).
const compact = computeLayout(100, 40, 'registers');
// 60x12: registers alone (6 body rows) over the output (2 body rows).
const tiny = computeLayout(60, 12, 'registers');

function scrolled(pane: PaneId, by: ScrollBy, { ui = initialUi, layout = compact, notes = [] as OutputLine[] } = {}): UiState {
  return uiReducer(ui, scrollAction(pane, by, { view, layout, ui, theme, notes }));
}

describe('scrolling the code pane', () => {
  it('moves the cursor from the PC line', () => {
    assert.equal(scrolled('code', 1).codeCursor, 7);
    assert.equal(scrolled('code', -2).codeCursor, 4);
  });

  it('moves the cursor from where it was once moved', () => {
    assert.equal(scrolled('code', 3, { ui: { ...initialUi, codeCursor: 20 } }).codeCursor, 23);
  });

  it('stops at the first and the last disassembly line; Home and End go there', () => {
    assert.equal(scrolled('code', -100).codeCursor, 0);
    assert.equal(scrolled('code', 100).codeCursor, 41);
    assert.equal(scrolled('code', 'top').codeCursor, 0);
    assert.equal(scrolled('code', 'bottom').codeCursor, 41);
  });

  it('follows the PC again on Esc', () => {
    assert.equal(scrolled('code', 'current', { ui: { ...initialUi, codeCursor: 20 } }).codeCursor, null);
  });
});

describe('scrolling the output log', () => {
  it('starts from its end: up one shows the line above the last page', () => {
    // 6 lines in 3 body rows: the last page starts at row 3.
    assert.equal(scrolled('output', -1).scroll.output, 2);
  });

  it('stops at its first row and at its last page', () => {
    assert.equal(scrolled('output', -100).scroll.output, 0);
    assert.equal(scrolled('output', 100).scroll.output, 3);
    assert.equal(scrolled('output', 'top').scroll.output, 0);
    assert.equal(scrolled('output', 'bottom').scroll.output, 3);
  });

  it('counts UI notices as lines of output', () => {
    const notes = addNotice(addNotice([], 6, 'info', 'one'), 6, 'info', 'two');
    assert.equal(scrolled('output', 'bottom', { notes }).scroll.output, 5);
  });

  it('follows its end again on Esc', () => {
    assert.equal(scrolled('output', 'current', { ui: { ...initialUi, scroll: { output: 1 } } }).scroll.output, null);
  });
});

describe('scrolling the other panes', () => {
  const regs = paneLength(view, 'registers', 60, theme, []);

  it('starts from the top and stops where the last row of content is the last row shown', () => {
    assert.ok(regs > 6, `${regs} register rows fill more than the pane`);
    assert.equal(scrolled('registers', 1, { layout: tiny }).scroll.registers, 1);
    assert.equal(scrolled('registers', 'bottom', { layout: tiny }).scroll.registers, regs - 6);
    assert.equal(scrolled('registers', 100, { layout: tiny }).scroll.registers, regs - 6);
    assert.equal(scrolled('registers', -1, { layout: tiny }).scroll.registers, 0);
  });

  it('do not move when everything fits', () => {
    // 2 call-chain entries in the side slot's 33 body rows.
    const layout = computeLayout(100, 40, 'chain');
    assert.equal(scrolled('chain', 1, { layout }).scroll.chain, 0);
    assert.equal(scrolled('chain', -1, { layout }).scroll.chain, 0);
    assert.equal(scrolled('chain', 'bottom', { layout }).scroll.chain, 0);
  });
});

describe('pane measures', () => {
  it('count content rows from the View and the notices', () => {
    assert.equal(paneLength(view, 'code', 60, theme, []), 42);
    assert.equal(paneLength(view, 'chain', 60, theme, []), 2);
    assert.equal(paneLength(view, 'output', 100, theme, view.output), 6);
  });

  it('take a pane width from the layout, and the whole width for a pane it does not show', () => {
    const widths = (l: Layout, ids: PaneId[]) => ids.map((id) => paneWidth(l, id));
    assert.deepEqual(widths(compact, ['code', 'registers', 'output', 'pokes']), [60, 40, 100, 100]);
  });

  it('page by a pane body less one row, and by at least one row', () => {
    assert.equal(pageRows(compact, 'code'), 32);
    assert.equal(pageRows(compact, 'output'), 2);
    assert.equal(pageRows(tiny, 'output'), 1);
    assert.equal(pageRows(tiny, 'pokes'), 1, 'a pane the layout does not show');
  });
});
