import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHROME_ROWS, computeLayout, visiblePanes } from '../../src/tui/layout.ts';

const rowsUsed = (l: ReturnType<typeof computeLayout>) => l.rows.reduce((n, r) => n + r.height, 0) + CHROME_ROWS;

describe('layout', () => {
  it('at 80x24 shows code, one side pane and the output log, filling the height', () => {
    const l = computeLayout(80, 23, 'registers');
    assert.equal(l.mode, 'compact');
    assert.deepEqual(visiblePanes(l), ['code', 'registers', 'output']);
    assert.equal(rowsUsed(l), 23);
    for (const r of l.rows)
      assert.equal(
        r.panes.reduce((n, p) => n + p.width, 0),
        80,
      );
  });

  it('puts the last focused secondary pane in the compact side slot', () => {
    assert.deepEqual(visiblePanes(computeLayout(80, 23, 'pokes')), ['code', 'pokes', 'output']);
  });

  it('at 200x60 shows every pane, each row exactly as wide as the terminal', () => {
    const l = computeLayout(200, 59, 'registers');
    assert.equal(l.mode, 'wide');
    assert.deepEqual(new Set(visiblePanes(l)), new Set(['code', 'registers', 'stack', 'pokes', 'chain', 'maps', 'display', 'output']));
    assert.equal(rowsUsed(l), 59);
    for (const r of l.rows)
      assert.equal(
        r.panes.reduce((n, p) => n + p.width, 0),
        200,
      );
  });

  it('gives a row to the completion list by shrinking the panes', () => {
    assert.equal(rowsUsed(computeLayout(80, 23, 'registers', 1)), 22);
  });

  it('shows one pane at a time when tiny', () => {
    const l = computeLayout(60, 12, 'stack');
    assert.equal(l.mode, 'tiny');
    assert.deepEqual(visiblePanes(l), ['stack', 'output']);
  });
});
