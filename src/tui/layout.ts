// Where panes go for a terminal size, as a pure function. Small terminals (80x24) show
// code + one side pane + output + command line; the side slot shows whichever secondary
// pane was focused last, so every pane stays reachable with Tab. Large terminals
// (200x60) show every pane at once.
import type { PaneId } from './keymap.ts';

/** The screen layouts `layout NAME` chooses between: 'default' is the size-driven one (computeLayout), the others are gdb's. */
export type LayoutName = 'default' | 'asm' | 'src' | 'split' | 'regs';

export interface PaneRect {
  id: PaneId;
  width: number;
}

export interface LayoutRow {
  height: number;
  panes: PaneRect[];
}

export interface Layout {
  /** 'named': chosen with the `layout` command (tuiLayout.ts). */
  mode: 'tiny' | 'compact' | 'wide' | 'named';
  /** Rows of panes, top to bottom (the last one is the output log). */
  rows: LayoutRow[];
  width: number;
  height: number;
}

/** Panes that can occupy the side slot in compact mode. */
export const SECONDARY: readonly PaneId[] = ['registers', 'stack', 'pokes', 'chain', 'maps', 'display'];

/** Rows outside the pane grid: the status bar and the command line. */
export const CHROME_ROWS = 2;

const split = (total: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.floor(total / n) + (i < total % n ? 1 : 0));

/**
 * @param side the secondary pane to show when not all fit (the focused or last focused one)
 * @param extraRows rows the command line needs beyond its one (completion list)
 */
export function computeLayout(width: number, height: number, side: PaneId, extraRows = 0): Layout {
  const avail = Math.max(4, height - CHROME_ROWS - extraRows);
  if (width < 70 || height < 14) {
    const out = Math.min(3, Math.max(1, avail - 4));
    const main: PaneId = side === 'output' ? 'code' : side;
    return {
      mode: 'tiny',
      width,
      height,
      rows: [
        { height: avail - out, panes: [{ id: main, width }] },
        { height: out, panes: [{ id: 'output', width }] },
      ],
    };
  }
  if (width < 120 || height < 36) {
    const out = avail >= 20 ? 4 : 3;
    const sideW = Math.max(30, Math.min(56, Math.floor(width * 0.4)));
    const slot: PaneId = SECONDARY.includes(side) ? side : 'registers';
    return {
      mode: 'compact',
      width,
      height,
      rows: [
        {
          height: avail - out,
          panes: [
            { id: 'code', width: width - sideW },
            { id: slot, width: sideW },
          ],
        },
        { height: out, panes: [{ id: 'output', width }] },
      ],
    };
  }
  const out = Math.max(4, Math.floor(avail * 0.14));
  const bottom = Math.max(8, Math.floor(avail * 0.28));
  const top = avail - out - bottom;
  const regW = width >= 150 ? 58 : 36;
  const stackOnTop = width >= 170;
  const stackW = width >= 190 ? 60 : 50;
  const codeW = width - regW - (stackOnTop ? stackW : 0);
  const topPanes: PaneRect[] = [
    { id: 'code', width: codeW },
    { id: 'registers', width: regW },
  ];
  if (stackOnTop) topPanes.push({ id: 'stack', width: stackW });
  const lower: PaneId[] = stackOnTop ? ['pokes', 'chain', 'maps', 'display'] : ['stack', 'pokes', 'chain', 'maps', 'display'];
  const widths = split(width, lower.length);
  return {
    mode: 'wide',
    width,
    height,
    rows: [
      { height: top, panes: topPanes },
      { height: bottom, panes: lower.map((id, i) => ({ id, width: widths[i]! })) },
      { height: out, panes: [{ id: 'output', width }] },
    ],
  };
}

export function visiblePanes(l: Layout): PaneId[] {
  return l.rows.flatMap((r) => r.panes.map((p) => p.id));
}

export function paneHeight(l: Layout, id: PaneId): number {
  return l.rows.find((r) => r.panes.some((p) => p.id === id))?.height ?? 0;
}
