// The sample recordings shipped in sessions/ (made by scripts/make-sample-sessions.ts)
// replay under this engine, verify every checkpoint and end in their recorded state hash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { commandsOf, readRecordingFile } from '../../src/record/index.ts';
import { repoRoot, replay } from './fixture.ts';

const dir = path.join(repoRoot, 'sessions');
const samples = readdirSync(dir).filter((f) => f.endsWith('.bpfrec')).sort();

test('sessions/ ships the tail-call chain, 33-hop limit and private-stack samples', () => {
  for (const want of ['tailchain', 'selfloop', 'privstack']) assert.ok(samples.some((f) => f.startsWith(want)), `no ${want} sample`);
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
