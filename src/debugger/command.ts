// What executing one command string yields. Front ends send commands as text (the TUI's
// keys map to the same strings batch mode reads), and get back a CommandResult plus a new
// View. Types and the canonical command names only; the parser lives with the engine.
import type { Diag } from '../common/diag.ts';
import type { OutputLine, View } from './view.ts';

/**
 * Canonical command names. Key bindings emit exactly these; the engine's parser must
 * accept them (and may accept gdb abbreviations besides: `s`, `si`, `c`, `b`, ...).
 */
export const COMMAND_NAMES = [
  'run',
  'start',
  'continue',
  'step',
  'stepi',
  'next',
  'nexti',
  'finish',
  'break',
  'tbreak',
  'delete',
  'enable',
  'disable',
  'backtrace',
  'frame',
  'up',
  'down',
  'info',
  'print',
  'x',
  'set',
  'map',
  'poke',
  'disassemble',
  'list',
  'interrupt',
  'help',
  'quit',
] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

/** gdb-style abbreviations a user types; the completion and help lists show them. */
export const COMMAND_ALIASES: Readonly<Record<string, CommandName>> = {
  r: 'run',
  c: 'continue',
  s: 'step',
  si: 'stepi',
  n: 'next',
  ni: 'nexti',
  f: 'finish',
  b: 'break',
  d: 'delete',
  bt: 'backtrace',
  i: 'info',
  p: 'print',
  q: 'quit',
};

export interface CommandResult {
  /** The command line as received. */
  command: string;
  ok: boolean;
  /** Output lines this command produced (also appended to View.output). */
  output: OutputLine[];
  /** Why it failed, with a place when the failure is about the program. */
  error: Diag | null;
  /** The View after the command (batch mode prints it as JSON). */
  view: View;
  /** The command asked to end the session (`quit`). */
  quit: boolean;
}
