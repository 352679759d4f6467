// Entry point of the TUI: alternate screen, exit guards, Ink render, and back.
import { restoreFetch } from './interactive.ts'; // must stay first: before Ink reads CI and loads yoga
import { render } from 'ink';
import { App } from './App.tsx';
import { FrameWriter } from './frameWriter.ts';
import { FrameSinkContext } from './screen.tsx';
import type { SessionPort } from './sessionPort.ts';
import { enterAltScreen, installExitGuards, watchWrites } from './terminal.ts';
import { ThemeContext, themeFor } from './theme.ts';

restoreFetch();

export interface TuiOptions {
  /** Runs on SIGINT/SIGTERM/SIGHUP after the screen is restored, before exit (saves a recording). */
  onSignal?: (sig: string) => void;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
  /** Environment for NO_COLOR (default process.env). */
  env?: Record<string, string | undefined>;
  /** Start with this command history. */
  history?: string[];
  /**
   * Draw inline through Ink instead of full screen (no alternate screen, no frame writer):
   * for terminals or tests that do not want the screen taken over.
   */
  inline?: boolean;
  /**
   * Frame-rate cap: frames go out at most this often, so a stream of Views (progress while
   * running) coalesces; a key after a pause is drawn at once. 0: no cap.
   */
  maxFps?: number;
}

/** Runs the TUI until the user quits; resolves after the terminal is restored. */
export async function runTui(port: SessionPort, opts: TuiOptions = {}): Promise<void> {
  const stdout = opts.stdout ?? process.stdout;
  const fps = opts.maxFps ?? 60;
  // Full screen: the frame writer draws the screen (only the rows that change) and Ink
  // renders nothing itself; it still reads the keys and runs the React tree. Ink's own
  // full-screen output pass costs 15 ms and more per 200x60 frame (docs/PERFORMANCE.md).
  const writer = opts.inline ? null : new FrameWriter(stdout, { minIntervalMs: fps > 0 ? 1000 / fps : 0 });
  const leaveAltScreen = opts.inline ? () => undefined : enterAltScreen(stdout);
  // The writer stops before the screen is restored, so no frame lands on the user's screen.
  const restore = (): void => {
    writer?.dispose();
    leaveAltScreen();
  };
  const uninstall = installExitGuards(restore, undefined, opts.onSignal);
  const theme = themeFor(opts.env ?? process.env);
  try {
    const ink = render(
      <ThemeContext.Provider value={theme}>
        <FrameSinkContext.Provider value={writer}>
          <App port={port} history={opts.history} />
        </FrameSinkContext.Provider>
      </ThemeContext.Provider>,
      {
        // Anything Ink writes itself (console output it intercepts, its cursor handling)
        // lands on the frame writer's screen, which then redraws in full.
        stdout: writer ? watchWrites(stdout, () => writer.invalidate()) : stdout,
        stdin: opts.stdin ?? process.stdin,
        stderr: opts.stderr ?? process.stderr,
        // Ctrl-C interrupts the engine; quitting is q / Ctrl-D.
        exitOnCtrlC: false,
        // console.* output goes through Ink to `stdout`, so (through watchWrites) the frame
        // is drawn again after it instead of being left scribbled over.
        patchConsole: true,
        // Inline mode only (the frame writer does its own diffing): in Ink 6.8 incremental
        // rendering starts one row low when the frame ends in a newline (seen in tmux).
        incrementalRendering: false,
        maxFps: fps,
      },
    );
    await ink.waitUntilExit();
  } finally {
    restore();
    uninstall();
  }
}
