// The structured recording fuzzer (issue 15): 10,000 recordings whose decoded JSON was
// mutated and re-encoded with valid hashes. Each is refused with a one-line error naming
// the section and field, or decodes; a sample of those that decode replays to a result
// or a clean error. Never an exception, an internal error or a hang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { recordScript, repoRoot, roundTrip } from './fixture.ts';
import { decodeCase, replayCase } from './recordingFuzz.ts';

const CASES = 10_000;
const REPLAYS = 12;

test(`${CASES} structurally mutated recordings: no exception, no internal error; decoded ones replay cleanly`, async () => {
  const s = await recordScript(path.join(repoRoot, 'examples', 'tailchain.o'), ['start', 'stepi 5', 'continue'], { interval: 32 });
  const base = roundTrip(s.rec.toRecording());
  s.rec.tts.session.dispose();
  const failures: string[] = [];
  const codes = new Map<string, number>();
  const toReplay = [];
  for (let i = 0; i < CASES; i++) {
    const { outcome, rec } = decodeCase(base, 1, i);
    codes.set(outcome.code, (codes.get(outcome.code) ?? 0) + 1);
    if (outcome.failure) failures.push(`seed 1 index ${i}: ${outcome.failure}`);
    if (rec && toReplay.length < REPLAYS) toReplay.push({ i, rec });
  }
  for (const { i, rec } of toReplay) {
    const o = await replayCase(rec);
    if (o.failure) failures.push(`seed 1 index ${i} (replay): ${o.failure}`);
  }
  assert.deepEqual(failures, []);
  // The mutations reach the schema checks (not only the checksum checks) and some decode.
  assert.ok((codes.get('record.bad-section') ?? 0) > CASES / 2, JSON.stringify([...codes]));
  assert.ok((codes.get('accepted') ?? 0) > 0, JSON.stringify([...codes]));
});
