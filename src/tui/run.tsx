// Entry point of the TUI: alternate screen, exit guards, Ink render, and back.
import './interactive.ts'; // must stay first: before Ink reads CI
import { render } from 'ink';
import { App } from './App.tsx';
import type { SessionPort } from './sessionPort.ts';
import { enterAltScreen, installExitGuards } from './terminal.ts';
import { ThemeContext, themeFor } from './theme.ts';

export interface TuiOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** Environment for NO_COLOR (default process.env). */
  env?: Record<string, string | undefined>;
  /** Start with this command history. */
  history?: string[];
  /** Skip the alternate screen (for terminals or tests that do not want it). */
  inline?: boolean;
  /**
   * Frame-rate cap. Ink throttles renders to it; 60 keeps a keypress-to-frame delay
   * well inside one 16 ms frame while bursts of Views coalesce.
   */
  maxFps?: number;
}

/** Runs the TUI until the user quits; resolves after the terminal is restored. */
export async function runTui(port: SessionPort, opts: TuiOptions = {}): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const restore = opts.inline ? () => undefined : enterAltScreen(stdout);
  const uninstall = installExitGuards(restore);
  const theme = themeFor(opts.env ?? process.env);
  try {
    const ink = render(
      <ThemeContext.Provider value={theme}>
        <App port={port} history={opts.history} />
      </ThemeContext.Provider>,
      {
        stdout,
        stdin: opts.stdin ?? process.stdin,
        stderr: opts.stderr ?? process.stderr,
        // Ctrl-C interrupts the engine; quitting is q / Ctrl-D.
        exitOnCtrlC: false,
        // console output would scribble over the full-screen frame.
        patchConsole: true,
        // Ink wraps each frame in synchronized output (\x1b[?2026h ... \x1b[?2026l) on a
        // terminal (ink/build/write-synchronized.js), so erase+redraw does not flicker.
        // Not `incrementalRendering`: in Ink 6.8 it starts one row low when the frame ends
        // in a newline and the screen scrolls by a line on every update (seen in tmux).
        incrementalRendering: false,
        maxFps: opts.maxFps ?? 60,
      },
    );
    await ink.waitUntilExit();
  } finally {
    restore();
    uninstall();
  }
}
