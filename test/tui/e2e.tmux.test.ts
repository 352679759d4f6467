// End to end: the real bin/bpfdbg in tmux on the tail-call example. Break on the entry
// program, stop before its direct tail call, swap the prog_array slot from the
// command line (B -> B), step into the new target, continue to the end, delete the slot
// (B -> D -> C), quit; assertions read the captured screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hasTmux, sleep, tmux, waitForScreen } from '../support/tmux.ts';

const ROOT = join(import.meta.dirname, '../..');
const SESSION = `bpfdbg-e2e-${process.pid}`;

const waitFor = (what: RegExp | ((s: string) => boolean), timeoutMs = 15000): Promise<string> => waitForScreen(SESSION, what, timeoutMs);

async function command(cmd: string, expect: RegExp): Promise<string> {
  tmux('send-keys', '-t', SESSION, '-l', cmd);
  tmux('send-keys', '-t', SESSION, 'Enter');
  return waitFor(expect);
}

/** The pokes pane line of descriptor #0 of `entry` ("B  #0 entry:10 chain[0] ..."). */
const pokeLine = (s: string) => s.split('\n').find((l) => /#0 entry:10 chain\[0\]/.test(l)) ?? '';

test('tmux: break, swap a prog_array slot live, step into the new target, continue, quit', { skip: hasTmux ? false : 'tmux is not installed' }, async () => {
  const data = '00'.repeat(40);
  tmux(
    'new-session',
    '-d',
    '-s',
    SESSION,
    '-x',
    '200',
    '-y',
    '60',
    `cd ${ROOT} && NO_COLOR=1 node bin/bpfdbg examples/tailchain.o --data-hex ${data}; sleep 30`,
  );
  try {
    await waitFor(/not started/);
    await command('break entry', /Breakpoint 1 at entry/);
    await command('run', /Breakpoint 1, entry:0/);
    await command('tbreak entry:10', /Temporary breakpoint 2|Breakpoint 2/);
    let s = await command('continue', /Temporary breakpoint 2, entry:10/);
    assert.match(pokeLine(s), /^\s*B\s/, 'armed at load: the prog_array initialiser filled slot 0');

    // Replace while stopped before the site: one 5-byte rewrite of the target jump (B->B).
    s = await command('map update chain 0 stage_verdict', /B->B/);
    assert.match(pokeLine(s), /^\s*B\s.*stage_verdict/, 'the pokes pane shows the new target');

    s = await command('step', /stage_verdict:0/);
    assert.match(s.split('\n')[0]!, /stage_verdict/, 'the status line names the tail-call target');

    s = await command('continue', /exited with retval 1/);
    // After the exit no CPU is inside BPF: a delete completes its grace period at once (B->D->C).
    s = await command('map delete chain 0', /D->C/);
    assert.match(pokeLine(s), /^\s*C\s/);
    tmux('send-keys', '-t', SESSION, 'Escape');
    await sleep(200);
    tmux('send-keys', '-t', SESSION, 'q');
    s = await waitFor((x) => !/Registers/.test(x));
    assert.doesNotMatch(s, /Code .*entry/, 'the alternate screen is gone after quitting');
  } finally {
    spawnSync('tmux', ['kill-session', '-t', SESSION], { stdio: 'ignore' });
  }
});
