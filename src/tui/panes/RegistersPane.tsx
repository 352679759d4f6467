// Native registers with the BPF register each holds, side by side with R0-R10 when wide;
// changed values highlighted; r9 as the private frame pointer and the tail-call counter
// called out on their own rows.
import React from 'react';
import { Box, Text } from 'ink';
import type { BpfRegister, NativeRegister, View } from '../../debugger/view.ts';
import { describeTcc } from '../describe.ts';
import { clip, padHex64, windowStart } from '../format.ts';
import { useTheme, type Theme } from '../theme.ts';
import { Empty, PaneFrame, bodyRows } from './PaneFrame.tsx';

export interface RegistersPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  /** Top row (presentational scroll); null = top. */
  scroll?: number | null;
}

const Val = ({ value, changed, theme }: { value: string; changed: boolean; theme: Theme }): React.ReactElement => (
  <Text color={changed ? theme.changed : undefined} bold={changed} inverse={changed && !theme.color}>
    {padHex64(value)}
  </Text>
);

function NativeRow({ r, theme }: { r: NativeRegister; theme: Theme }): React.ReactElement {
  const tag = r.bpf ?? (r.role === 'private frame pointer' ? 'pfp' : r.role === 'tail-call counter' ? 'tcc' : '');
  return (
    <Text wrap="truncate-end">
      {r.name.padEnd(7)}
      <Val value={r.value} changed={r.changed} theme={theme} />
      <Text color={theme.dim}> {tag}</Text>
    </Text>
  );
}

function BpfRow({ r, theme }: { r: BpfRegister; theme: Theme }): React.ReactElement {
  return (
    <Text wrap="truncate-end">
      <Text bold>{r.name.padEnd(4)}</Text>
      <Text color={theme.dim}>{r.native.padEnd(4)}</Text>
      <Val value={r.value} changed={r.changed} theme={theme} />
    </Text>
  );
}

export function RegistersPane({ view, focused, width, height, scroll = null }: RegistersPaneProps): React.ReactElement {
  const theme = useTheme();
  const regs = view.registers;
  const rows = bodyRows(height);
  if (!regs) {
    return (
      <PaneFrame title="Registers" focused={focused} width={width} height={height}>
        <Empty text="no registers: not running" />
      </PaneFrame>
    );
  }
  const inner = width - 1;
  const callouts: React.ReactElement[] = [];
  const pfp = regs.privateFramePointer;
  if (pfp) {
    callouts.push(
      <Text key="pfp" wrap="truncate-end" color={theme.tailCall}>
        {clip(`${pfp.reg} = private frame pointer (R10) ${pfp.areaLo}..${pfp.areaHi}`, inner)}
      </Text>,
    );
  }
  const t = regs.tailCallCounter;
  if (t) {
    callouts.push(
      <Text key="tcc" wrap="truncate-end">
        <Text bold color={t.changed ? theme.changed : theme.tailCall} inverse={t.changed && !theme.color}>
          {describeTcc(t)}
        </Text>
        <Text> {clip(t.describe, Math.max(0, inner - 14))}</Text>
      </Text>,
    );
  }
  if (regs.flags.length) callouts.push(<Text key="fl" wrap="truncate-end">{clip(`flags ${regs.flags.join(' ')}`, inner)}</Text>);

  // Wide: native | BPF in two columns; narrow: one list, BPF names as tags.
  const twoCol = inner >= 56;
  const colRows = twoCol ? Math.max(regs.native.length, regs.bpf.length) : regs.native.length;
  const total = callouts.length + colRows;
  const start = windowStart(total, rows, null, scroll ?? 0);
  const calloutShown = callouts.slice(start, start + rows);
  const listStart = Math.max(0, start - callouts.length);
  const listRows = rows - calloutShown.length;
  const natives = regs.native.slice(listStart, listStart + listRows);
  const title = twoCol ? 'Registers   native | BPF' : 'Registers';
  return (
    <PaneFrame title={title} info={view.arch} focused={focused} width={width} height={height}>
      {calloutShown}
      {twoCol ? (
        <Box flexDirection="row">
          <Box flexDirection="column" width={30} flexShrink={0}>
            {natives.map((r) => (
              <NativeRow key={r.name} r={r} theme={theme} />
            ))}
          </Box>
          <Box flexDirection="column" width={inner - 30} flexShrink={0}>
            {regs.bpf.slice(listStart, listStart + listRows).map((r) => (
              <BpfRow key={r.name} r={r} theme={theme} />
            ))}
          </Box>
        </Box>
      ) : (
        natives.map((r) => <NativeRow key={r.name} r={r} theme={theme} />)
      )}
    </PaneFrame>
  );
}

/** Rows the pane's content needs (for scroll limits). */
export function registersRows(view: View, width: number): number {
  const r = view.registers;
  if (!r) return 0;
  const callouts = (r.privateFramePointer ? 1 : 0) + (r.tailCallCounter ? 1 : 0) + (r.flags.length ? 1 : 0);
  return callouts + (width - 1 >= 56 ? Math.max(r.native.length, r.bpf.length) : r.native.length);
}
