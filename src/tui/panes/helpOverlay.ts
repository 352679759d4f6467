// `?`: every key, from the same table the keymap documents.
import { KEY_HELP } from '../keymap.ts';
import { clip } from '../format.ts';
import { line, span, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import type { View } from '../../debugger/view.ts';
import { bodyRows, paneFrame } from './paneFrame.ts';

/**
 * The commands line: the real syntax with this session's names (a program, a prog_array
 * and a program to put in it), so what it shows can be typed as it is.
 */
export function commandExamples(view: View | null): string {
  const progs = view?.programs.map((p) => p.name) ?? [];
  const prog = progs[0] ?? 'PROG';
  const pa = view?.maps.find((m) => m.progSlots);
  const slotProg = progs.find((p) => p !== prog) ?? prog;
  const map = pa ? `map update ${pa.name} 0 ${slotProg}` : 'map update MAP KEY VALUE';
  return `Commands are gdb's: break ${prog}:0, info pokes, ${map}, x/8gx $sp, help CMD`;
}

export function helpOverlayLines(width: number, height: number, theme: Theme, view: View | null = null): Line[] {
  const keyW = Math.max(...KEY_HELP.map((k) => k.keys.length)) + 2;
  const body: Line[] = [
    ...KEY_HELP.map((k) => [span(k.keys.padEnd(keyW), { bold: true }), span(clip(k.does, Math.max(0, width - keyW - 1)))]),
    // The spacer goes first when rows are short (80x24 has 21): the commands line stays.
    ...(KEY_HELP.length + 2 <= bodyRows(height) ? [line(' ')] : []),
    line(clip(commandExamples(view), width - 1)),
  ];
  return paneFrame({ title: 'Keys (any key closes)', focused: true, width, height }, body, theme);
}
