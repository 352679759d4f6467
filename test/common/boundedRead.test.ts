// Hostile input files (issue 15 item 2): devices, FIFOs and directories are refused before
// a byte is read, files over a kind's limit are refused by size, and the CLI turns each
// into one line and a non-zero exit instead of reading forever or blocking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { InputCode, readBoundedFile } from '../../src/common/boundedRead.ts';
import { repoRoot } from '../record/fixture.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'bounded-'));
const fifo = path.join(dir, 'fifo');
execFileSync('mkfifo', [fifo]);

const cli = (args: string[]): { code: number | null; err: string } => {
  // A reader that blocks or never ends would hit this timeout (status null).
  const r = spawnSync(path.join(repoRoot, 'bin/bpfdbg'), args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, input: '' });
  return { code: r.status, err: r.stderr };
};
const oneLine = (err: string): string => {
  assert.equal(err.trim().split('\n').length, 1, err);
  assert.doesNotMatch(err, /at .*\.ts:\d+|internal error/);
  return err.trim();
};

test('a regular file within the limit is read whole', () => {
  const f = path.join(dir, 'small');
  writeFileSync(f, Uint8Array.from([1, 2, 3]));
  const r = readBoundedFile(f, 3, 'test input');
  assert.ok(r.ok);
  assert.deepEqual([...r.value], [1, 2, 3]);
});

test('a file over the limit is refused by its size, naming the limit', () => {
  const f = path.join(dir, 'big');
  writeFileSync(f, new Uint8Array(10));
  const r = readBoundedFile(f, 9, 'test input');
  assert.equal(!r.ok && r.error.code, InputCode.tooLarge);
  assert.equal(!r.ok && r.error.message, 'is 10 bytes; test input may be at most 9 bytes');
});

test('devices, FIFOs and directories are refused without reading', () => {
  const dev = readBoundedFile('/dev/zero', 1 << 20, 'a BPF object');
  assert.equal(!dev.ok && dev.error.message, 'is a character device, not a regular file (a BPF object)');
  const f = readBoundedFile(fifo, 1 << 20, 'a recording');
  assert.equal(!f.ok && f.error.code, InputCode.notRegular);
  assert.match(!f.ok ? f.error.message : '', /is a FIFO/);
  assert.equal(!readBoundedFile(dir, 1, 'x').ok, true);
  assert.equal(!readBoundedFile(path.join(dir, 'none'), 1, 'x').ok && InputCode.noSuchFile, InputCode.noSuchFile);
});

test('bpfdbg list /dev/zero, run --data /dev/zero, replay /dev/zero and replay FIFO: one line, non-zero exit', () => {
  assert.match(oneLine(cli(['list', '/dev/zero']).err), /\/dev\/zero: is a character device/);
  const run = cli(['run', 'examples/xdp_parse.o', '--data', '/dev/zero']);
  assert.notEqual(run.code, 0);
  assert.match(oneLine(run.err), /\/dev\/zero: is a character device, not a regular file \(--data input\)/);
  const rz = cli(['replay', '/dev/zero', '--batch']);
  assert.notEqual(rz.code, 0);
  assert.match(oneLine(rz.err), /is a character device/);
  const rf = cli(['replay', fifo, '--batch']);
  assert.notEqual(rf.code, null, 'replay of a FIFO must not block');
  assert.match(oneLine(rf.err), /is a FIFO/);
});

test('a FIFO as the recording path is refused before the session starts, even with --force', () => {
  const r = cli(['examples/xdp_parse.o', '--batch', '--record', fifo, '--force', '-x', '/dev/null']);
  assert.notEqual(r.code, 0);
  assert.notEqual(r.code, null);
  assert.match(oneLine(r.err), /is a FIFO; a recording is written only to a regular file/);
  assert.ok(existsSync(fifo));
});
