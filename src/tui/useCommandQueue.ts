// The App's command queue (commandQueue.ts) in React: `busy` for the command line, and
// its failures, overflows and interrupts as notices.
import { useCallback, useRef, useState } from 'react';
import { CommandQueue } from './commandQueue.ts';
import type { SessionPort } from './sessionPort.ts';
import type { Note } from './useNotices.ts';

export interface Commands {
  /** The command running, or null. */
  busy: string | null;
  /** Runs a command now, or after the ones typed before it. */
  submit(cmd: string): void;
  /** Ctrl-C: the engine stops the running command; the typed-ahead ones are dropped. */
  interrupt(): void;
}

export function useCommandQueue(port: SessionPort, note: Note): Commands {
  const [busy, setBusy] = useState<string | null>(null);
  // The queue outlives renders; it reaches the port and notices of the latest one.
  const latest = useRef({ port, note });
  latest.current = { port, note };
  const queue = useRef<CommandQueue | null>(null);
  queue.current ??= new CommandQueue({
    execute: (cmd) => latest.current.port.execute(cmd),
    busy: setBusy,
    failed: (cmd, message) => latest.current.note('error', `${cmd}: ${message}`),
    full: (running) => latest.current.note('info', `busy with ${running}: Ctrl-C interrupts it`),
  });
  const q = queue.current;
  const submit = useCallback((cmd: string) => q.submit(cmd), [q]);
  const interrupt = useCallback(() => {
    port.interrupt();
    const running = q.drop();
    if (running) note('info', `interrupt sent (${running})`);
  }, [port, note, q]);
  return { busy, submit, interrupt };
}
