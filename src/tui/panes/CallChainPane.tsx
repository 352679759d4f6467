// The call chain from the entry program down to the PC: bpf2bpf calls open frames,
// tail calls replace the frame they happen in (shown indented under it with the counter).
import type { CallChainEntry, View } from '../../debugger/view.ts';
import { clip, windowStart } from '../format.ts';
import { line, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

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

export function callChainPaneLines({ view, focused, width, height, scroll = null }: CallChainPaneProps, theme: Theme): Line[] {
  const chain = view.callChain;
  if (chain.length === 0) return paneFrame({ title: 'Call chain', focused, width, height }, [emptyLine('no frames', theme)], theme);
  const rows = bodyRows(height);
  // Default view keeps the innermost entries (where the PC is) on screen.
  const start = scroll === null ? Math.max(0, chain.length - rows) : windowStart(chain.length, rows, null, scroll);
  const sel = view.frames.find((f) => f.selected)?.level ?? 0;
  const hops = chain.filter((e) => e.kind === 'tail-call').length;
  const body = chain
    .slice(start, start + rows)
    .map((e) => line(clip(entryText(e), width - 1), { color: e.kind === 'tail-call' ? theme.tailCall : undefined, bold: e.frame === sel }));
  return paneFrame({ title: 'Call chain', info: `${view.frames.length} frames, ${hops} tail calls`, focused, width, height }, body, theme);
}
