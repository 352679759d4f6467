// Scrolling a pane, as a pure function from a scroll key to the UiAction that does it:
// how far a pane can scroll follows from its content (View rows at the pane's width) and
// its height in the layout. The code pane moves its cursor instead of its top row.
import type { OutputLine, View } from '../debugger/view.ts';
import type { PaneId } from './keymap.ts';
import { paneHeight, type Layout } from './layout.ts';
import { withNotes } from './notices.ts';
import { buildMapRows } from './panes/MapsPane.tsx';
import { bodyRows } from './panes/paneFrame.ts';
import { buildPokeRows } from './panes/PokesPane.tsx';
import { registersRows } from './panes/RegistersPane.tsx';
import { sourceRows } from './panes/SourcePane.tsx';
import { stackRows } from './panes/StackPane.tsx';
import type { Theme } from './theme.ts';
import type { UiAction, UiState } from './uiState.ts';

/** Rows (or, for code, lines) to move, or where to: the first, the last, back to the default. */
export type ScrollBy = number | 'top' | 'bottom' | 'current';

export interface ScrollContext {
  view: View;
  layout: Layout;
  ui: UiState;
  theme: Theme;
  /** UI notices (notices.ts): the output pane shows them among the session's output. */
  notes: readonly OutputLine[];
}

/** Rows of content a pane has (scroll limits). */
export function paneLength(view: View, pane: PaneId, width: number, theme: Theme, output: readonly OutputLine[]): number {
  switch (pane) {
    case 'code':
      return view.disasm?.lines.length ?? 0;
    case 'registers':
      return registersRows(view, width);
    case 'stack':
      return stackRows(view);
    case 'pokes':
      return buildPokeRows(view, width - 1, theme).length;
    case 'chain':
      return view.callChain.length;
    case 'maps':
      return buildMapRows(view, width - 1, theme).length;
    case 'display':
      return view.displays?.length ?? 0;
    case 'output':
      return output.length;
    case 'source':
      return sourceRows(view);
  }
}

/** The pane's width in the layout (the whole width when it is not shown). */
export function paneWidth(l: Layout, id: PaneId): number {
  for (const r of l.rows) for (const p of r.panes) if (p.id === id) return p.width;
  return l.width;
}

/** Rows PgUp/PgDn move: a pane's body less one, so one row stays in view. */
export const pageRows = (l: Layout, pane: PaneId): number => Math.max(1, bodyRows(paneHeight(l, pane)) - 1);

/** The action that scrolls `pane` by `by`, within its content. */
export function scrollAction(pane: PaneId, by: ScrollBy, { view, layout, ui, theme, notes }: ScrollContext): UiAction {
  const rows = bodyRows(paneHeight(layout, pane));
  const len = paneLength(view, pane, paneWidth(layout, pane), theme, pane === 'output' ? withNotes(view.output, notes) : []);
  if (pane === 'code') {
    const max = Math.max(0, len - 1);
    const from = ui.codeCursor ?? view.disasm?.current ?? 0;
    if (by === 'current') return { kind: 'followPc' };
    if (by === 'top') return { kind: 'cursor', by: -from, max, from };
    if (by === 'bottom') return { kind: 'cursor', by: max - from, max, from };
    return { kind: 'cursor', by, max, from };
  }
  const max = Math.max(0, len - rows);
  if (typeof by !== 'number') return { kind: 'scrollTo', pane, to: by, max };
  // Panes that default to their end (output, call chain) scroll from there.
  const dflt = pane === 'output' || pane === 'chain' ? max : 0;
  return { kind: 'scroll', pane, by, max, from: ui.scroll[pane] ?? dflt };
}
