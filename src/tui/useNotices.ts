// The App's UI notices (notices.ts): kept in React state, merged into the session output
// the output pane shows.
import { useCallback, useMemo, useRef, useState } from 'react';
import type { OutputLine } from '../debugger/view.ts';
import { addNotice, withNotes } from './notices.ts';
import type { SessionPort } from './sessionPort.ts';

export type Note = (kind: OutputLine['kind'], text: string) => void;

export interface Notices {
  /** The session's output with the notices, in time order. */
  output: readonly OutputLine[];
  /** The notices as last rendered (for key handlers, which read everything fresh). */
  rendered(): readonly OutputLine[];
  /** Adds a notice after the session output shown now. */
  note: Note;
}

export function useNotices(port: SessionPort, sessionOutput: readonly OutputLine[]): Notices {
  const [notes, setNotes] = useState<OutputLine[]>([]);
  const output = useMemo(() => withNotes(sessionOutput, notes), [sessionOutput, notes]);
  // A UI notice goes where it happened: after the session output it followed (its seq sits
  // between that line's and the next one's), not below everything that comes later.
  const note = useCallback<Note>(
    (kind, text) => {
      const after = port.view().output.at(-1)?.seq ?? 0;
      setNotes((l) => addNotice(l, after, kind, text));
    },
    [port],
  );
  const latest = useRef(notes);
  latest.current = notes;
  const rendered = useCallback(() => latest.current, []);
  return { output, rendered, note };
}
