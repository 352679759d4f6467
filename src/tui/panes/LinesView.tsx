// Lines as Ink <Text> rows in a width x height box: how a pane or the whole screen shows
// under Ink (tests, ink-testing-library, the inline mode). The full-screen TUI writes
// the same Lines to the terminal itself (frameWriter.ts).
import React from 'react';
import { Box, Text } from 'ink';
import { printable, type Line } from '../styled.ts';

export function LinesView({ lines, width, height }: { lines: readonly Line[]; width: number; height: number }): React.ReactElement {
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      {lines.slice(0, height).map((l, i) => (
        <Text key={i} wrap="truncate-end">
          {l.length === 0
            ? ' '
            : l.map((s, j) => (
                <Text key={j} color={s.style.color} bold={s.style.bold} dimColor={s.style.dim} italic={s.style.italic} inverse={s.style.inverse}>
                  {printable(s.text)}
                </Text>
              ))}
        </Text>
      ))}
    </Box>
  );
}
