// The TUI root, as a composition: the one subscription to the session, the presentational
// state (useUiStore.ts: focus, scroll, the command line), the notices and the engine's
// questions, the command queue, the keys (useKeyBindings.ts), and the screen as rows of
// styled text (screenRows.ts), which Screen hands to the frame writer or to Ink. Debugger
// state comes only from the View; keys become command strings for port.execute, exactly
// as batch mode sends them.
import React, { useContext, useEffect } from 'react';
import { useSessionView, useTerminalSize } from './hooks.ts';
import { FrameSinkContext, Screen } from './screen.tsx';
import { screenRows } from './screenRows.ts';
import type { SessionPort } from './sessionPort.ts';
import { useTheme } from './theme.ts';
import { useCommandQueue } from './useCommandQueue.ts';
import { useConfirmQuery } from './useConfirmQuery.ts';
import { useKeyBindings } from './useKeyBindings.ts';
import { useNotices } from './useNotices.ts';
import { useUiStore } from './useUiStore.ts';

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

export function App({ port, width, height, history, onQuit }: AppProps): React.ReactElement {
  const view = useSessionView(port);
  const size = useTerminalSize(width, height, useContext(FrameSinkContext) ? 0 : 1);
  const theme = useTheme();
  const store = useUiStore(history);
  // When the PC moves the code cursor comes back to it (gdb's TUI does the same); a View
  // that leaves the PC where it was (break, info, map) keeps the cursor.
  const { dispatchUi } = store;
  useEffect(() => dispatchUi({ kind: 'followPc' }), [view.location?.nativeAddr, view.disasm?.program, view.disasm?.func, dispatchUi]);
  const notices = useNotices(port, view.output);
  const query = useConfirmQuery(port, notices.note);
  const commands = useCommandQueue(port, notices.note);
  useKeyBindings({ port, store, size, theme, notices, commands, query, onQuit });
  const rows = screenRows(
    { view, ui: store.ui, cl: store.cl, width: size.width, height: size.height, output: notices.output, busy: commands.busy, query: query.question },
    theme,
  );
  return <Screen rows={rows} width={size.width} height={size.height} />;
}
