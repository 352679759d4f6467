// The sample recordings shipped in sessions/ (made by scripts/make-sample-sessions.ts)
// replay under this engine, verify every checkpoint and end in their recorded state hash;
// the version-1 ones still read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { commandsOf, readRecordingFile } from '../../src/record/index.ts';
import { repoRoot, replay } from './fixture.ts';

const dir = path.join(repoRoot, 'sessions');
const samples = readdirSync(dir)
  .filter((f) => f.endsWith('.bpfrec'))
  .sort();

test('sessions/ ships the tail-call chain, 33-hop limit, private-stack, two-object fentry/fexit and RISC-V samples', () => {
  for (const want of ['tailchain', 'selfloop', 'privstack', 'subprog-trace', 'riscv-tailchain'])
    assert.ok(
      samples.some((f) => f.startsWith(want)),
      `no ${want} sample`,
    );
  const rv = readRecordingFile(
    path.join(
      dir,
      samples.find((f) => f.startsWith('riscv-'))!,
    ),
  );
  assert.ok(rv.ok, !rv.ok ? rv.error.message : '');
  assert.equal(rv.value.meta.options.arch, 'riscv64');
  assert.equal(rv.value.meta.engine, 'bpfdbg-0.1.0/riscv64-unicorn2');
});

test('the fentry/fexit sample carries its second object and its --attach setup (format version 2)', () => {
  const rec = readRecordingFile(
    path.join(
      dir,
      samples.find((f) => f.startsWith('subprog-trace'))!,
    ),
  );
  assert.ok(rec.ok, !rec.ok ? rec.error.message : '');
  assert.equal(rec.value.meta.version, 2);
  assert.deepEqual(rec.value.meta.options.setup, [{ op: 'load', file: 'examples/trace_classify.o', attach: 'all' }]);
  assert.deepEqual(
    rec.value.meta.objects.map((o) => o.path),
    ['examples/trace_classify.o'],
  );
  assert.equal(rec.value.objectFiles.length, 1);
});

for (const f of samples) {
  test(`${f} replays to its recorded final state hash`, async () => {
    const rec = readRecordingFile(path.join(dir, f));
    assert.ok(rec.ok, !rec.ok ? rec.error.message : '');
    const r = await replay(rec.value, f);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.finalHash, rec.value.final.hash);
    assert.equal(r.value.instructions, rec.value.final.at);
    assert.equal(r.value.commands, commandsOf(rec.value).length);
    assert.equal(r.value.checkpointsVerified, rec.value.checkpoints.length);
  });
}
