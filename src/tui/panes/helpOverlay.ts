// `?`: every key, from the same table the keymap documents.
import { KEY_HELP } from '../keymap.ts';
import { clip } from '../format.ts';
import { line, span, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, paneFrame } from './paneFrame.ts';

export function helpOverlayLines(width: number, height: number, theme: Theme): Line[] {
  const keyW = Math.max(...KEY_HELP.map((k) => k.keys.length)) + 2;
  const body: Line[] = [
    ...KEY_HELP.map((k) => [span(k.keys.padEnd(keyW), { bold: true }), span(clip(k.does, Math.max(0, width - keyW - 1)))]),
    // The spacer goes first when rows are short (80x24 has 21): the commands line stays.
    ...(KEY_HELP.length + 2 <= bodyRows(height) ? [line(' ')] : []),
    line(clip('Commands are gdb-like: break PROG:INSN, info pokes, map jmp_table 0 prog_b, x/8gx ADDR, help', width - 1)),
  ];
  return paneFrame({ title: 'Keys (any key closes)', focused: true, width, height }, body, theme);
}
