// Poke descriptors: state letter, the bytes at the bypass and target sites, the slot's
// program and any grace period still pending. A state that changed at this stop is
// highlighted with its transition (C->D->B on install, B->D->C on delete).
import React from 'react';
import { Text } from 'ink';
import type { Poke, View } from '../../debugger/view.ts';
import { clip, shortAddr, windowStart } from '../format.ts';
import { useTheme, type Theme } from '../theme.ts';
import { Empty, PaneFrame, bodyRows } from './PaneFrame.tsx';

export interface PokesPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

const STATE_MEANING = { A: 'ILLEGAL', B: 'armed', C: 'empty', D: 'transient' } as const;

function pokeRows(p: Poke, width: number, theme: Theme): React.ReactElement[] {
  const k = `p${p.index}`;
  const hot = p.changed;
  const trans = p.lastTransition ? `${p.lastTransition.from}->${p.lastTransition.to}` : '';
  const head = ` #${p.index} ${p.program}:${p.insn} ${p.map}[${p.key}] -> ${p.slotProgram ?? '(empty)'}`;
  const rows = [
    <Text key={k + 'h'} wrap="truncate-end">
      <Text bold inverse={hot || p.state === 'A'} color={theme.poke[p.state]}>
        {` ${p.state} `}
      </Text>
      <Text bold={hot}>{clip(head, Math.max(0, width - 3))}</Text>
      <Text color={hot ? theme.changed : theme.dim} bold={hot}>
        {` ${STATE_MEANING[p.state]}${hot && trans ? ` ◆ ${trans}` : ''}`}
      </Text>
    </Text>,
    <Text key={k + 'b'} wrap="truncate-end" color={theme.native}>
      {clip(`    bypass ${shortAddr(p.bypass.addr)}: ${p.bypass.bytes}  ${p.bypass.asm}`, width)}
    </Text>,
    <Text key={k + 't'} wrap="truncate-end" color={theme.native}>
      {clip(`    target ${shortAddr(p.target.addr)}: ${p.target.bytes}  ${p.target.asm}`, width)}
    </Text>,
  ];
  if (p.pendingGracePeriod) {
    rows.push(
      <Text key={k + 'g'} wrap="truncate-end" color={theme.changed}>
        {clip(`    grace period pending: ${p.pendingGracePeriod.waitingFor}`, width)}
      </Text>,
    );
  }
  if (p.lastTransition && (hot || width >= 60)) {
    rows.push(
      <Text key={k + 'l'} wrap="truncate-end" color={hot ? theme.changed : theme.dim} bold={hot}>
        {clip(`    last: ${trans} ${p.lastTransition.cause}`, width)}
      </Text>,
    );
  }
  return rows;
}

export function buildPokeRows(view: View, width: number, theme: Theme): React.ReactElement[] {
  return view.pokes.flatMap((p) => pokeRows(p, width, theme));
}

export function PokesPane({ view, focused, width, height, scroll = null }: PokesPaneProps): React.ReactElement {
  const theme = useTheme();
  if (view.pokes.length === 0) {
    return (
      <PaneFrame title="Pokes" focused={focused} width={width} height={height}>
        <Empty text="no direct tail calls (no poke descriptors)" />
      </PaneFrame>
    );
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
  return (
    <PaneFrame title="Pokes" info={`${view.pokes.length}${changed ? `, ${changed} changed` : ''}`} focused={focused} width={width} height={height}>
      {all.slice(start, start + rows)}
    </PaneFrame>
  );
}
