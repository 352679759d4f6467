// The log of commands and their output. A full-screen TUI cannot use <Static> (it
// prints above the frame and scrolls the alternate screen), so the log is a pane that
// follows its end unless scrolled.
import React from 'react';
import { Text } from 'ink';
import type { OutputLine } from '../../debugger/view.ts';
import { clip } from '../format.ts';
import { useTheme } from '../theme.ts';
import { PaneFrame, bodyRows } from './PaneFrame.tsx';

export interface OutputPaneProps {
  lines: readonly OutputLine[];
  focused: boolean;
  width: number;
  height: number;
  /** Top row; null follows the end. */
  scroll?: number | null;
}

export const PROMPT = '(bpfdbg) ';

export function OutputPane({ lines, focused, width, height, scroll = null }: OutputPaneProps): React.ReactElement {
  const theme = useTheme();
  const rows = bodyRows(height);
  const maxStart = Math.max(0, lines.length - rows);
  const start = scroll === null ? maxStart : Math.min(scroll, maxStart);
  return (
    <PaneFrame title="Output" info={scroll === null ? undefined : `${start + 1}-${Math.min(lines.length, start + rows)}/${lines.length}`} focused={focused} width={width} height={height}>
      {lines.slice(start, start + rows).map((l) => (
        <Text
          key={l.seq}
          wrap="truncate-end"
          color={l.kind === 'error' ? theme.error : l.kind === 'info' ? theme.dim : undefined}
          bold={l.kind === 'command' || (l.kind === 'error' && !theme.color)}
        >
          {clip(l.kind === 'command' ? PROMPT + l.text : l.text, width - 1)}
        </Text>
      ))}
    </PaneFrame>
  );
}
