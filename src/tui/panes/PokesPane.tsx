// Poke descriptors: state letter, the bytes at the bypass and target sites, the slot's
// program and any grace period still pending. A state that changed at this stop is
// highlighted with its transition (C->D->B on install, B->D->C on delete).
import type { Poke, View } from '../../debugger/view.ts';
import { clip, shortAddr, windowStart } from '../format.ts';
import { line, span, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

export interface PokesPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

const STATE_MEANING = { A: 'ILLEGAL', B: 'armed', C: 'empty', D: 'transient' } as const;

function pokeRows(p: Poke, width: number, theme: Theme): Line[] {
  const hot = p.changed;
  const trans = p.lastTransition ? `${p.lastTransition.from}->${p.lastTransition.to}` : '';
  const head = ` #${p.index} ${p.program}:${p.insn} ${p.map}[${p.key}] -> ${p.slotProgram ?? '(empty)'}`;
  const rows: Line[] = [
    [
      span(` ${p.state} `, { bold: true, inverse: hot || p.state === 'A', color: theme.poke[p.state] }),
      span(clip(head, Math.max(0, width - 3)), { bold: hot }),
      span(` ${STATE_MEANING[p.state]}${hot && trans ? ` ◆ ${trans}` : ''}`, { color: hot ? theme.changed : theme.dim, bold: hot }),
    ],
    line(clip(`    bypass ${shortAddr(p.bypass.addr)}: ${p.bypass.bytes}  ${p.bypass.asm}`, width), { color: theme.native }),
    line(clip(`    target ${shortAddr(p.target.addr)}: ${p.target.bytes}  ${p.target.asm}`, width), { color: theme.native }),
  ];
  if (p.pendingGracePeriod) {
    rows.push(line(clip(`    grace period pending: ${p.pendingGracePeriod.waitingFor}`, width), { color: theme.changed }));
  }
  if (p.lastTransition && (hot || width >= 60)) {
    rows.push(line(clip(`    last: ${trans} ${p.lastTransition.cause}`, width), { color: hot ? theme.changed : theme.dim, bold: hot }));
  }
  return rows;
}

export function buildPokeRows(view: View, width: number, theme: Theme): Line[] {
  return view.pokes.flatMap((p) => pokeRows(p, width, theme));
}

export function pokesPaneLines({ view, focused, width, height, scroll = null }: PokesPaneProps, theme: Theme): Line[] {
  if (view.pokes.length === 0) {
    return paneFrame({ title: 'Pokes', focused, width, height }, [emptyLine('no direct tail calls (no poke descriptors)', theme)], theme);
  }
  const all = buildPokeRows(view, width - 1, theme);
  const rows = bodyRows(height);
  // Follow the first changed descriptor so a transition is on screen when it happens.
  const hotIdx = view.pokes.findIndex((p) => p.changed);
  let focusRow: number | null = null;
  if (scroll === null && hotIdx >= 0) {
    focusRow = buildPokeRows({ ...view, pokes: view.pokes.slice(0, hotIdx) }, width - 1, theme).length;
  }
  const start = windowStart(all.length, rows, focusRow, scroll ?? 0);
  const changed = view.pokes.filter((p) => p.changed).length;
  const info = `${view.pokes.length}${changed ? `, ${changed} changed` : ''}`;
  return paneFrame({ title: 'Pokes', info, focused, width, height }, all.slice(start, start + rows), theme);
}
