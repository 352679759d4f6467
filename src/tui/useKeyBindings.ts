// The App's keys: in a pane they go through the keymap (keymap.ts) to commands, scrolling
// and focus; on the command line they edit it (commandLine.ts) and Enter runs the line; a
// pending yes/no question takes y or n first. `layout` and `focus` are the TUI's own
// commands (tuiLayout.ts); every other line goes to the session as batch mode sends it.
// Handlers read everything fresh (store.current(), port.view()): see useUiStore.ts.
import { useCallback, useRef } from 'react';
import { useApp, useInput } from 'ink';
import { lineToRun } from './commandLine.ts';
import { mergeCompletions, viewCompletions } from './completion.ts';
import type { TermSize } from './hooks.ts';
import { keymap, splitInput, type KeyPress, type PaneId } from './keymap.ts';
import { pageRows, scrollAction, type ScrollBy } from './paneScroll.ts';
import { codeLineTarget } from './panes/CodePane.tsx';
import { screenLayout } from './screenRows.ts';
import type { SessionPort } from './sessionPort.ts';
import type { Theme } from './theme.ts';
import { focusOrder, tuiCommand, type TuiCommand } from './tuiLayout.ts';
import type { Commands } from './useCommandQueue.ts';
import type { ConfirmQuery } from './useConfirmQuery.ts';
import type { Notices } from './useNotices.ts';
import type { UiSnapshot, UiStore } from './useUiStore.ts';

export interface KeyBindings {
  port: SessionPort;
  store: UiStore;
  size: TermSize;
  theme: Theme;
  notices: Notices;
  commands: Commands;
  query: ConfirmQuery;
  /** Called when the user quits, before the Ink app exits. */
  onQuit: (() => void) | undefined;
}

export function useKeyBindings({ port, store, size, theme, notices, commands, query, onQuit }: KeyBindings): void {
  const { exit } = useApp();
  const { dispatchUi, dispatchCl } = store;
  const { note } = notices;
  const quitting = useRef(false);

  const quit = useCallback(() => {
    if (quitting.current) return;
    quitting.current = true;
    port.execute('quit').catch(() => undefined);
    onQuit?.();
    exit();
  }, [port, onQuit, exit]);

  const layoutOf = ({ ui, cl }: UiSnapshot) => screenLayout(port.view(), ui, cl, size.width, size.height);

  const scrollPane = (pane: PaneId, by: ScrollBy): void => {
    const s = store.current();
    dispatchUi(scrollAction(pane, by, { view: port.view(), layout: layoutOf(s), ui: s.ui, theme, notes: notices.rendered() }));
  };

  const applyTuiCommand = (line: string, tui: TuiCommand): void => {
    note('command', line);
    if (!tui.ok) return note('error', tui.message);
    for (const a of tui.actions) dispatchUi(a);
    // A layout without the focused pane gives the keys to its first pane.
    const s = store.current();
    const u = s.ui;
    const shown = layoutOf(s).rows.flatMap((r) => r.panes.map((p) => p.id));
    if (u.focus !== 'command' && !shown.includes(u.focus) && u.layout !== 'default') dispatchUi({ kind: 'focusTo', to: shown[0]! });
    if (u.focus === 'command' && !shown.includes(u.lastPane) && u.layout !== 'default') {
      dispatchUi({ kind: 'focusTo', to: shown[0]! });
      dispatchUi({ kind: 'focusTo', to: 'command' });
    }
  };

  const onCommandKey = (input: string, k: KeyPress): void => {
    const c = store.current().cl;
    if (k.return) {
      const line = lineToRun(c);
      dispatchCl({ kind: 'submit' });
      // Opened by a key in a pane: back to the pane, so the next s/n/i is a key again.
      if (store.current().ui.fromKey) dispatchUi({ kind: 'leaveCommand' });
      if (line === null) return;
      if (/^(q|quit)$/.test(line)) return quit();
      // `layout` and `focus` arrange the panes: the TUI's own business, not the session's.
      const s = store.current();
      const tui = tuiCommand(line, s.ui, layoutOf(s));
      if (tui) return applyTuiCommand(line, tui);
      return commands.submit(line);
    }
    if (k.escape) return dispatchUi({ kind: 'leaveCommand' });
    if (k.tab) {
      if (c.text.trim() === '' && !c.completion) {
        const u = store.current().ui;
        return dispatchUi({ kind: 'focus', to: k.shift ? 'prev' : 'next', order: focusOrder(layoutOf({ ui: u, cl: c }), u.layout) });
      }
      const before = c.text.slice(0, c.cursor);
      const candidates = mergeCompletions(port.completions(before), viewCompletions(port.view(), before));
      return dispatchCl({ kind: 'complete', candidates, backwards: !!k.shift });
    }
    if (k.ctrl) {
      if (input === 'd') return c.text === '' ? quit() : dispatchCl({ kind: 'deleteForward' });
      if (input === 'a') return dispatchCl({ kind: 'home' });
      if (input === 'e') return dispatchCl({ kind: 'end' });
      if (input === 'u') return dispatchCl({ kind: 'killLine' });
      if (input === 'w') return dispatchCl({ kind: 'killWord' });
      return;
    }
    if (k.upArrow) return dispatchCl({ kind: 'historyPrev' });
    if (k.downArrow) return dispatchCl({ kind: 'historyNext' });
    if (k.leftArrow) return dispatchCl({ kind: 'left' });
    if (k.rightArrow) return dispatchCl({ kind: 'right' });
    if (k.home) return dispatchCl({ kind: 'home' });
    if (k.end) return dispatchCl({ kind: 'end' });
    // PgUp/PgDn on the command line page the output, as gdb's TUI scrolls its command window.
    if (k.pageUp || k.pageDown) {
      const l = layoutOf({ ui: store.current().ui, cl: c });
      return scrollPane('output', (k.pageUp ? -1 : 1) * pageRows(l, 'output'));
    }
    // Terminals send DEL for Backspace, which Ink reports as `delete`.
    if (k.backspace || k.delete) return dispatchCl({ kind: 'backspace' });
    if (input && !k.meta && !/[\x00-\x1f\x7f]/.test(input)) dispatchCl({ kind: 'insert', text: input });
  };

  const onKey = (input: string, k: KeyPress): void => {
    const q = query.pending();
    if (q) {
      if (input === 'y' || input === 'Y') q.answer(true);
      else if (input === 'n' || input === 'N' || k.escape || (k.ctrl && input === 'c')) q.answer(false);
      return;
    }
    if (k.ctrl && input === 'c') return commands.interrupt();
    const s = store.current();
    const u = s.ui;
    if (u.help) return dispatchUi({ kind: 'help', show: false });
    if (u.focus === 'command') return onCommandKey(input, k);
    const pane = u.focus;
    const v = port.view();
    const cursorLine = u.codeCursor ?? v.disasm?.current ?? null;
    const l = layoutOf(s);
    const action = keymap(k, {
      focus: pane,
      cursor: cursorLine === null ? null : codeLineTarget(v, cursorLine),
      pageSize: pageRows(l, pane),
    });
    switch (action.kind) {
      case 'command':
        return commands.submit(action.command);
      case 'focus':
        return dispatchUi({ kind: 'focus', to: action.to, order: focusOrder(l, u.layout) });
      case 'commandLine':
        dispatchUi({ kind: 'focusCommand', oneShot: action.oneShot });
        if (action.initial) dispatchCl({ kind: 'insert', text: action.initial });
        return;
      case 'scroll':
        return scrollPane(pane, action.by);
      case 'scrollTo':
        return scrollPane(pane, action.to);
      case 'help':
        return dispatchUi({ kind: 'help', show: true });
      case 'interrupt':
        return commands.interrupt();
      case 'quit':
        return quit();
      case 'none':
        return;
    }
  };

  // Ink hands a chunk of keys over as one input: split it back into keys (keymap.ts).
  useInput((input, key) => {
    const keys = input.length > 1 ? splitInput(input) : [{ ...key, input }];
    for (const k of keys.length === 1 && keys[0]!.input === input ? [{ ...key, input }] : keys) onKey(k.input, k);
  });
}
