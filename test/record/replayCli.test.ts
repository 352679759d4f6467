// `bpfdbg replay`: a sample replays in batch mode and takes commands at its end; a damaged
// file is one line on stderr naming where, and a non-zero exit — never a stack trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot } from './fixture.ts';

const run = (args: string[], input = ''): { code: number | null; out: string; err: string } => {
  const r = spawnSync(path.join(repoRoot, 'bin/bpfdbg'), args, { cwd: repoRoot, input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('replay --batch --json prints a summary, then one object per command, reverse ones included', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
  const cmds = path.join(dir, 'cmds');
  writeFileSync(cmds, 'reverse-stepi 3\ninfo registers\nstepi 3\n');
  const r = run(['replay', 'sessions/selfloop-33-hops.bpfrec', '--batch', '-x', cmds, '--json']);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!['schema'], 'bpfdbg.replay/1');
  assert.equal(lines[0]!['ok'], true);
  assert.deepEqual(lines.slice(1).map((l) => [l['command'], l['ok']]), [['reverse-stepi 3', true], ['info registers', true], ['stepi 3', true]]);
});

test('a recording with one flipped byte fails with one line naming the section, exit 1', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'replay-'));
  const bytes = readFileSync(path.join(repoRoot, 'sessions/privstack-run.bpfrec'));
  bytes[bytes.length - 200] ^= 0xff;
  const f = path.join(dir, 'bad.bpfrec');
  writeFileSync(f, bytes);
  const r = run(['replay', f, '--batch'], '');
  assert.equal(r.code, 1);
  assert.equal(r.err.trim().split('\n').length, 1);
  assert.match(r.err, /bad\.bpfrec: section \S+ offset 0x[0-9a-f]+: section \S+ is corrupt/);
  assert.doesNotMatch(r.err, /at .*\.ts:\d+/);
});
