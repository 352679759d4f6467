// The screen as rows of styled text, as pure functions of the View and the presentational
// state: which layout the UI state and terminal size give, and the rows top to bottom
// (status bar, the pane grid or the help, the command line). Screen (screen.tsx) draws them.
import type { OutputLine, View } from '../debugger/view.ts';
import type { CommandLineState } from './commandLine.ts';
import type { PaneId } from './keymap.ts';
import { computeLayout, type Layout } from './layout.ts';
import { callChainPaneLines } from './panes/CallChainPane.tsx';
import { codePaneLines } from './panes/CodePane.tsx';
import { commandLineLines, commandLineRows } from './panes/commandLineView.ts';
import { displayPaneLines } from './panes/DisplayPane.tsx';
import { helpOverlayLines } from './panes/helpOverlay.ts';
import { mapsPaneLines } from './panes/MapsPane.tsx';
import { outputPaneLines } from './panes/OutputPane.tsx';
import { pokesPaneLines } from './panes/PokesPane.tsx';
import { registersPaneLines, registersRows } from './panes/RegistersPane.tsx';
import { sourcePaneLines } from './panes/SourcePane.tsx';
import { stackPaneLines } from './panes/StackPane.tsx';
import { statusBarLine } from './panes/statusBar.ts';
import { besides, type Line } from './styled.ts';
import type { Theme } from './theme.ts';
import { namedLayout } from './tuiLayout.ts';
import type { UiState } from './uiState.ts';

export interface ScreenState {
  view: View;
  ui: UiState;
  cl: CommandLineState;
  width: number;
  height: number;
  /** The session's output with the UI notices (notices.ts withNotes). */
  output: readonly OutputLine[];
  /** The command running, or null. */
  busy: string | null;
  /** The engine's yes/no question waiting for y or n, or null. */
  query: string | null;
}

/** The secondary pane the default layout shows: the focused one, or the last focused. */
const sideOf = (u: UiState): PaneId => (u.focus === 'command' || u.focus === 'code' || u.focus === 'output' ? u.side : u.focus);

/** Where the panes go: the `layout` chosen, or the default for the size; the command line's completion row comes off the grid. */
export function screenLayout(view: View, ui: UiState, cl: CommandLineState, width: number, height: number): Layout {
  return ui.layout === 'default'
    ? computeLayout(width, height, sideOf(ui), commandLineRows(cl) - 1)
    : namedLayout(width, height, ui.layout, commandLineRows(cl) - 1, registersRows(view, width));
}

function paneLines(s: ScreenState, theme: Theme, id: PaneId, width: number, height: number): Line[] {
  const { view, ui } = s;
  const focused = ui.focus === id;
  const scroll = ui.scroll[id] ?? null;
  switch (id) {
    case 'code':
      return codePaneLines({ view, focused, width, height, cursor: ui.codeCursor }, theme);
    case 'registers':
      return registersPaneLines({ view, focused, width, height, scroll }, theme);
    case 'stack':
      return stackPaneLines({ view, focused, width, height, scroll }, theme);
    case 'pokes':
      return pokesPaneLines({ view, focused, width, height, scroll }, theme);
    case 'chain':
      return callChainPaneLines({ view, focused, width, height, scroll }, theme);
    case 'maps':
      return mapsPaneLines({ view, focused, width, height, scroll }, theme);
    case 'display':
      return displayPaneLines({ view, focused, width, height, scroll }, theme);
    case 'output':
      return outputPaneLines({ lines: s.output, focused, width, height, scroll }, theme);
    case 'source':
      return sourcePaneLines({ view, focused, width, height, scroll }, theme);
  }
}

/**
 * The screen, top to bottom: status bar, the pane grid (or the help), the command line;
 * at most `height` rows. Every call lays out every pane, typing included: that is well
 * under a millisecond at 200x60, and the frame writer sends only the rows that changed.
 */
export function screenRows(s: ScreenState, theme: Theme): Line[] {
  const { view, ui, cl, width, height } = s;
  const layout = screenLayout(view, ui, cl, width, height);
  const rows: Line[] = [statusBarLine(view, width, theme)];
  if (ui.help) {
    const gridHeight = layout.rows.reduce((n, r) => n + r.height, 0);
    const help = helpOverlayLines(width, gridHeight, theme, view);
    for (let y = 0; y < gridHeight; y++) rows.push(help[y] ?? []);
  } else {
    for (const row of layout.rows) {
      rows.push(
        ...besides(
          row.panes.map((p) => ({ lines: paneLines(s, theme, p.id, p.width, row.height), width: p.width })),
          row.height,
        ),
      );
    }
  }
  rows.push(...commandLineLines({ state: cl, focused: ui.focus === 'command', width, busy: s.busy, query: s.query }, theme));
  return rows.slice(0, height);
}
