// gdb's scripting and control commands, as data and text -> data: `source`, breakpoint
// `commands ... end`, `ignore`, `save breakpoints`, `echo`, `printf`, `advance`, `jump`,
// and the TUI's `layout` / `focus` (which only the TUI can carry out). Kept apart from
// parseCommand.ts, which hands these names over.
import { err, ok, type Result } from '../../common/diag.ts';
import type { Expr } from '../expr/ast.ts';
import { parseExpr } from '../expr/parseExpr.ts';
import { parseLocation } from './parseLocation.ts';
import type { CommandInfo } from './commandInfo.ts';
import type { LocationSpec } from './locationSpec.ts';

/** gdb's `$bpnum` in a breakpoint-number list: the breakpoint created last. */
export const LAST_BREAKPOINT = -1;

export type ScriptCommand =
  | { kind: 'source'; file: string }
  /** `commands [N...]`: the lines up to `end` become those breakpoints' commands (none: the last one). */
  | { kind: 'commands'; ids: number[] }
  | { kind: 'ignore'; id: number; count: number }
  | { kind: 'saveBreakpoints'; file: string }
  /** Text with gdb's escapes decoded; no newline is added. */
  | { kind: 'echo'; text: string }
  | { kind: 'printf'; format: string; args: Expr[]; argTexts: string[] }
  | { kind: 'jump'; loc: LocationSpec; text: string }
  | { kind: 'tui'; what: 'layout' | 'focus'; arg: string };

export const SCRIPT_COMMANDS: CommandInfo[] = [
  {
    name: 'source',
    aliases: [],
    args: 'FILE',
    help: 'run the debugger commands in FILE (one per line, # comments); stops at the first error, naming FILE:LINE',
  },
  {
    name: 'commands',
    aliases: [],
    args: '[N...]',
    help: 'commands run at each stop of breakpoint N (default: the last one), one per line up to "end"; "silent" first hides the stop, "continue" resumes',
  },
  { name: 'ignore', aliases: [], args: 'N COUNT', help: 'pass breakpoint N the next COUNT times it is reached (condition true)' },
  {
    name: 'save',
    aliases: [],
    args: 'breakpoints FILE',
    help: 'write the breakpoints (conditions, commands, ignore counts, disabled, tbreak) as commands "source FILE" reloads',
  },
  { name: 'echo', aliases: [], args: 'TEXT', help: 'print TEXT; C escapes (\\n \\t \\\\ \\" \\NNN); no newline unless it ends in \\n' },
  {
    name: 'printf',
    aliases: [],
    args: '"FORMAT", EXPR...',
    help: 'formatted print: %d %i %u %x %X %o %c %s %p %% with flags, width and l/ll (EXPR as for print)',
  },
  { name: 'advance', aliases: [], args: 'LOCATION', help: 'run until LOCATION is reached or the current frame returns' },
  {
    name: 'jump',
    aliases: ['j'],
    args: 'LOCATION',
    help: 'resume at LOCATION (a BPF instruction or line of the current function: its native address) and continue',
  },
  {
    name: 'layout',
    aliases: [],
    args: 'asm|src|split|regs|next|prev',
    help: 'TUI: choose the panes (code as BPF+native, as C source, both, or with registers)',
  },
  { name: 'focus', aliases: ['fs'], args: 'asm|src|regs|cmd|next|prev|PANE', help: 'TUI: give a pane (or the command line) the keys' },
];

/** gdb's escapes in echo/printf text: \n \t \r \a \b \f \v \e \\ \" \' \NNN (octal). */
export function decodeEscapes(text: string): string {
  return text.replace(/\\([0-7]{1,3}|.)/g, (_, c: string) => {
    if (/^[0-7]+$/.test(c)) return String.fromCharCode(parseInt(c, 8));
    const table: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b' };
    return table[c] ?? c;
  });
}

/** Splits `"fmt", a, f(b, c)` at top-level commas, quotes respected. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let cur = '';
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (quote) {
      cur += c;
      if (c === '\\') cur += text[++k] ?? '';
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur.trim());
  return out;
}

/** Parses one of SCRIPT_COMMANDS' names; null for any other name. */
export function parseScriptCommand(name: string, arg: string): Result<ScriptCommand | { kind: 'until'; loc: LocationSpec }> | null {
  switch (name) {
    case 'source': {
      if (arg === '') return err('cmd.bad-source', 'source: a file name is required');
      return ok({ kind: 'source', file: arg });
    }
    case 'commands': {
      const parts = arg.split(/[\s,]+/).filter(Boolean);
      const ids: number[] = [];
      for (const p of parts) {
        if (p === '$bpnum') ids.push(LAST_BREAKPOINT);
        else if (/^\d+$/.test(p)) ids.push(Number(p));
        else return err('cmd.bad-id', `commands: '${p}' is not a breakpoint number`);
      }
      return ok({ kind: 'commands', ids });
    }
    case 'ignore': {
      const m = /^(\d+|\$bpnum)\s+(\d+)$/.exec(arg);
      if (!m) return err('cmd.bad-ignore', 'ignore: usage: ignore N COUNT');
      return ok({ kind: 'ignore', id: m[1] === '$bpnum' ? LAST_BREAKPOINT : Number(m[1]), count: Number(m[2]) });
    }
    case 'save': {
      const m = /^(breakpoints|b|br)\s+(\S.*)$/.exec(arg);
      if (!m) return err('cmd.bad-save', 'save: usage: save breakpoints FILE');
      return ok({ kind: 'saveBreakpoints', file: m[2]!.trim() });
    }
    case 'echo':
      return ok({ kind: 'echo', text: decodeEscapes(arg) });
    case 'printf': {
      const parts = splitArgs(arg);
      const fmt = /^"((?:[^"\\]|\\.)*)"$/.exec(parts[0] ?? '');
      if (!fmt) return err('cmd.bad-printf', 'printf: usage: printf "FORMAT", EXPR...');
      const args: Expr[] = [];
      for (const a of parts.slice(1)) {
        if (a === '') return err('cmd.bad-printf', 'printf: an empty argument');
        const e = parseExpr(a);
        if (!e.ok) return e;
        args.push(e.value);
      }
      return ok({ kind: 'printf', format: decodeEscapes(fmt[1]!), args, argTexts: parts.slice(1) });
    }
    case 'advance': {
      if (arg === '') return err('cmd.bad-location', 'advance: a location is required');
      const loc = parseLocation(arg);
      // gdb's advance is until LOCATION: stop there or when the current frame returns.
      return loc.ok ? ok({ kind: 'until', loc: loc.value }) : loc;
    }
    case 'jump': {
      if (arg === '') return err('cmd.bad-location', 'jump: a location is required');
      const loc = parseLocation(arg);
      return loc.ok ? ok({ kind: 'jump', loc: loc.value, text: arg }) : loc;
    }
    case 'layout':
    case 'focus':
      return ok({ kind: 'tui', what: name, arg });
  }
  return null;
}
