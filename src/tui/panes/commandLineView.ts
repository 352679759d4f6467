// The prompt line, with a block cursor when focused and, while Tab is cycling, the
// candidate list on the row above.
import type { CommandLineState } from '../commandLine.ts';
import { clip } from '../format.ts';
import { line, span, truncate, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { PROMPT } from './OutputPane.tsx';

export interface CommandLineProps {
  state: CommandLineState;
  focused: boolean;
  width: number;
  /** The command being executed, if one is (shown instead of an idle prompt hint). */
  busy: string | null;
  /** A yes/no question waiting for y or n (gdb's query). */
  query?: string | null;
}

/** Rows the command line takes (the completion list adds one). */
export const commandLineRows = (s: CommandLineState): number => (s.completion && s.completion.candidates.length > 1 ? 2 : 1);

export function commandLineLines({ state, focused, width, busy, query }: CommandLineProps, theme: Theme): Line[] {
  const c = state.completion;
  const room = Math.max(1, width - PROMPT.length - 1);
  // Keep the cursor visible on long lines by scrolling the text horizontally.
  const off = Math.max(0, state.cursor - room + 1);
  const text = state.text.slice(off, off + room);
  const cur = state.cursor - off;
  // Focused and empty: how to get out again (single keys type text here until Esc).
  const hint = query
    ? `${query}  y or n`
    : busy
      ? `running ${busy}… Ctrl-C interrupts`
      : focused
        ? state.text === ''
          ? 'Enter runs  Tab completes  ↑↓ history  Esc back to keys'
          : ''
        : ': command  ? help  q quit';
  const rows: Line[] = [];
  if (c && c.candidates.length > 1) {
    rows.push(line(clip(c.candidates.map((w, i) => (i === c.index ? `[${w}]` : w)).join('  '), width), { color: theme.dim }));
  }
  const typed = focused ? [span(text.slice(0, cur)), span(text[cur] ?? ' ', { inverse: true }), span(text.slice(cur + 1))] : [span(text)];
  const prompt = [
    span(PROMPT, { bold: true, color: focused ? theme.current : theme.dim }),
    ...typed,
    span(hint ? clip(`  ${hint}`, Math.max(0, room - text.length)) : '', { color: busy || query ? theme.changed : theme.dim }),
  ];
  rows.push(truncate(prompt, width));
  return rows;
}
