// The prompt line, with a block cursor when focused and, while Tab is cycling, the
// candidate list on the row above.
import React from 'react';
import { Box, Text } from 'ink';
import type { CommandLineState } from '../commandLine.ts';
import { clip } from '../format.ts';
import { useTheme } from '../theme.ts';
import { PROMPT } from './OutputPane.tsx';

export interface CommandLineProps {
  state: CommandLineState;
  focused: boolean;
  width: number;
  /** The command being executed, if one is (shown instead of an idle prompt hint). */
  busy: string | null;
}

/** Rows the command line takes (the completion list adds one). */
export const commandLineRows = (s: CommandLineState): number => (s.completion && s.completion.candidates.length > 1 ? 2 : 1);

export function CommandLine({ state, focused, width, busy }: CommandLineProps): React.ReactElement {
  const theme = useTheme();
  const c = state.completion;
  const room = Math.max(1, width - PROMPT.length - 1);
  // Keep the cursor visible on long lines by scrolling the text horizontally.
  const off = Math.max(0, state.cursor - room + 1);
  const text = state.text.slice(off, off + room);
  const cur = state.cursor - off;
  const hint = busy ? `running ${busy}… Ctrl-C interrupts` : focused ? '' : ': command  ? help  q quit';
  return (
    <Box flexDirection="column" width={width}>
      {c && c.candidates.length > 1 ? (
        <Text wrap="truncate-end" color={theme.dim}>
          {clip(c.candidates.map((w, i) => (i === c.index ? `[${w}]` : w)).join('  '), width)}
        </Text>
      ) : null}
      <Text wrap="truncate-end">
        <Text bold color={focused ? theme.current : theme.dim}>
          {PROMPT}
        </Text>
        {focused ? (
          <>
            <Text>{text.slice(0, cur)}</Text>
            <Text inverse>{text[cur] ?? ' '}</Text>
            <Text>{text.slice(cur + 1)}</Text>
          </>
        ) : (
          <Text>{text}</Text>
        )}
        <Text color={busy ? theme.changed : theme.dim}>{hint ? clip(`  ${hint}`, Math.max(0, room - text.length)) : ''}</Text>
      </Text>
    </Box>
  );
}
