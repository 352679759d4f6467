// gdb's TUI window commands for bpfdbg's panes: `layout asm|src|split|regs` (which panes
// fill the screen, so 80x24 shows what matters) and `focus asm|src|regs|cmd|PANE` (which
// one takes the keys). Both are presentational: the choice lives in UiState, never in the
// engine (batch mode has no panes and says so), and the TUI answers them itself.
import { lookupCommand } from '../debugger/commands/commandTable.ts';
import { FOCUS_ORDER, nextFocus, type FocusId, type PaneId } from './keymap.ts';
import { CHROME_ROWS, visiblePanes, type Layout, type LayoutName } from './layout.ts';
import type { UiAction, UiState } from './uiState.ts';

/** gdb's `layout next` order. */
const CYCLE: readonly LayoutName[] = ['src', 'asm', 'split', 'regs'];

/** Pane names `focus` takes besides gdb's asm/src/regs/cmd. */
const FOCUS_WORDS: Readonly<Record<string, FocusId>> = {
  asm: 'code',
  src: 'source',
  regs: 'registers',
  cmd: 'command',
  code: 'code',
  source: 'source',
  registers: 'registers',
  stack: 'stack',
  pokes: 'pokes',
  chain: 'chain',
  maps: 'maps',
  display: 'display',
  output: 'output',
  command: 'command',
};

const TITLES: Readonly<Record<PaneId, string>> = {
  code: 'Code',
  source: 'Source',
  registers: 'Registers',
  stack: 'Stack',
  pokes: 'Pokes',
  chain: 'Call chain',
  maps: 'Maps',
  display: 'Display',
  output: 'Output',
};

/**
 * A named layout: its panes in rows over the output log. `regsRows` is how many rows the
 * registers have (the regs layout gives them what they need, up to 40% of the screen).
 */
export function namedLayout(width: number, height: number, name: Exclude<LayoutName, 'default'>, extraRows: number, regsRows: number): Layout {
  const avail = Math.max(4, height - CHROME_ROWS - extraRows);
  const out = avail >= 20 ? 4 : avail >= 8 ? 3 : 1;
  const main = avail - out;
  const full = (id: PaneId, h: number) => ({ height: h, panes: [{ id, width }] });
  let rows: Layout['rows'];
  switch (name) {
    case 'asm':
      rows = [full('code', main)];
      break;
    case 'src':
      rows = [full('source', main)];
      break;
    case 'split': {
      const top = Math.floor(main / 2);
      rows = [full('source', top), full('code', main - top)];
      break;
    }
    case 'regs': {
      const regs = Math.max(3, Math.min(regsRows + 1, Math.floor(main * 0.4)));
      rows = [full('registers', regs), full('code', main - regs)];
      break;
    }
  }
  return { mode: 'named', width, height, rows: [...rows, full('output', out)] };
}

/** Tab order over what the layout shows (the default layout brings hidden panes into its side slot instead). */
export function focusOrder(layout: Layout, name: LayoutName): readonly FocusId[] {
  if (name === 'default') return FOCUS_ORDER;
  // Top to bottom, as the panes stand on the screen.
  return [...visiblePanes(layout), 'command'];
}

export type TuiCommand = { ok: true; actions: UiAction[]; echo: string } | { ok: false; message: string };

/**
 * `layout ...` / `focus ...` typed on the command line (any unique prefix, as the engine
 * takes commands), as UI actions; null for every other command (it goes to the session).
 */
export function tuiCommand(line: string, ui: UiState, layout: Layout): TuiCommand | null {
  const m = /^([A-Za-z-]+)\s*(.*)$/.exec(line.trim());
  if (!m) return null;
  const info = lookupCommand(m[1]!);
  if (!info || Array.isArray(info) || (info.name !== 'layout' && info.name !== 'focus')) return null;
  const arg = m[2]!.trim();
  if (info.name === 'layout') {
    const cur = CYCLE.indexOf(ui.layout);
    const name: string = arg === 'next' ? CYCLE[(cur + 1) % CYCLE.length]! : arg === 'prev' ? CYCLE[(cur + CYCLE.length - 1) % CYCLE.length]! : arg;
    if (!['default', ...CYCLE].includes(name))
      return { ok: false, message: `layout: expected asm, src, split, regs, default, next or prev${arg ? `, got '${arg}'` : ''}` };
    return { ok: true, actions: [{ kind: 'layout', name: name as LayoutName }], echo: `layout ${name}` };
  }
  if (arg === 'next' || arg === 'prev') {
    const to = nextFocus(focusOrder(layout, ui.layout), ui.focus, arg);
    return { ok: true, actions: [{ kind: 'focusTo', to }], echo: `focus ${to}` };
  }
  const to = FOCUS_WORDS[arg];
  if (!to)
    return {
      ok: false,
      message: `focus: expected asm, src, regs, cmd, next, prev or a pane (${Object.keys(TITLES).join(', ')})${arg ? `, got '${arg}'` : ''}`,
    };
  // The default layout shows any side pane once focused; a named layout shows only its own.
  const shown = to === 'command' || (ui.layout === 'default' ? to !== 'source' : visiblePanes(layout).includes(to));
  if (!shown)
    return {
      ok: false,
      message: `focus: no ${TITLES[to]} window in ${ui.layout === 'default' ? 'the default layout' : `layout ${ui.layout}`} (layout ${to === 'source' ? 'src or split' : to === 'registers' ? 'regs' : 'default'} shows it)`,
    };
  return { ok: true, actions: [{ kind: 'focusTo', to }], echo: `focus ${to}` };
}
