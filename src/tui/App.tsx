// The TUI root: the one subscription to the session, the key handler, the layout, and
// the screen as rows of styled text (panes are pure functions of their slice; Screen
// hands the rows to the frame writer or to Ink). Debugger state comes only from the View;
// what lives here is presentational (focus, scroll, the command line). Keys become
// command strings and go to port.execute, exactly as batch mode sends them.
import React, { useCallback, useContext, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useApp, useInput } from 'ink';
import type { OutputLine, View } from '../debugger/view.ts';
import { commandLineReducer, initialCommandLine, lineToRun, type CommandLineAction, type CommandLineState } from './commandLine.ts';
import { mergeCompletions, viewCompletions } from './completion.ts';
import { useSessionView, useTerminalSize } from './hooks.ts';
import { keymap, splitInput, type KeyPress, type PaneId } from './keymap.ts';
import { computeLayout, paneHeight, type Layout } from './layout.ts';
import { callChainPaneLines } from './panes/CallChainPane.tsx';
import { codePaneLines, codeLineTarget } from './panes/CodePane.tsx';
import { commandLineLines, commandLineRows } from './panes/commandLineView.ts';
import { helpOverlayLines } from './panes/helpOverlay.ts';
import { buildMapRows, mapsPaneLines } from './panes/MapsPane.tsx';
import { displayPaneLines } from './panes/DisplayPane.tsx';
import { outputPaneLines } from './panes/OutputPane.tsx';
import { bodyRows } from './panes/paneFrame.ts';
import { buildPokeRows, pokesPaneLines } from './panes/PokesPane.tsx';
import { registersPaneLines, registersRows } from './panes/RegistersPane.tsx';
import { stackPaneLines, stackRows } from './panes/StackPane.tsx';
import { sourcePaneLines, sourceRows } from './panes/SourcePane.tsx';
import { focusOrder, namedLayout, tuiCommand } from './tuiLayout.ts';
import { statusBarLine } from './panes/statusBar.ts';
import { FrameSinkContext, Screen } from './screen.tsx';
import type { SessionPort } from './sessionPort.ts';
import { besides, type Line } from './styled.ts';
import { useTheme, type Theme } from './theme.ts';
import { initialUi, uiReducer, type UiAction, type UiState } from './uiState.ts';

export interface AppProps {
  port: SessionPort;
  /** Fixed size (tests, benchmarks); otherwise the terminal's, following resizes. */
  width?: number;
  height?: number;
  /** Command history to start with (e.g. from a previous session). */
  history?: string[];
  /** Called when the user quits, before the Ink app exits. */
  onQuit?: () => void;
}

/** Rows of content a pane has (scroll limits). */
function paneLength(view: View, pane: PaneId, width: number, theme: Theme, output: readonly OutputLine[]): number {
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

function paneWidth(l: Layout, id: PaneId): number {
  for (const r of l.rows) for (const p of r.panes) if (p.id === id) return p.width;
  return l.width;
}

/**
 * Commands typed ahead while one runs (a held key, a burst of `i`), at most: each runs, in
 * order, as gdb's readline keeps them (Ctrl-C drops them). The bound only stops a runaway.
 */
const TYPE_AHEAD = 1000;

/** Session output and UI notices in time order (by seq; a notice's is fractional). */
export function withNotes(output: readonly OutputLine[], notes: readonly OutputLine[]): readonly OutputLine[] {
  if (notes.length === 0) return output;
  const first = output[0]?.seq ?? 0;
  return [...output, ...notes.filter((n) => n.seq >= first)].sort((a, b) => a.seq - b.seq);
}

export function App({ port, width, height, history, onQuit }: AppProps): React.ReactElement {
  const view = useSessionView(port);
  const size = useTerminalSize(width, height, useContext(FrameSinkContext) ? 0 : 1);
  const theme = useTheme();
  const { exit } = useApp();
  // Keys can arrive faster than React re-renders (typing, pastes, tests), so the key
  // handler must see the state the previous key left, not the last render's: the
  // presentational state lives in a ref, and a counter forces the re-render.
  const store = useRef<{ ui: UiState; cl: CommandLineState } | null>(null);
  if (store.current === null) store.current = { ui: initialUi, cl: initialCommandLine(history ?? []) };
  const [, bump] = useReducer((n: number) => n + 1, 0);
  const dispatchUi = useCallback((a: UiAction) => {
    const s = store.current!;
    const ui = uiReducer(s.ui, a);
    if (ui !== s.ui) {
      store.current = { ...s, ui };
      bump();
    }
  }, []);
  const dispatchCl = useCallback((a: CommandLineAction) => {
    const s = store.current!;
    const cl = commandLineReducer(s.cl, a);
    if (cl !== s.cl) {
      store.current = { ...s, cl };
      bump();
    }
  }, []);
  const { ui, cl } = store.current;
  const [busy, setBusy] = useState<string | null>(null);
  const busyRef = useRef<string | null>(null);
  const [local, setLocal] = useState<OutputLine[]>([]);
  const quitting = useRef(false);

  // When the PC moves the code cursor comes back to it (gdb's TUI does the same); a View
  // that leaves the PC where it was (break, info, map) keeps the cursor.
  useEffect(() => dispatchUi({ kind: 'followPc' }), [view.location?.nativeAddr, view.disasm?.program, view.disasm?.func, dispatchUi]);

  const output = useMemo(() => withNotes(view.output, local), [view.output, local]);
  // A UI notice goes where it happened: after the session output it followed (its seq sits
  // between that line's and the next one's), not below everything that comes later.
  const note = useCallback(
    (kind: OutputLine['kind'], text: string) => {
      const after = port.view().output.at(-1)?.seq ?? 0;
      setLocal((l) => [...l, { seq: after + (l.filter((x) => Math.floor(x.seq) === after).length + 1) / 1000, kind, text }].slice(-200));
    },
    [port],
  );

  // The engine's yes/no questions (gdb's query): shown on the command line and in the
  // output; y answers yes, n, Esc or Ctrl-C no, other keys wait.
  const query = useRef<{ question: string; answer: (yes: boolean) => void } | null>(null);
  const [queryText, setQueryText] = useState<string | null>(null);
  useEffect(() => {
    port.setConfirm?.(
      (question) =>
        new Promise<boolean>((resolve) => {
          note('info', question);
          setQueryText(question);
          query.current = {
            question,
            answer: (yes) => {
              query.current = null;
              setQueryText(null);
              note('info', yes ? 'y' : 'n');
              resolve(yes);
            },
          };
        }),
    );
    return () => port.setConfirm?.(null);
  }, [port, note]);

  // Keys that arrive while a command runs are typed ahead, as gdb's readline keeps them:
  // they run in order once it finishes (Ctrl-C drops them). A few at most.
  const typedAhead = useRef<string[]>([]);
  const run = useCallback(
    (cmd: string) => {
      busyRef.current = cmd;
      setBusy(cmd);
      const done = (): void => {
        busyRef.current = null;
        setBusy(null);
        const next = typedAhead.current.shift();
        if (next !== undefined) run(next);
      };
      port.execute(cmd).then(done, (e: unknown) => {
        note('error', `${cmd}: ${e instanceof Error ? e.message : String(e)}`);
        typedAhead.current = [];
        done();
      });
    },
    [port, note],
  );

  const quit = useCallback(() => {
    if (quitting.current) return;
    quitting.current = true;
    port.execute('quit').catch(() => undefined);
    onQuit?.();
    exit();
  }, [port, onQuit, exit]);

  const interrupt = useCallback(() => {
    port.interrupt();
    typedAhead.current = [];
    if (busyRef.current) note('info', `interrupt sent (${busyRef.current})`);
  }, [port, note]);

  const sideOf = (u: UiState): PaneId => (u.focus === 'command' || u.focus === 'code' || u.focus === 'output' ? u.side : u.focus);
  const layoutOf = (u: UiState, c: CommandLineState): Layout =>
    u.layout === 'default'
      ? computeLayout(size.width, size.height, sideOf(u), commandLineRows(c) - 1)
      : namedLayout(size.width, size.height, u.layout, commandLineRows(c) - 1, registersRows(port.view(), size.width));
  const layout = layoutOf(ui, cl);
  const localRef = useRef(local);
  localRef.current = local;

  // Handlers read everything fresh (store, port.view(), refs): see the store comment.
  const scrollPane = (pane: PaneId, by: number | 'top' | 'bottom' | 'current'): void => {
    const { ui: u, cl: c } = store.current!;
    const v = port.view();
    const l = layoutOf(u, c);
    const w = paneWidth(l, pane);
    const rows = bodyRows(paneHeight(l, pane));
    const len = paneLength(v, pane, w, theme, pane === 'output' ? withNotes(v.output, localRef.current) : []);
    if (pane === 'code') {
      const max = Math.max(0, len - 1);
      const from = u.codeCursor ?? v.disasm?.current ?? 0;
      if (by === 'current') dispatchUi({ kind: 'followPc' });
      else if (by === 'top') dispatchUi({ kind: 'cursor', by: -from, max, from });
      else if (by === 'bottom') dispatchUi({ kind: 'cursor', by: max - from, max, from });
      else dispatchUi({ kind: 'cursor', by, max, from });
      return;
    }
    const max = Math.max(0, len - rows);
    if (typeof by === 'number') {
      // Panes that default to their end (output, call chain) scroll from there.
      const dflt = pane === 'output' || pane === 'chain' ? max : 0;
      dispatchUi({ kind: 'scroll', pane, by, max, from: u.scroll[pane] ?? dflt });
    } else {
      dispatchUi({ kind: 'scrollTo', pane, to: by, max });
    }
  };

  const runUnlessBusy = (cmd: string): void => {
    if (!busyRef.current) return run(cmd);
    if (typedAhead.current.length < TYPE_AHEAD) typedAhead.current.push(cmd);
    else note('info', `busy with ${busyRef.current}: Ctrl-C interrupts it`);
  };

  const applyTuiCommand = (line: string, tui: NonNullable<ReturnType<typeof tuiCommand>>): void => {
    note('command', line);
    if (!tui.ok) return note('error', tui.message);
    for (const a of tui.actions) dispatchUi(a);
    // A layout without the focused pane gives the keys to its first pane.
    const { ui: u, cl: c } = store.current!;
    const shown = layoutOf(u, c).rows.flatMap((r) => r.panes.map((p) => p.id));
    if (u.focus !== 'command' && !shown.includes(u.focus) && u.layout !== 'default') dispatchUi({ kind: 'focusTo', to: shown[0]! });
    if (u.focus === 'command' && !shown.includes(u.lastPane) && u.layout !== 'default') {
      dispatchUi({ kind: 'focusTo', to: shown[0]! });
      dispatchUi({ kind: 'focusTo', to: 'command' });
    }
  };

  const onCommandKey = (input: string, k: KeyPress): void => {
    const c = store.current!.cl;
    if (k.return) {
      const line = lineToRun(c);
      dispatchCl({ kind: 'submit' });
      // Opened by a key in a pane: back to the pane, so the next s/n/i is a key again.
      if (store.current!.ui.fromKey) dispatchUi({ kind: 'leaveCommand' });
      if (line === null) return;
      if (/^(q|quit)$/.test(line)) return quit();
      // `layout` and `focus` arrange the panes: the TUI's own business, not the session's.
      const ui = store.current!.ui;
      const tui = tuiCommand(line, ui, layoutOf(ui, store.current!.cl));
      if (tui) return applyTuiCommand(line, tui);
      return runUnlessBusy(line);
    }
    if (k.escape) return dispatchUi({ kind: 'leaveCommand' });
    if (k.tab) {
      if (c.text.trim() === '' && !c.completion) {
        const u = store.current!.ui;
        return dispatchUi({ kind: 'focus', to: k.shift ? 'prev' : 'next', order: focusOrder(layoutOf(u, c), u.layout) });
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
    if (k.pageUp || k.pageDown) {
      const l = layoutOf(store.current!.ui, c);
      return scrollPane('output', (k.pageUp ? -1 : 1) * Math.max(1, bodyRows(paneHeight(l, 'output')) - 1));
    }
    // Terminals send DEL for Backspace, which Ink reports as `delete`.
    if (k.backspace || k.delete) return dispatchCl({ kind: 'backspace' });
    if (input && !k.meta && !/[\x00-\x1f\x7f]/.test(input)) dispatchCl({ kind: 'insert', text: input });
  };

  useInput((input, key) => {
    const keys = input.length > 1 ? splitInput(input) : [{ ...key, input }];
    for (const k of keys.length === 1 && keys[0]!.input === input ? [{ ...key, input }] : keys) onKey(k.input, k);
  });

  function onKey(input: string, k: KeyPress): void {
    const q = query.current;
    if (q) {
      if (input === 'y' || input === 'Y') q.answer(true);
      else if (input === 'n' || input === 'N' || k.escape || (k.ctrl && input === 'c')) q.answer(false);
      return;
    }
    if (k.ctrl && input === 'c') return interrupt();
    const u = store.current!.ui;
    if (u.help) return dispatchUi({ kind: 'help', show: false });
    if (u.focus === 'command') return onCommandKey(input, k);
    const pane = u.focus;
    const v = port.view();
    const cursorLine = u.codeCursor ?? v.disasm?.current ?? null;
    const l = layoutOf(u, store.current!.cl);
    const action = keymap(k, {
      focus: pane,
      cursor: cursorLine === null ? null : codeLineTarget(v, cursorLine),
      pageSize: Math.max(1, bodyRows(paneHeight(l, pane)) - 1),
    });
    switch (action.kind) {
      case 'command':
        return runUnlessBusy(action.command);
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
        return interrupt();
      case 'quit':
        return quit();
      case 'none':
        return;
    }
  }

  const gridHeight = layout.rows.reduce((n, r) => n + r.height, 0);
  const paneLines = (id: PaneId, w: number, h: number): Line[] => {
    const focused = ui.focus === id;
    const scroll = ui.scroll[id] ?? null;
    switch (id) {
      case 'code':
        return codePaneLines({ view, focused, width: w, height: h, cursor: ui.codeCursor }, theme);
      case 'registers':
        return registersPaneLines({ view, focused, width: w, height: h, scroll }, theme);
      case 'stack':
        return stackPaneLines({ view, focused, width: w, height: h, scroll }, theme);
      case 'pokes':
        return pokesPaneLines({ view, focused, width: w, height: h, scroll }, theme);
      case 'chain':
        return callChainPaneLines({ view, focused, width: w, height: h, scroll }, theme);
      case 'maps':
        return mapsPaneLines({ view, focused, width: w, height: h, scroll }, theme);
      case 'display':
        return displayPaneLines({ view, focused, width: w, height: h, scroll }, theme);
      case 'output':
        return outputPaneLines({ lines: output, focused, width: w, height: h, scroll }, theme);
      case 'source':
        return sourcePaneLines({ view, focused, width: w, height: h, scroll }, theme);
    }
  };

  // The screen, top to bottom: status bar, the pane grid (or the help), the command line.
  // Every render lays out every pane, typing included: that is well under a millisecond
  // at 200x60, and the frame writer sends the terminal only the rows that changed.
  const rows: Line[] = [statusBarLine(view, size.width, theme)];
  if (ui.help) {
    const help = helpOverlayLines(size.width, gridHeight, theme, view);
    for (let y = 0; y < gridHeight; y++) rows.push(help[y] ?? []);
  } else {
    for (const row of layout.rows) {
      rows.push(
        ...besides(
          row.panes.map((p) => ({ lines: paneLines(p.id, p.width, row.height), width: p.width })),
          row.height,
        ),
      );
    }
  }
  rows.push(...commandLineLines({ state: cl, focused: ui.focus === 'command', width: size.width, busy, query: queryText }, theme));
  return <Screen rows={rows.slice(0, size.height)} width={size.width} height={size.height} />;
}

export type { CommandLineState };
