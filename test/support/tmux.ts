// Driving the full-screen UI in a real terminal: tmux sessions for the *.tmux tests.
import { execFileSync, spawnSync } from 'node:child_process';

export const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
export const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The session's screen once it matches `what` (polled every 100 ms); throws with the last screen. */
export async function waitForScreen(session: string, what: RegExp | ((s: string) => boolean), timeoutMs = 20000): Promise<string> {
  const ok = typeof what === 'function' ? what : (s: string) => what.test(s);
  const t0 = Date.now();
  let s = '';
  while (Date.now() - t0 < timeoutMs) {
    s = tmux('capture-pane', '-t', session, '-p');
    if (ok(s)) return s;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${String(what)}; screen was:\n${s}`);
}
