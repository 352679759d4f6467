// Full-screen terminal handling: the alternate screen buffer, and putting the user's
// screen back on every way out (normal exit, signal, uncaught exception).
export const ALT_SCREEN_ON = '\x1b[?1049h';
export const ALT_SCREEN_OFF = '\x1b[?1049l';
export const CURSOR_HIDE = '\x1b[?25l';
export const CURSOR_SHOW = '\x1b[?25h';
/** Clear the (alternate) screen and home the cursor. */
export const CLEAR_HOME = '\x1b[2J\x1b[H';

export interface Writable {
  write(s: string): unknown;
}

/**
 * Switches `out` to the alternate screen; returns an idempotent restore (safe to call
 * from several exit paths, only the first writes).
 */
export function enterAltScreen(out: Writable): () => void {
  out.write(ALT_SCREEN_ON + CLEAR_HOME + CURSOR_HIDE);
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    out.write(CURSOR_SHOW + ALT_SCREEN_OFF);
  };
}

/** The slice of `process` the guards use (a fake in tests). */
export interface ProcessLike {
  // EventEmitter's listener type: handlers take a signal name or an error, by event.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, fn: (...args: any[]) => void): unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  off(event: string, fn: (...args: any[]) => void): unknown;
  exit(code?: number): never | void;
  stderr: Writable;
  exitCode?: number | string | undefined;
}

/**
 * Restores the terminal on process exit, on SIGINT/SIGTERM/SIGHUP (raw mode turns a
 * Ctrl-C into a key, so SIGINT only comes from `kill`) and on a crash, where the error
 * is printed after the restore so it lands on the user's screen. Returns the uninstaller.
 */
export function installExitGuards(
  restore: () => void,
  proc: ProcessLike = process as unknown as ProcessLike,
  beforeSignalExit?: (sig: string) => void,
): () => void {
  const onExit = (): void => restore();
  const onSignal = (sig: string): void => {
    restore();
    // What must outlive the UI (a --record session is saved here): after the restore, so
    // its message lands on the user's screen; a failure in it must not keep us running.
    try {
      beforeSignalExit?.(sig);
    } catch (e) {
      proc.stderr.write(`bpfdbg: ${e instanceof Error ? e.message : String(e)}\n`);
    }
    proc.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
  };
  const onCrash = (e: unknown): void => {
    restore();
    proc.stderr.write(`bpfdbg: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    proc.exit(70);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  proc.on('exit', onExit);
  for (const s of signals) proc.on(s, onSignal);
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);
  return () => {
    proc.off('exit', onExit);
    for (const s of signals) proc.off(s, onSignal);
    proc.off('uncaughtException', onCrash);
    proc.off('unhandledRejection', onCrash);
  };
}

/**
 * `out` as seen by someone else who writes to it: every write calls `onWrite` first (the
 * frame writer then knows the screen is no longer what it drew). Everything else, the
 * size and 'resize' events included, is the stream's own.
 */
export function watchWrites<T extends Writable>(out: T, onWrite: () => void): T {
  return new Proxy(out, {
    get(target, prop) {
      if (prop === 'write') {
        return (...args: unknown[]) => {
          onWrite();
          return (target.write as (...a: unknown[]) => unknown)(...args);
        };
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
