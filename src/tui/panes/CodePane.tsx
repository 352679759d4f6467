// BPF instructions with their native instructions beneath and C source lines between,
// markers for the PC (►), breakpoints (● / ○ disabled), poke sites and tail calls.
import React from 'react';
import { Text } from 'ink';
import type { DisasmLine, InsnMarkers, View } from '../../debugger/view.ts';
import { clip, fit, shortAddr, windowStart } from '../format.ts';

/** Up to 7 bytes shown in full; longer encodings (movabs) end in '…'. */
const fitBytes = (b: string): string => fit(b, 21);
import { useTheme, type Theme } from '../theme.ts';
import { Empty, PaneFrame, bodyRows } from './PaneFrame.tsx';

export interface CodePaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  /** Cursor line (index into view.disasm.lines); null follows the PC. */
  cursor?: number | null;
}

function gutter(m: InsnMarkers, isCurrent: boolean): string {
  const pc = isCurrent ? '►' : ' ';
  const bp = m.breakpoint === null ? ' ' : m.breakpointEnabled ? '●' : '○';
  return bp + pc + ' ';
}

function pokeTag(view: View, m: InsnMarkers): string {
  if (m.poke !== null) {
    const p = view.pokes.find((q) => q.index === m.poke);
    const st = p ? ` ${p.state}${p.changed ? '!' : ''}` : '';
    return m.pokeSite ? `  ◀ ${m.pokeSite}${st}` : `  [poke #${m.poke}${st}]`;
  }
  return m.tailCall ? `  [tail call ${m.tailCall}]` : '';
}

function CodeLine({ line, view, isCurrent, isCursor, width, theme, showBytes }: {
  line: DisasmLine;
  view: View;
  isCurrent: boolean;
  isCursor: boolean;
  width: number;
  theme: Theme;
  showBytes: boolean;
}): React.ReactElement {
  switch (line.kind) {
    case 'func':
      return (
        <Text bold color={theme.title} inverse={isCursor} wrap="truncate-end">
          {clip(`<${line.func}> ${line.addr}:`, width)}
        </Text>
      );
    case 'source':
      return (
        <Text color={theme.source} italic={!theme.color} inverse={isCursor} wrap="truncate-end">
          {clip(`   ${String(line.line).padStart(4)}│ ${line.text.trim()}`, width)}
        </Text>
      );
    case 'bpf': {
      const m = line.markers;
      const cur = isCurrent || m.current;
      const tag = pokeTag(view, m);
      const body = `${gutter(m, cur)}${String(line.insn).padStart(4)}: ${line.text}`;
      return (
        <Text inverse={isCursor} wrap="truncate-end">
          <Text color={m.breakpoint !== null ? theme.breakpoint : undefined}>{body.slice(0, 2)}</Text>
          <Text bold={cur} color={cur ? theme.current : undefined}>{clip(body.slice(2), Math.max(0, width - 2))}</Text>
          <Text color={m.poke !== null ? theme.tailCall : theme.tailCall} bold>{clip(tag, Math.max(0, width - body.length))}</Text>
        </Text>
      );
    }
    case 'native': {
      const m = line.markers;
      const bytes = showBytes ? `${fitBytes(line.bytes)} ` : '';
      const body = `${gutter(m, isCurrent)}    ${shortAddr(line.addr)}  ${bytes}${line.text}`;
      const tag = pokeTag(view, m);
      return (
        <Text inverse={isCursor} wrap="truncate-end">
          <Text color={m.breakpoint !== null ? theme.breakpoint : undefined}>{body.slice(0, 2)}</Text>
          <Text bold={isCurrent} color={isCurrent ? theme.current : theme.native} dimColor={!isCurrent && !theme.color}>
            {clip(body.slice(2), Math.max(0, width - 2))}
          </Text>
          <Text color={theme.tailCall} bold>{clip(tag, Math.max(0, width - body.length))}</Text>
        </Text>
      );
    }
  }
}

export function CodePane({ view, focused, width, height, cursor = null }: CodePaneProps): React.ReactElement {
  const theme = useTheme();
  const d = view.disasm;
  const rows = bodyRows(height);
  const inner = width - 1;
  if (!d || d.lines.length === 0) {
    return (
      <PaneFrame title="Code" focused={focused} width={width} height={height}>
        <Empty text={view.runState === 'not-started' ? 'not started: r runs, b sets a breakpoint' : 'no code here'} />
      </PaneFrame>
    );
  }
  const focus = cursor ?? d.current ?? 0;
  const start = windowStart(d.lines.length, rows, focus);
  const shown = d.lines.slice(start, start + rows);
  return (
    <PaneFrame title="Code" info={`${d.program}${d.func !== d.program ? ` / ${d.func}` : ''}`} focused={focused} width={width} height={height}>
      {shown.map((line, i) => (
        <CodeLine
          key={start + i}
          line={line}
          view={view}
          isCurrent={start + i === d.current}
          isCursor={focused && cursor !== null && start + i === cursor}
          width={inner}
          theme={theme}
          showBytes={inner >= 90}
        />
      ))}
    </PaneFrame>
  );
}

/**
 * The breakpoint target of a code line: a BPF or native line's own insn; a source or
 * function line's first insn below it (the source line introduces the insns after it).
 */
export function codeLineTarget(view: View, index: number): { program: string; insn: number; breakpoint: number | null } | null {
  const d = view.disasm;
  if (!d || d.lines.length === 0) return null;
  const at = Math.max(0, Math.min(index, d.lines.length - 1));
  const insnOf = (l: DisasmLine): number | null => (l.kind === 'bpf' || l.kind === 'native' ? l.insn : null);
  let insn: number | null = null;
  const here = d.lines[at]!;
  if (here.kind === 'bpf' || here.kind === 'native') {
    for (let i = at; i >= 0 && insn === null; i--) insn = insnOf(d.lines[i]!);
  }
  for (let i = at; i < d.lines.length && insn === null; i++) insn = insnOf(d.lines[i]!);
  if (insn === null) return null;
  const bpf = d.lines.find((l) => l.kind === 'bpf' && l.insn === insn);
  return { program: d.program, insn, breakpoint: bpf && bpf.kind === 'bpf' ? bpf.markers.breakpoint : null };
}
