// Native registers with the BPF register each holds, side by side with R0-R10 when wide;
// changed values highlighted; r9 as the private frame pointer and the tail-call counter
// called out on their own rows.
import type { BpfRegister, NativeRegister, View } from '../../debugger/view.ts';
import { describeTcc } from '../describe.ts';
import { clip, padHex64, windowStart } from '../format.ts';
import { besides, line, span, type Line, type Span } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

export interface RegistersPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  /** Top row (presentational scroll); null = top. */
  scroll?: number | null;
}

/** Width of the native column when BPF registers get their own. */
const NATIVE_COL = 30;

const val = (value: string, changed: boolean, theme: Theme): Span =>
  span(padHex64(value), { color: changed ? theme.changed : undefined, bold: changed, inverse: changed && !theme.color });

function nativeRow(r: NativeRegister, theme: Theme): Line {
  const tag = r.bpf ?? (r.role === 'private frame pointer' ? 'pfp' : r.role === 'tail-call counter' ? 'tcc' : '');
  return [span(r.name.padEnd(7)), val(r.value, r.changed, theme), span(` ${tag}`, { color: theme.dim })];
}

const bpfRow = (r: BpfRegister, theme: Theme): Line => [
  span(r.name.padEnd(4), { bold: true }),
  span(r.native.padEnd(4), { color: theme.dim }),
  val(r.value, r.changed, theme),
];

export function registersPaneLines({ view, focused, width, height, scroll = null }: RegistersPaneProps, theme: Theme): Line[] {
  const regs = view.registers;
  const rows = bodyRows(height);
  if (!regs) return paneFrame({ title: 'Registers', focused, width, height }, [emptyLine('no registers: not running', theme)], theme);
  const inner = width - 1;
  const callouts: Line[] = [];
  const pfp = regs.privateFramePointer;
  if (pfp) callouts.push(line(clip(`${pfp.reg} = private frame pointer (R10) ${pfp.areaLo}..${pfp.areaHi}`, inner), { color: theme.tailCall }));
  const t = regs.tailCallCounter;
  if (t) {
    callouts.push([
      span(describeTcc(t), { bold: true, color: t.changed ? theme.changed : theme.tailCall, inverse: t.changed && !theme.color }),
      span(` ${clip(t.describe, Math.max(0, inner - 14))}`),
    ]);
  }
  if (regs.flags.length) callouts.push(line(clip(`flags ${regs.flags.join(' ')}`, inner)));

  // Wide: native | BPF in two columns; narrow: one list, BPF names as tags.
  const twoCol = inner >= 56;
  const colRows = twoCol ? Math.max(regs.native.length, regs.bpf.length) : regs.native.length;
  const total = callouts.length + colRows;
  const start = windowStart(total, rows, null, scroll ?? 0);
  const calloutShown = callouts.slice(start, start + rows);
  const listStart = Math.max(0, start - callouts.length);
  const listRows = rows - calloutShown.length;
  const natives = regs.native.slice(listStart, listStart + listRows).map((r) => nativeRow(r, theme));
  let list: Line[] = natives;
  if (twoCol) {
    const bpf = regs.bpf.slice(listStart, listStart + listRows).map((r) => bpfRow(r, theme));
    list = besides(
      [
        { lines: natives, width: NATIVE_COL },
        { lines: bpf, width: inner - NATIVE_COL },
      ],
      Math.max(natives.length, bpf.length),
    );
  }
  const title = twoCol ? 'Registers   native | BPF' : 'Registers';
  return paneFrame({ title, info: view.arch, focused, width, height }, [...calloutShown, ...list], theme);
}

/** Rows the pane's content needs (for scroll limits). */
export function registersRows(view: View, width: number): number {
  const r = view.registers;
  if (!r) return 0;
  const callouts = (r.privateFramePointer ? 1 : 0) + (r.tailCallCounter ? 1 : 0) + (r.flags.length ? 1 : 0);
  return callouts + (width - 1 >= 56 ? Math.max(r.native.length, r.bpf.length) : r.native.length);
}
