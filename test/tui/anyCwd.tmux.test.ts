// The full-screen UI starts from any directory (issue 14, bug 1): bin/bpfdbg run from a
// temporary directory, outside the repository, once through the TypeScript sources (tsx
// must use bpfdbg's own tsconfig.json, not look for one in the current directory) and once
// from the compiled dist/ (scripts/build.mjs). Each session breaks, runs and quits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasTmux, sleep, tmux, waitForScreen } from '../support/tmux.ts';

const ROOT = join(import.meta.dirname, '../..');

async function sessionFromTempDir(how: string, env: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bpfdbg-cwd-'));
  // A tsconfig.json without jsx in the current directory, as a user's project may have.
  writeFileSync(join(dir, 'tsconfig.json'), '{ "compilerOptions": { "strict": true } }\n');
  const session = `bpfdbg-cwd-${how}-${process.pid}`;
  const bin = join(ROOT, 'bin/bpfdbg');
  const obj = join(ROOT, 'examples/tailchain.o');
  tmux(
    'new-session',
    '-d',
    '-s',
    session,
    '-x',
    '120',
    '-y',
    '40',
    `cd ${dir} && ${env} NO_COLOR=1 node ${bin} ${obj} --data-hex ${'00'.repeat(40)}; echo "exit status $?"; sleep 30`,
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
    tmux('send-keys', '-t', session, 'Escape');
    await sleep(200);
    tmux('send-keys', '-t', session, 'q');
    const s = await waitForScreen(session, /exit status \d+/);
    assert.match(s, /exit status 0/);
    assert.doesNotMatch(s, /internal error/);
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = hasTmux ? false : 'tmux is not installed';

test('the UI starts from a directory outside the repository, through tsx', { skip }, async () => {
  await sessionFromTempDir('tsx', 'BPFDBG_TSX=1');
});

test('the UI starts from a directory outside the repository, from the compiled dist/', { skip }, async () => {
  // Build into dist/ as setup does; bin/bpfdbg then runs it (the sources are not newer).
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  await sessionFromTempDir('dist', '');
});
