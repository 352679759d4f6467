// Issue 14's acceptance: the real UI (bin/bpfdbg) under tmux drives a tail-call session —
// break, step by source line across the tail call, a map update, reverse-step, and a
// change in the past that asks before discarding the recorded future.
// Started from the repository directory: from another cwd the launcher currently fails
// ("React is not defined", tsx finds tsconfig.json only from the cwd); helper "speed"
// fixes bin/bpfdbg, after which this test should cd to a temporary directory instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hasTmux, sleep, tmux, waitForScreen } from '../support/tmux.ts';

const ROOT = join(import.meta.dirname, '../..');
const SESSION = `bpfdbg-acc-${process.pid}`;

const waitFor = (what: RegExp, timeoutMs = 20000): Promise<string> => waitForScreen(SESSION, what, timeoutMs);

/** Types a command line (opened once with `:`, it stays open) and waits for `expect`. */
async function command(cmd: string, expect: RegExp): Promise<string> {
  tmux('send-keys', '-t', SESSION, '-l', cmd);
  tmux('send-keys', '-t', SESSION, 'Enter');
  return waitFor(expect);
}

test(
  'tmux: break, step across the tail call by line, map update, reverse-step, and a change in the past asks',
  { skip: hasTmux ? false : 'tmux is not installed' },
  async () => {
    tmux('new-session', '-d', '-s', SESSION, '-x', '160', '-y', '48', `cd ${ROOT} && NO_COLOR=1 node bin/bpfdbg examples/tailchain.o; sleep 30`);
    try {
      await waitFor(/not started/);
      tmux('send-keys', '-t', SESSION, '-l', ':');
      await command('break entry', /Breakpoint 1 at entry/);
      await command('run', /Breakpoint 1, entry:0/);
      let s = await command('step', /entry:1 \(entry\+0x20/);
      assert.match(s, /tailchain\.c:53/);
      await command('step', /entry:5 /);
      s = await command('step', /stage_parse:0 /);
      assert.match(s, /tail call entry:10 -> stage_parse via chain\[0\] \(direct\)/);
      assert.match(s.split('\n')[0]!, /stage_parse/, 'the status bar names the tail-call target');
      s = await command('map update chain 2 stage_count', /chain\[2\] = stage_count/);
      s = await command('reverse-step', /Reverse|instruction \d+\n?.*entry:5 /);
      assert.match(s, /entry:5 /);
      // In the past: the UI asks, n keeps the future.
      tmux('send-keys', '-t', SESSION, '-l', 'map delete chain 1');
      tmux('send-keys', '-t', SESSION, 'Enter');
      s = await waitFor(/Do you want to discard the recorded future\? \(y or n\)/);
      tmux('send-keys', '-t', SESSION, 'n');
      s = await waitFor(/not confirmed, the recorded future is kept/);
      tmux('send-keys', '-t', SESSION, 'Escape');
      await sleep(200);
      tmux('send-keys', '-t', SESSION, 'q');
    } finally {
      spawnSync('tmux', ['kill-session', '-t', SESSION], { stdio: 'ignore' });
    }
  },
);
