// The engine's yes/no questions (gdb's query: "Delete all breakpoints? (y or n)"): the
// App registers itself as the port's confirm, shows the question on the command line and
// in the output, and the keys answer it (useKeyBindings.ts: y yes; n, Esc or Ctrl-C no).
import { useEffect, useRef, useState } from 'react';
import type { SessionPort } from './sessionPort.ts';
import type { Note } from './useNotices.ts';

export interface PendingQuery {
  question: string;
  answer(yes: boolean): void;
}

export interface ConfirmQuery {
  /** The question shown, or null. */
  question: string | null;
  /** The question waiting for an answer now (for key handlers), or null. */
  pending(): PendingQuery | null;
}

export function useConfirmQuery(port: SessionPort, note: Note): ConfirmQuery {
  const query = useRef<PendingQuery | null>(null);
  const [question, setQuestion] = useState<string | null>(null);
  useEffect(() => {
    port.setConfirm?.(
      (q) =>
        new Promise<boolean>((resolve) => {
          note('info', q);
          setQuestion(q);
          query.current = {
            question: q,
            answer: (yes) => {
              query.current = null;
              setQuestion(null);
              note('info', yes ? 'y' : 'n');
              resolve(yes);
            },
          };
        }),
    );
    return () => port.setConfirm?.(null);
  }, [port, note]);
  return { question, pending: () => query.current };
}
