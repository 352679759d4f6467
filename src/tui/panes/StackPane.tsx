// The selected frame's slots, named: return address, saved rbp, counter slots, saved
// callee-saved registers, BPF stack bytes, the private-stack area and its guards.
import React from 'react';
import { Text } from 'ink';
import type { FrameSlot, View } from '../../debugger/view.ts';
import { clip, fpOff, padHex64, shortAddr, windowStart } from '../format.ts';
import { useTheme, type Theme } from '../theme.ts';
import { Empty, PaneFrame, bodyRows } from './PaneFrame.tsx';

export interface StackPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

function SlotRow({ s, width, theme }: { s: FrameSlot; width: number; theme: Theme }): React.ReactElement {
  const off = `${s.base}${fpOff(s.fpOff)}`.padEnd(10);
  const name = s.name.padEnd(15);
  const val = s.value !== null ? padHex64(s.value) : s.bytes;
  const note = s.note ? `  ${s.note}` : '';
  const wideAddr = width >= 70 ? `${shortAddr(s.addr)} ` : '';
  const hot = s.changed || s.alert;
  return (
    <Text wrap="truncate-end">
      <Text color={theme.address}>{wideAddr}</Text>
      <Text color={theme.dim}>{off}</Text>
      <Text bold={s.kind !== 'bpf-stack'}>{name}</Text>
      <Text
        color={s.alert ? theme.error : s.changed ? theme.changed : undefined}
        bold={hot}
        inverse={hot && !theme.color}
      >
        {clip(val, Math.max(0, width - wideAddr.length - 25))}
      </Text>
      <Text color={s.alert ? theme.error : theme.dim}>{note}</Text>
    </Text>
  );
}

export function StackPane({ view, focused, width, height, scroll = null }: StackPaneProps): React.ReactElement {
  const theme = useTheme();
  const fs = view.frameSlots;
  if (!fs) {
    return (
      <PaneFrame title="Stack" focused={focused} width={width} height={height}>
        <Empty text="no frame" />
      </PaneFrame>
    );
  }
  const rows = bodyRows(height);
  const start = windowStart(fs.slots.length, rows, null, scroll ?? 0);
  return (
    <PaneFrame title="Stack" info={`#${fs.level} ${fs.func} ${fs.fpReg}=${fs.fp}`} focused={focused} width={width} height={height}>
      {fs.slots.slice(start, start + rows).map((s, i) => (
        <SlotRow key={start + i} s={s} width={width - 1} theme={theme} />
      ))}
    </PaneFrame>
  );
}

export const stackRows = (view: View): number => view.frameSlots?.slots.length ?? 0;
