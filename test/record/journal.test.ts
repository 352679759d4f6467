// kill -9 during a recording session (issue 15 item 3): no handler runs and nothing is
// saved, but the session's journal (record/journal.ts) holds every finished command; the
// next `--record` into that directory turns it into the recording, which replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandsOf, readRecordingFile } from '../../src/record/index.ts';
import { journalPath, readJournal, recoverJournals } from '../../src/record/journal.ts';
import { replay, repoRoot } from './fixture.ts';

const data = '00'.repeat(40);

test('a session killed with SIGKILL leaves a journal of its finished commands; the next --record turns it into a recording that replays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const file = join(dir, 'killed.bpfrec');
  // Batch mode reading commands from a pipe: two commands, then it waits for more.
  const p = spawn(process.execPath, ['bin/bpfdbg', 'examples/tailchain.o', '--data-hex', data, '--record', file, '--batch'], {
    cwd: repoRoot,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  p.stdout.on('data', (b: Buffer) => void (out += b.toString()));
  const exited = new Promise<number | null>((r) => p.on('exit', (_c, s) => r(s === 'SIGKILL' ? -9 : _c)));
  p.stdin.write('break entry\nrun\nstepi 3\n');
  const t0 = Date.now();
  const journaled = (): number => {
    const j = readJournal(journalPath(file));
    return j.ok ? commandsOf(j.value.rec).length : 0;
  };
  while (journaled() < 3) {
    if (Date.now() - t0 > 60_000) throw new Error(`no journal of 3 commands; output:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  p.kill('SIGKILL');
  assert.equal(await exited, -9);
  assert.ok(!existsSync(file), 'nothing was saved');
  assert.ok(existsSync(journalPath(file)), 'the journal survived');

  // A torn last line (killed mid-write) is dropped, not an error.
  writeFileSync(journalPath(file), '{"commands":[', { flag: 'a' });
  const notes = recoverJournals(dir);
  assert.equal(notes.length, 1);
  assert.match(notes[0]!, /^recovered an interrupted recording \(3 commands, \d+ instructions\) to .*killed\.bpfrec$/);
  assert.ok(!existsSync(journalPath(file)), 'the journal is gone once recovered');
  const rec = readRecordingFile(file);
  assert.ok(rec.ok, !rec.ok ? rec.error.message : '');
  assert.deepEqual(
    commandsOf(rec.value).map((c) => c.text),
    ['break entry', 'run', 'stepi 3'],
  );
  const r = await replay(rec.value, file);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.commands, 3);
  assert.equal(r.value.finalHash, rec.value.final.hash);
  assert.deepEqual(readdirSync(dir).sort(), ['killed.bpfrec']);
});

test('a session that ends normally saves its recording and leaves no journal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'journal-'));
  const file = join(dir, 'ok.bpfrec');
  const p = spawn(process.execPath, ['bin/bpfdbg', 'examples/tailchain.o', '--data-hex', data, '--record', file, '--batch'], {
    cwd: repoRoot,
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  p.stdin.end('break entry\nrun\n');
  const code = await new Promise<number | null>((r) => p.on('exit', (c) => r(c)));
  assert.equal(code, 0);
  assert.deepEqual(readdirSync(dir), ['ok.bpfrec']);
});
