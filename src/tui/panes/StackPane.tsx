// The selected frame's slots, named: return address, saved rbp, counter slots, saved
// callee-saved registers, BPF stack bytes, the private-stack area and its guards.
import type { FrameSlot, View } from '../../debugger/view.ts';
import { clip, fpOff, padHex64, shortAddr, windowStart } from '../format.ts';
import { span, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

export interface StackPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

const offText = (s: FrameSlot): string => `${s.base}${fpOff(s.fpOff)}`;

/**
 * Column widths: the offset ('rbp-0x10') and the name ('tail_call_cnt_ptr') as wide as the
 * frame's longest plus a space; the name at most 22, and narrower in a narrow pane so a
 * full 64-bit value (18 characters) still fits; at least 10.
 */
function columns(slots: readonly FrameSlot[], width: number): { offW: number; nameW: number } {
  const offW = Math.max(0, ...slots.map((s) => offText(s).length + 1));
  const longest = Math.max(0, ...slots.map((s) => s.name.length + 1));
  return { offW, nameW: Math.max(10, Math.min(22, width - offW - 18, longest)) };
}

function slotRow(s: FrameSlot, width: number, { offW, nameW }: { offW: number; nameW: number }, theme: Theme): Line {
  const off = offText(s).padEnd(offW);
  const name = clip(s.name, nameW - 1).padEnd(nameW);
  const val = s.value !== null ? padHex64(s.value) : s.bytes;
  const wideAddr = width >= 70 ? `${shortAddr(s.addr)} ` : '';
  // The note takes what is left after the value (cut there, not into the value).
  const left = width - wideAddr.length - offW - nameW - val.length;
  const note = s.note && left >= 4 ? clip(`  ${s.note}`, left) : '';
  const hot = s.changed || s.alert;
  return [
    span(wideAddr, { color: theme.address }),
    span(off, { color: theme.dim }),
    span(name, { bold: s.kind !== 'bpf-stack' }),
    span(clip(val, Math.max(0, width - wideAddr.length - offW - nameW)), {
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
  const cols = columns(fs.slots, width - 1);
  const body = fs.slots.slice(start, start + rows).map((s) => slotRow(s, width - 1, cols, theme));
  return paneFrame({ title: 'Stack', info: `#${fs.level} ${fs.func} ${fs.fpReg}=${fs.fp}`, focused, width, height }, body, theme);
}

export const stackRows = (view: View): number => view.frameSlots?.slots.length ?? 0;
