// Exit codes (docs/cli.md): 0 success, 1 a problem with the input or a failed command or
// run, 2 a command-line mistake, 70 an internal error. Runs bin/bpfdbg itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../debugger/fixture.ts';

const bpfdbg = (args: string[], input = ''): { status: number | null; stdout: string; stderr: string } =>
  spawnSync(path.join(ROOT, 'bin/bpfdbg'), args, { cwd: ROOT, input, encoding: 'utf8' });

test('batch mode exits 1 when a command failed, 0 when all succeeded', () => {
  const bad = bpfdbg(['examples/tailchain.o', '--batch'], 'info program\ninfo nosuchtopic\n');
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /error: info: unknown topic 'nosuchtopic'/);
  assert.equal(bpfdbg(['examples/tailchain.o', '--batch', '--json'], 'info nosuchtopic\n').status, 1);
  assert.equal(bpfdbg(['examples/tailchain.o', '--batch'], 'info program\n').status, 0);
});

test('an unknown --profile is a usage error: exit 2, one line', () => {
  const r = bpfdbg(['examples/tailchain.o', '--profile', 'nosuch', '--batch'], '');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^bpfdbg: unknown x86_64 profile 'nosuch' \(host, linux-6\.18,/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('bpfdbg run prints no retval line when the run failed', () => {
  const r = bpfdbg(['run', 'examples/selfloop.o']);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /shorter than an Ethernet header/);
});
