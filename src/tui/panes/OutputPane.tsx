// The log of commands and their output. A full-screen TUI cannot print above its frame
// (that would scroll the alternate screen), so the log is a pane that follows its end
// unless scrolled.
import type { OutputLine } from '../../debugger/view.ts';
import { clip } from '../format.ts';
import { line, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, paneFrame } from './paneFrame.ts';

export interface OutputPaneProps {
  lines: readonly OutputLine[];
  focused: boolean;
  width: number;
  height: number;
  /** Top row; null follows the end. */
  scroll?: number | null;
}

export const PROMPT = '(bpfdbg) ';

export function outputPaneLines({ lines, focused, width, height, scroll = null }: OutputPaneProps, theme: Theme): Line[] {
  const rows = bodyRows(height);
  const maxStart = Math.max(0, lines.length - rows);
  const start = scroll === null ? maxStart : Math.min(scroll, maxStart);
  const info = scroll === null ? undefined : `${start + 1}-${Math.min(lines.length, start + rows)}/${lines.length}`;
  const body = lines.slice(start, start + rows).map((l) =>
    line(clip(l.kind === 'command' ? PROMPT + l.text : l.text, width - 1), {
      color: l.kind === 'error' ? theme.error : l.kind === 'info' ? theme.dim : undefined,
      bold: l.kind === 'command' || (l.kind === 'error' && !theme.color),
    }),
  );
  return paneFrame({ title: 'Output', info, focused, width, height }, body, theme);
}
