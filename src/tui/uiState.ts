// Presentational state of the TUI (focus, scroll, code cursor, help overlay) as a
// reducer. Nothing here is debugger state: that lives in the View.
import { FOCUS_ORDER, nextFocus, type FocusId, type PaneId } from './keymap.ts';
import { SECONDARY } from './layout.ts';
import type { LayoutName } from './layout.ts';

export interface UiState {
  focus: FocusId;
  /** Pane focused before the command line took focus (Esc returns there). */
  lastPane: PaneId;
  /** Secondary pane shown in the compact side slot. */
  side: PaneId;
  /** Top row per pane; null = default (top, or bottom for the output log). */
  scroll: Partial<Record<PaneId, number | null>>;
  /** Code pane cursor (index into View.disasm.lines); null follows the PC. */
  codeCursor: number | null;
  help: boolean;
  /** The `layout` chosen ('default': by terminal size). */
  layout: LayoutName;
  /** The command line was opened by typing a command in a pane (key mode): Enter returns to the pane. */
  fromKey?: boolean;
}

export type UiAction =
  /** Tab / Shift-Tab; `order` is the layout's (default: every pane, FOCUS_ORDER). */
  | { kind: 'focus'; to: 'next' | 'prev'; order?: readonly FocusId[] }
  /** `focus PANE` */
  | { kind: 'focusTo'; to: FocusId }
  | { kind: 'layout'; name: LayoutName }
  | { kind: 'focusCommand'; oneShot?: boolean }
  | { kind: 'leaveCommand' }
  | { kind: 'scroll'; pane: PaneId; by: number; max: number; from: number }
  | { kind: 'scrollTo'; pane: PaneId; to: 'top' | 'bottom' | 'current'; max: number }
  | { kind: 'cursor'; by: number; max: number; from: number }
  | { kind: 'followPc' }
  | { kind: 'help'; show: boolean };

export const initialUi: UiState = { focus: 'code', lastPane: 'code', side: 'registers', scroll: {}, codeCursor: null, help: false, layout: 'default' };

const clamp = (v: number, max: number): number => Math.max(0, Math.min(max, v));

export function uiReducer(s: UiState, a: UiAction): UiState {
  switch (a.kind) {
    case 'focus': {
      const focus = nextFocus(a.order ?? FOCUS_ORDER, s.focus, a.to);
      if (focus === 'command') return { ...s, focus, fromKey: false };
      return { ...s, focus, lastPane: focus, side: SECONDARY.includes(focus) ? focus : s.side };
    }
    case 'focusTo':
      if (a.to === 'command') return { ...s, focus: 'command', lastPane: s.focus === 'command' ? s.lastPane : s.focus, fromKey: false };
      return { ...s, focus: a.to, lastPane: a.to, side: SECONDARY.includes(a.to) ? a.to : s.side };
    case 'layout':
      // (App moves the keys to a pane the new layout shows.)
      return { ...s, layout: a.name };
    case 'focusCommand':
      return s.focus === 'command' ? s : { ...s, focus: 'command', lastPane: s.focus, fromKey: a.oneShot ?? false };
    case 'leaveCommand':
      return { ...s, focus: s.lastPane };
    case 'scroll':
      return { ...s, scroll: { ...s.scroll, [a.pane]: clamp(a.from + a.by, a.max) } };
    case 'scrollTo':
      if (a.to === 'current') return { ...s, scroll: { ...s.scroll, [a.pane]: null }, codeCursor: a.pane === 'code' ? null : s.codeCursor };
      return { ...s, scroll: { ...s.scroll, [a.pane]: a.to === 'top' ? 0 : a.max } };
    case 'cursor':
      return { ...s, codeCursor: clamp(a.from + a.by, a.max) };
    case 'followPc':
      return s.codeCursor === null ? s : { ...s, codeCursor: null };
    case 'help':
      return { ...s, help: a.show };
  }
}
