// One row: arch and profile, where the PC is, why it stopped (or progress while running).
import React from 'react';
import { Text } from 'ink';
import type { View } from '../../debugger/view.ts';
import { describeLocation, describeRun } from '../describe.ts';
import { fit } from '../format.ts';
import { useTheme } from '../theme.ts';

export function StatusBar({ view, width }: { view: View; width: number }): React.ReactElement {
  const theme = useTheme();
  const left = ` bpfdbg  ${view.arch} ${view.profile.name}`;
  const where = describeLocation(view.location);
  const run = describeRun(view);
  const right = '? help ';
  const mid = [where, run].filter(Boolean).join('  |  ');
  const body = fit(`${left}  |  ${mid}`, Math.max(0, width - right.length)) + right;
  const alarm = view.stop?.kind === 'fault' || view.stop?.kind === 'poke';
  return (
    <Text inverse bold color={alarm ? theme.error : theme.title} wrap="truncate-end">
      {fit(body, width)}
    </Text>
  );
}
