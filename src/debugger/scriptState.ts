// The scripting state of a session (scriptRunner.ts runs the scripts): its own file so
// CommandContext (commandContext.ts) names it without importing the command handlers.

/** The scripting state of one session. */
export class ScriptState {
  /** A `commands` block being typed: its breakpoints and the lines so far. */
  block: { ids: number[]; lines: string[] } | null = null;
  /** Commands running on behalf of a script or breakpoint (their errors go to the script). */
  nested = 0;
  /** Files being sourced, outermost first. */
  readonly sourcing: string[] = [];
  /** Breakpoint commands are running (a stop inside them does not start another list). */
  inBreakpointCommands = false;
  /** echo/printf text after the last newline, printed with the next text or at the command's end. */
  partial = '';
  /** A script ran `quit`. */
  quit = false;
}
