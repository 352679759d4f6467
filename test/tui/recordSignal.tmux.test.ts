// A signal to a recording UI (issue 15 item 3): SIGTERM, SIGINT or SIGHUP to `bpfdbg OBJ
// --record FILE` in tmux restores the screen and saves the recording, commands included,
// before exiting; the recording then replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readRecordingFile, commandsOf } from '../../src/record/index.ts';
import { hasTmux, sleep, tmux, waitForScreen } from '../support/tmux.ts';

const ROOT = join(import.meta.dirname, '../..');

/** new-session, retried: the server of a session just killed may still be shutting down. */
async function startSession(session: string, cmd: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '48', cmd);
      return;
    } catch (e) {
      if (attempt >= 4) throw e;
      await sleep(300);
    }
  }
}

for (const sig of ['TERM', 'INT', 'HUP'] as const) {
  test(`tmux: SIG${sig} to a recording UI saves the recording with its commands`, { skip: hasTmux ? false : 'tmux is not installed' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'recsig-'));
    const file = join(dir, 'session.bpfrec');
    const pidFile = join(dir, 'pid');
    const session = `bpfdbg-recsig-${sig}-${process.pid}`;
    // The shell records bpfdbg's pid, then execs it: the signal goes to bpfdbg itself.
    await startSession(
      session,
      `cd ${ROOT} && sh -c 'echo $$ > ${pidFile}; NO_COLOR=1 exec node bin/bpfdbg examples/tailchain.o --data-hex ${'00'.repeat(40)} --record ${file}'; echo "exit=$?"; sleep 30`,
    );
    try {
      await waitForScreen(session, /not started/);
      // `:` opens the command line; it stays open for the commands that follow.
      tmux('send-keys', '-t', session, '-l', ':');
      tmux('send-keys', '-t', session, '-l', 'break entry');
      tmux('send-keys', '-t', session, 'Enter');
      await waitForScreen(session, /Breakpoint 1 at entry/);
      tmux('send-keys', '-t', session, '-l', 'run');
      tmux('send-keys', '-t', session, 'Enter');
      await waitForScreen(session, /Breakpoint 1, entry:0/);
      const pid = Number(execFileSync('cat', [pidFile], { encoding: 'utf8' }).trim());
      process.kill(pid, `SIG${sig}`);
      const s = await waitForScreen(session, /exit=\d+/);
      assert.match(s, /recorded 2 commands/);
      assert.ok(existsSync(file), 'the recording was saved');
      const rec = readRecordingFile(file);
      assert.ok(rec.ok, !rec.ok ? rec.error.message : '');
      assert.deepEqual(
        commandsOf(rec.value).map((c) => c.text),
        ['break entry', 'run'],
      );
    } finally {
      spawnSync('tmux', ['kill-session', '-t', session]);
    }
  });
}
