// The selected frame's slots, named: return address, saved rbp, counter slots, saved
// callee-saved registers, BPF stack bytes, the private-stack area and its guards.
import React from 'react';
import type { FrameSlot, View } from '../../debugger/view.ts';
import { clip, fpOff, padHex64, shortAddr, windowStart } from '../format.ts';
import { span, type Line } from '../styled.ts';
import { useTheme, type Theme } from '../theme.ts';
import { LinesView } from './LinesView.tsx';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

export interface StackPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

/** Name column: the longest name in the frame plus a space ('tail_call_cnt_ptr' is 17), 12 to 22. */
const nameWidth = (slots: readonly FrameSlot[]): number => Math.min(22, Math.max(12, ...slots.map((s) => s.name.length + 1)));

function slotRow(s: FrameSlot, width: number, nameW: number, theme: Theme): Line {
  const off = `${s.base}${fpOff(s.fpOff)}`.padEnd(10);
  const name = clip(s.name, nameW - 1).padEnd(nameW);
  const val = s.value !== null ? padHex64(s.value) : s.bytes;
  const note = s.note ? `  ${s.note}` : '';
  const wideAddr = width >= 70 ? `${shortAddr(s.addr)} ` : '';
  const hot = s.changed || s.alert;
  return [
    span(wideAddr, { color: theme.address }),
    span(off, { color: theme.dim }),
    span(name, { bold: s.kind !== 'bpf-stack' }),
    span(clip(val, Math.max(0, width - wideAddr.length - 10 - nameW)), {
      color: s.alert ? theme.error : s.changed ? theme.changed : undefined,
      bold: hot,
      inverse: hot && !theme.color,
    }),
    span(note, { color: s.alert ? theme.error : theme.dim }),
  ];
}

export function stackPaneLines({ view, focused, width, height, scroll = null }: StackPaneProps, theme: Theme): Line[] {
  const fs = view.frameSlots;
  if (!fs) return paneFrame({ title: 'Stack', focused, width, height }, [emptyLine('no frame', theme)], theme);
  const rows = bodyRows(height);
  const start = windowStart(fs.slots.length, rows, null, scroll ?? 0);
  const nameW = nameWidth(fs.slots);
  const body = fs.slots.slice(start, start + rows).map((s) => slotRow(s, width - 1, nameW, theme));
  return paneFrame({ title: 'Stack', info: `#${fs.level} ${fs.func} ${fs.fpReg}=${fs.fp}`, focused, width, height }, body, theme);
}

export function StackPane(props: StackPaneProps): React.ReactElement {
  return <LinesView lines={stackPaneLines(props, useTheme())} width={props.width} height={props.height} />;
}

export const stackRows = (view: View): number => view.frameSlots?.slots.length ?? 0;
