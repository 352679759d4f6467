// UI notices (an interrupt sent, a failed command, a TUI-only command and its error, the
// answer to a query) interleaved with the session's output, as pure functions. The TUI
// keeps them apart from the View (the engine never sees them) and merges them by seq.
import type { OutputLine } from '../debugger/view.ts';

/** Notices kept: the oldest go first (the output pane shows far fewer). */
export const NOTICES_KEPT = 200;

/** Session output and UI notices in time order (by seq; a notice's is fractional). */
export function withNotes(output: readonly OutputLine[], notes: readonly OutputLine[]): readonly OutputLine[] {
  if (notes.length === 0) return output;
  const first = output[0]?.seq ?? 0;
  return [...output, ...notes.filter((n) => n.seq >= first)].sort((a, b) => a.seq - b.seq);
}

/**
 * `notes` with one more notice, placed where it happened: after the session output line
 * `after` (its seq) and the notices already there, before whatever output comes next.
 */
export function addNotice(notes: readonly OutputLine[], after: number, kind: OutputLine['kind'], text: string): OutputLine[] {
  const earlier = notes.filter((x) => Math.floor(x.seq) === after).length;
  return [...notes, { seq: after + (earlier + 1) / 1000, kind, text }].slice(-NOTICES_KEPT);
}
