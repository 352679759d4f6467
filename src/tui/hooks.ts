// The TUI's two subscriptions: the session's View and the terminal's size.
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { useStdout } from 'ink';
import type { View } from '../debugger/view.ts';
import type { SessionPort } from './sessionPort.ts';

/** The current View; re-renders only when the port hands out a new View object. */
export function useSessionView(port: SessionPort): View {
  // Bound here: an engine class's methods lose `this` when passed bare.
  const subscribe = useMemo(() => (fn: () => void) => port.subscribe(fn), [port]);
  const get = useMemo(() => () => port.view(), [port]);
  return useSyncExternalStore(subscribe, get, get);
}

export interface TermSize {
  width: number;
  height: number;
}

/**
 * Terminal size, following resizes, less `spareRows` at the bottom. When Ink draws the
 * frame (tests, inline mode) one row stays free: Ink clears the whole terminal on every
 * frame once its output is as tall as the terminal. The frame writer draws every row.
 */
export function useTerminalSize(fixedWidth?: number, fixedHeight?: number, spareRows = 1): TermSize {
  const { stdout } = useStdout();
  const read = (): TermSize => ({
    width: fixedWidth ?? (stdout.columns || 80),
    height: fixedHeight ?? Math.max(1, (stdout.rows || 24) - spareRows),
  });
  const [size, setSize] = useState<TermSize>(read);
  useEffect(() => {
    if (fixedWidth !== undefined && fixedHeight !== undefined) return;
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout, fixedWidth, fixedHeight, spareRows]);
  return size;
}
