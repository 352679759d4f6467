// The TUI's presentational state (UiState and the command line) for the App. Keys can
// arrive faster than React re-renders (typing, pastes, tests), so a key handler must see
// the state the previous key left, not the last render's: the state lives in a ref, the
// reducers (uiState.ts, commandLine.ts) update it, and a counter forces the re-render.
import { useCallback, useReducer, useRef } from 'react';
import { commandLineReducer, initialCommandLine, type CommandLineAction, type CommandLineState } from './commandLine.ts';
import { initialUi, uiReducer, type UiAction, type UiState } from './uiState.ts';

export interface UiSnapshot {
  ui: UiState;
  cl: CommandLineState;
}

export interface UiStore extends UiSnapshot {
  /** The state now, with what keys changed since this render (for key handlers; `ui`/`cl` are this render's). */
  current(): UiSnapshot;
  dispatchUi(a: UiAction): void;
  dispatchCl(a: CommandLineAction): void;
}

export function useUiStore(history: string[] | undefined): UiStore {
  const store = useRef<UiSnapshot | null>(null);
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
  const current = useCallback(() => store.current!, []);
  return { ...store.current, current, dispatchUi, dispatchCl };
}
