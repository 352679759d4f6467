// Keys -> actions, as a pure function. Debugger keys follow gdb's TUI SingleKey mode
// (c continue, d down, f finish, n next, r run, s step, u up, w where, q quit) plus the
// instruction-level keys pwndbg users reach for (si/ni as i and N), and the reverse of
// s, i, c, f on their capitals (P: reverse-next, "previous"). Every debugger key yields a
// command string, the same text batch mode reads.

/** 'source' shows only in the layouts that have it (tuiLayout.ts: src, split). */
export type PaneId = 'code' | 'source' | 'registers' | 'stack' | 'pokes' | 'chain' | 'maps' | 'display' | 'output';
export type FocusId = PaneId | 'command';

/** Tab order. The command line comes last, so Shift-Tab from it returns to the panes. */
export const FOCUS_ORDER: readonly FocusId[] = ['code', 'registers', 'stack', 'pokes', 'chain', 'maps', 'display', 'output', 'command'];

/** A key as Ink reports it (input + flags); flags left out are false. */
export interface KeyPress {
  input: string;
  upArrow?: boolean;
  downArrow?: boolean;
  leftArrow?: boolean;
  rightArrow?: boolean;
  pageUp?: boolean;
  pageDown?: boolean;
  home?: boolean;
  end?: boolean;
  return?: boolean;
  escape?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  tab?: boolean;
  backspace?: boolean;
  delete?: boolean;
  meta?: boolean;
}

/** The code line under the code pane's cursor (or the PC's line when following the PC). */
export interface CursorTarget {
  program: string;
  insn: number;
  /** Breakpoint id already at that insn (then `b` deletes it). */
  breakpoint: number | null;
}

export interface KeyContext {
  focus: PaneId;
  cursor: CursorTarget | null;
  /** Rows a PgUp/PgDn moves in the focused pane. */
  pageSize: number;
}

export type KeyAction =
  | { kind: 'command'; command: string }
  | { kind: 'focus'; to: 'next' | 'prev' }
  /**
   * Focus the command line, optionally with the first typed character. `oneShot`: opened by
   * typing a command in key mode (not `:`): Enter runs it and returns to the keys, as gdb's
   * SingleKey mode does for one command.
   */
  | { kind: 'commandLine'; initial: string; oneShot: boolean }
  | { kind: 'scroll'; by: number }
  | { kind: 'scrollTo'; to: 'top' | 'bottom' | 'current' }
  | { kind: 'help' }
  | { kind: 'interrupt' }
  | { kind: 'quit' }
  | { kind: 'none' };

/** Single keys that run a command at once (outside the command line). */
const COMMAND_KEYS: Readonly<Record<string, string>> = {
  s: 'step',
  n: 'next',
  i: 'stepi',
  N: 'nexti',
  c: 'continue',
  f: 'finish',
  r: 'run',
  u: 'up',
  d: 'down',
  w: 'backtrace',
  S: 'reverse-step',
  I: 'reverse-stepi',
  P: 'reverse-next',
  C: 'reverse-continue',
  F: 'reverse-finish',
};

/** Every key, for the `?` overlay. Keep in step with keymap() and the command line. */
export const KEY_HELP: readonly { keys: string; does: string }[] = [
  { keys: 's', does: 'step: next source line, into calls (step)' },
  { keys: 'n', does: 'next: next source line, over calls (next)' },
  { keys: 'i', does: 'one machine instruction (stepi, si)' },
  { keys: 'N', does: 'one native instruction, over calls (nexti, ni)' },
  { keys: 'c', does: 'continue to a breakpoint, catchpoint (catch tailcall, catch poke), fault or exit' },
  { keys: 'f', does: 'finish: run until the current function returns' },
  { keys: 'r', does: 'run the program from the start' },
  { keys: 'S I P C F', does: 'backwards: reverse-step, -stepi, -next, -continue, -finish' },
  { keys: 'b', does: 'toggle a breakpoint at the code cursor (break PROG:INSN)' },
  { keys: 'u / d', does: 'select the caller / callee frame (up, down)' },
  { keys: 'w', does: 'where: backtrace into the output' },
  { keys: 'Tab / Shift-Tab', does: 'next / previous pane (command line: complete)' },
  { keys: '↑ ↓ PgUp PgDn Home End', does: 'scroll the focused pane, to top / bottom (code: the cursor)' },
  { keys: 'Esc', does: 'back to the current position; leave the command line' },
  { keys: ': or any key', does: 'command line (Enter runs; empty Enter repeats the last)' },
  { keys: '↑ ↓ (command line)', does: 'command history' },
  { keys: 'Ctrl-A/E/U/W', does: 'command line: start / end / kill line / kill word' },
  { keys: 'Ctrl-C', does: 'interrupt a running command (stays in the debugger)' },
  { keys: 'q / Ctrl-D', does: 'quit' },
  { keys: '?', does: 'this help (any key closes it)' },
];

export function keymap(k: KeyPress, ctx: KeyContext): KeyAction {
  if (k.ctrl && k.input === 'c') return { kind: 'interrupt' };
  if (k.ctrl && k.input === 'd') return { kind: 'quit' };
  if (k.tab) return { kind: 'focus', to: k.shift ? 'prev' : 'next' };
  if (k.upArrow) return { kind: 'scroll', by: -1 };
  if (k.downArrow) return { kind: 'scroll', by: 1 };
  if (k.pageUp) return { kind: 'scroll', by: -ctx.pageSize };
  if (k.pageDown) return { kind: 'scroll', by: ctx.pageSize };
  if (k.home) return { kind: 'scrollTo', to: 'top' };
  if (k.end) return { kind: 'scrollTo', to: 'bottom' };
  if (k.escape) return { kind: 'scrollTo', to: 'current' };
  if (k.ctrl || k.meta || k.return || k.backspace || k.delete || k.leftArrow || k.rightArrow) return { kind: 'none' };
  const input = k.input;
  if (input === 'q') return { kind: 'quit' };
  if (input === '?') return { kind: 'help' };
  if (input === 'b') {
    const c = ctx.cursor;
    if (!c) return { kind: 'none' };
    return { kind: 'command', command: c.breakpoint !== null ? `delete ${c.breakpoint}` : `break ${c.program}:${c.insn}` };
  }
  const cmd = COMMAND_KEYS[input];
  if (cmd !== undefined) return { kind: 'command', command: cmd };
  // ':' opens the command line; in a chunk (':brea') the rest is already typed into it.
  if (input.startsWith(':')) return { kind: 'commandLine', initial: input.slice(1), oneShot: false };
  // Any other printable text starts a command (pasted text included).
  if (input.length > 0 && !/[\x00-\x1f\x7f]/.test(input)) return { kind: 'commandLine', initial: input, oneShot: true };
  return { kind: 'none' };
}

export function nextFocus(order: readonly FocusId[], current: FocusId, dir: 'next' | 'prev'): FocusId {
  const i = order.indexOf(current);
  const n = order.length;
  const j = i < 0 ? 0 : (i + (dir === 'next' ? 1 : n - 1)) % n;
  return order[j]!;
}

/** Control characters that arrive inside a multi-key chunk, as the keys they are. */
const CONTROL_KEYS: Readonly<Record<string, Omit<KeyPress, 'input'> & { input?: string }>> = {
  '\t': { tab: true },
  '\r': { return: true },
  '\n': { return: true },
  '\x7f': { backspace: true },
  '\b': { backspace: true },
};

/**
 * Ink hands a chunk of several keys over as one input (it treats it as a paste). When a
 * chunk holds control characters (keys sent together by tmux, or typed fast over a slow
 * link) it is split back into keys; runs of printable text stay one insert. A chunk made
 * only of single-key commands ("iii": `i` held down on a loaded machine) is those keys one
 * after another, as typing them slowly would be, not text for the command line.
 */
export function splitInput(input: string): KeyPress[] {
  if (input.length > 1 && [...input].every((ch) => COMMAND_KEYS[ch] !== undefined)) return [...input].map((ch) => ({ input: ch }));
  if (input.length <= 1 || !/[\x00-\x1f\x7f]/.test(input) || input.includes('\x1b')) return [{ input }];
  const out: KeyPress[] = [];
  let text = '';
  const flush = (): void => {
    if (text) out.push({ input: text });
    text = '';
  };
  for (const ch of input) {
    const code = ch.charCodeAt(0);
    if (code >= 0x20 && code !== 0x7f) {
      text += ch;
      continue;
    }
    flush();
    const named = CONTROL_KEYS[ch];
    if (named) out.push({ input: '', ...named });
    // Ctrl-A..Ctrl-Z as Ink reports them: the letter, with ctrl.
    else if (code >= 1 && code <= 26) out.push({ input: String.fromCharCode(code + 96), ctrl: true });
  }
  flush();
  return out;
}
