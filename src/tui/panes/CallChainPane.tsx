// The call chain from the entry program down to the PC: bpf2bpf calls open frames,
// tail calls replace the frame they happen in (shown indented under it with the counter).
import React from 'react';
import { Text } from 'ink';
import type { CallChainEntry, View } from '../../debugger/view.ts';
import { clip, windowStart } from '../format.ts';
import { useTheme, type Theme } from '../theme.ts';
import { Empty, PaneFrame, bodyRows } from './PaneFrame.tsx';

export interface CallChainPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

function entryText(e: CallChainEntry): string {
  const at = e.insn === null ? '' : `:${e.insn}`;
  const fn = e.func !== e.program ? ` ${e.func}` : '';
  const tcc = e.tcc === null ? '' : `  tcc ${e.tcc}`;
  switch (e.kind) {
    case 'entry':
      return `#${e.frame} entry ${e.program}${at}${fn}${tcc}`;
    case 'call':
      return `#${e.frame} call  ${e.program}${at}${fn}${tcc}`;
    case 'tail-call':
      return `   └▶ tail call -> ${e.program}${at}${fn}${tcc}`;
  }
}

function Row({ e, width, theme, selected }: { e: CallChainEntry; width: number; theme: Theme; selected: boolean }): React.ReactElement {
  return (
    <Text wrap="truncate-end" color={e.kind === 'tail-call' ? theme.tailCall : undefined} bold={selected}>
      {clip(entryText(e), width)}
    </Text>
  );
}

export function CallChainPane({ view, focused, width, height, scroll = null }: CallChainPaneProps): React.ReactElement {
  const theme = useTheme();
  const chain = view.callChain;
  if (chain.length === 0) {
    return (
      <PaneFrame title="Call chain" focused={focused} width={width} height={height}>
        <Empty text="no frames" />
      </PaneFrame>
    );
  }
  const rows = bodyRows(height);
  // Default view keeps the innermost entries (where the PC is) on screen.
  const start = scroll === null ? Math.max(0, chain.length - rows) : windowStart(chain.length, rows, null, scroll);
  const sel = view.frames.find((f) => f.selected)?.level ?? 0;
  const hops = chain.filter((e) => e.kind === 'tail-call').length;
  return (
    <PaneFrame title="Call chain" info={`${view.frames.length} frames, ${hops} tail calls`} focused={focused} width={width} height={height}>
      {chain.slice(start, start + rows).map((e, i) => (
        <Row key={start + i} e={e} width={width - 1} theme={theme} selected={e.frame === sel} />
      ))}
    </PaneFrame>
  );
}
