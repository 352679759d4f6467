// Structured recording fuzz bench: `node --import tsx bench/fuzz-recording.ts [count] [seed] [replays]`.
// Records a short session on examples/tailchain.o, then mutates its decoded sections
// (test/record/mutateRecording.ts), re-encodes them with valid hashes and decodes each;
// `replays` of the ones that decode (spread over the run) are replayed. Prints cases/s
// and the outcomes by Diag code; exits 1 on any exception, internal error or
// multi-line error, printing the seed and index that reproduce it.
import * as path from 'node:path';
import { recordScript, repoRoot, roundTrip } from '../test/record/fixture.ts';
import { decodeCase, replayCase } from '../test/record/recordingFuzz.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
const replays = Number(process.argv[4] ?? 200);

const s = await recordScript(path.join(repoRoot, 'examples', 'tailchain.o'), ['start', 'stepi 5', 'continue'], { interval: 32 });
const base = roundTrip(s.rec.toRecording());
s.rec.tts.session.dispose();

const counts = new Map<string, number>();
const note = (code: string): void => void counts.set(code, (counts.get(code) ?? 0) + 1);
let bad = 0;
let replayed = 0;
const every = Math.max(1, Math.floor(count / Math.max(1, replays)));
const t0 = performance.now();
let replayMs = 0;
let lastReport = t0;
for (let i = 0; i < count; i++) {
  const { outcome, rec } = decodeCase(base, seed, i);
  note(outcome.code);
  if (outcome.failure && ++bad <= 10) console.error(`seed ${seed} index ${i}: ${outcome.failure}`);
  if (rec && replayed < replays && i >= replayed * every) {
    const t = performance.now();
    const o = await replayCase(rec);
    replayMs += performance.now() - t;
    replayed++;
    note(`replay ${o.code}`);
    if (o.failure && ++bad <= 10) console.error(`seed ${seed} index ${i} (replay): ${o.failure}`);
  }
  const now = performance.now();
  if (now - lastReport > 10_000) {
    lastReport = now;
    console.log(`  ${i + 1} cases, ${bad} failures`);
  }
}
const secs = (performance.now() - t0 - replayMs) / 1000;
console.log(
  `${count} mutated recordings decoded in ${secs.toFixed(1)} s (${Math.round(count / secs)}/s); ${replayed} replays in ${(replayMs / 1000).toFixed(1)} s`,
);
for (const [code, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${code.padEnd(28)} ${n}`);
console.log(bad ? `FAIL: ${bad} failures` : 'no exception, no internal error, no malformed error');
process.exit(bad ? 1 : 0);
