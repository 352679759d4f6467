// BPF instructions with their native instructions beneath and C source lines between,
// markers for the PC (►), breakpoints (● / ○ disabled), poke sites and tail calls.
import type { DisasmLine, InsnMarkers, View } from '../../debugger/view.ts';
import { clip, fit, windowStart, shortAddr } from '../format.ts';
import { line, span, withStyle, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

/** Up to 7 bytes shown in full; longer encodings (movabs) end in '…'. */
const fitBytes = (b: string): string => fit(b, 21);

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

function codeLine(l: DisasmLine, view: View, isCurrent: boolean, isCursor: boolean, width: number, theme: Theme, showBytes: boolean): Line {
  switch (l.kind) {
    case 'func':
      return line(clip(`<${l.func}> ${l.addr}:`, width), { bold: true, color: theme.title, inverse: isCursor });
    case 'source':
      return line(clip(`   ${String(l.line).padStart(4)}│ ${l.text.trim()}`, width), { color: theme.source, italic: !theme.color, inverse: isCursor });
    case 'bpf': {
      const m = l.markers;
      const cur = isCurrent || m.current;
      const body = `${gutter(m, cur)}${String(l.insn).padStart(4)}: ${l.text}`;
      return withStyle(
        [
          span(body.slice(0, 2), { color: m.breakpoint !== null ? theme.breakpoint : undefined }),
          span(clip(body.slice(2), Math.max(0, width - 2)), { bold: cur, color: cur ? theme.current : undefined }),
          span(clip(pokeTag(view, m), Math.max(0, width - body.length)), { color: theme.tailCall, bold: true }),
        ],
        { inverse: isCursor },
      );
    }
    case 'native': {
      const m = l.markers;
      const bytes = showBytes ? `${fitBytes(l.bytes)} ` : '';
      const body = `${gutter(m, isCurrent)}    ${shortAddr(l.addr)}  ${bytes}${l.text}`;
      return withStyle(
        [
          span(body.slice(0, 2), { color: m.breakpoint !== null ? theme.breakpoint : undefined }),
          span(clip(body.slice(2), Math.max(0, width - 2)), {
            bold: isCurrent,
            color: isCurrent ? theme.current : theme.native,
            dim: !isCurrent && !theme.color,
          }),
          span(clip(pokeTag(view, m), Math.max(0, width - body.length)), { color: theme.tailCall, bold: true }),
        ],
        { inverse: isCursor },
      );
    }
  }
}

export function codePaneLines({ view, focused, width, height, cursor = null }: CodePaneProps, theme: Theme): Line[] {
  const d = view.disasm;
  const rows = bodyRows(height);
  const inner = width - 1;
  if (!d || d.lines.length === 0) {
    const text = view.runState === 'not-started' ? 'not started: r runs, b sets a breakpoint' : 'no code here';
    return paneFrame({ title: 'Code', focused, width, height }, [emptyLine(text, theme)], theme);
  }
  const focus = cursor ?? d.current ?? 0;
  const start = windowStart(d.lines.length, rows, focus);
  const shown = d.lines.slice(start, start + rows);
  const info = `${d.program}${d.func !== d.program ? ` / ${d.func}` : ''}`;
  const body = shown.map((l, i) => codeLine(l, view, start + i === d.current, focused && cursor !== null && start + i === cursor, inner, theme, inner >= 90));
  return paneFrame({ title: 'Code', info, focused, width, height }, body, theme);
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
