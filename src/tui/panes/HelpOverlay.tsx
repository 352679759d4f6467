// `?`: every key, from the same table the keymap documents.
import React from 'react';
import { Box, Text } from 'ink';
import { KEY_HELP } from '../keymap.ts';
import { clip } from '../format.ts';
import { PaneFrame } from './PaneFrame.tsx';

export function HelpOverlay({ width, height }: { width: number; height: number }): React.ReactElement {
  const keyW = Math.max(...KEY_HELP.map((k) => k.keys.length)) + 2;
  return (
    <PaneFrame title="Keys (any key closes)" focused width={width} height={height}>
      <Box flexDirection="column">
        {KEY_HELP.map((k) => (
          <Text key={k.keys} wrap="truncate-end">
            <Text bold>{k.keys.padEnd(keyW)}</Text>
            {clip(k.does, Math.max(0, width - keyW - 1))}
          </Text>
        ))}
        <Text> </Text>
        <Text wrap="truncate-end">{clip('Commands are gdb-like: break PROG:INSN, info pokes, map jmp_table 0 prog_b, x/8gx ADDR, help', width - 1)}</Text>
      </Box>
    </PaneFrame>
  );
}
