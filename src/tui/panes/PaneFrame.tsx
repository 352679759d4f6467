// A pane: a one-row title (inverse when focused) over `height - 1` rows of content.
// No borders: at 80x24 every row and column counts.
import React from 'react';
import { Box, Text } from 'ink';
import { fit } from '../format.ts';
import { useTheme } from '../theme.ts';

export interface PaneFrameProps {
  title: string;
  /** Right-hand part of the title row (frame, counts). */
  info?: string;
  focused: boolean;
  width: number;
  height: number;
  children?: React.ReactNode;
}

export function PaneFrame({ title, info, focused, width, height, children }: PaneFrameProps): React.ReactElement {
  const theme = useTheme();
  const head = ` ${title}${focused ? ' *' : ''} `;
  const rest = info ? ` ${info}` : '';
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text inverse={focused} bold color={focused ? undefined : theme.title} wrap="truncate-end">
        {fit(head + rest, width)}
      </Text>
      <Box flexDirection="column" width={width} height={Math.max(0, height - 1)} paddingRight={1}>
        {children}
      </Box>
    </Box>
  );
}

/** Content rows a pane of `height` shows. */
export const bodyRows = (height: number): number => Math.max(0, height - 1);

export function Empty({ text }: { text: string }): React.ReactElement {
  const theme = useTheme();
  return (
    <Text dimColor={!theme.color} color={theme.dim} wrap="truncate-end">
      {text}
    </Text>
  );
}
