// The one seam between the TUI and the debugger engine. The engine implements it; the TUI
// imports nothing else from the engine. Commands travel as the same strings batch mode
// reads, so a TUI session and a batch transcript drive the engine identically.
import type { View } from '../debugger/view.ts';

export interface SessionPort {
  /**
   * The current View. Must return the *same object* until the engine produces a new one
   * (the TUI reads it through useSyncExternalStore and renders only when it changes).
   */
  view(): View;
  /**
   * Runs one command line ('stepi', 'break prog_a:12'). Resolves when it has finished;
   * the TUI ignores the value (the engine may resolve with its CommandResult) and reads
   * the outcome from the next View. A rejection is shown in the output pane.
   */
  execute(cmd: string): Promise<unknown>;
  /** Calls `fn` after each new View; returns the unsubscribe function. */
  subscribe(fn: () => void): () => void;
  /** Stops a long operation at the next instruction boundary (Ctrl-C); never ends the session. */
  interrupt(): void;
  /**
   * Candidates for the last whitespace-separated word of `prefix` (the command-line text
   * up to the cursor): whole replacement words, e.g. 'prog_a:' for 'break pro'.
   */
  completions(prefix: string): string[];
  /**
   * Lets the engine ask the user a yes/no question (gdb's query: "Delete all breakpoints?",
   * "Do you want to discard the recorded future?"); without it the engine does what batch
   * mode does.
   */
  setConfirm?(ask: ((question: string) => Promise<boolean>) | null): void;
}
