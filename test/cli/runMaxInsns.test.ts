// `bpfdbg run --max-insns N` (issue 15 item 6): every engine stops a run at its budget
// with one error line naming the place, exit 1; a bad value is a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = (args: string[]) => spawnSync(path.join(root, 'bin/bpfdbg'), args, { cwd: root, encoding: 'utf8' });
const packet = '00'.repeat(64);

test('run --max-insns stops the tail-call loop of selfloop.o on every engine', () => {
  for (const engine of ['interp', 'x86_64', 'riscv64']) {
    const r = run(['run', 'examples/selfloop.o', '--engine', engine, '--data-hex', packet, '--max-insns', '50']);
    assert.equal(r.status, 1, engine);
    const err = r.stderr.trim();
    assert.equal(err.split('\n').length, 1, err);
    assert.match(err, /^bpfdbg: examples\/selfloop\.o: loop.*instruction budget (of 50|\(50\)) exhausted/, engine);
  }
});

test('run --max-insns wants a positive integer', () => {
  const r = run(['run', 'examples/selfloop.o', '--max-insns', '0']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--max-insns wants a positive integer, got '0'/);
});

test('a stopped run is placed the same way on every engine: program, and for BPF insns the source line', () => {
  const lines = ['interp', 'x86_64'].map((engine) =>
    run(['run', 'examples/selfloop.o', '--engine', engine, '--data-hex', packet, '--max-insns', '50']).stderr.trim(),
  );
  for (const l of lines) assert.match(l, /^bpfdbg: examples\/selfloop\.o: loop insn \d+ \([^)]+:\d+\): /, l);
  // The JIT engines also name the native address.
  assert.match(lines[1]!, /at loop\+0x[0-9a-f]+ \(0xffffffffc0[0-9a-f]+\)$/);
});
