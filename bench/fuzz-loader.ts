// Loader fuzz bench: `node --import tsx bench/fuzz-loader.ts [count] [seed]`.
// Mutates the selftest objects (test/object/mutate.ts), loads each file and prints
// files/s and how many were accepted or rejected, by Diag code. Exits 1 if any load threw
// reported an internal error or accepted a file that breaks a BpfObject invariant
// (printing the seed and index that reproduce it).
import { loadObject, ObjCode } from '../src/object/index.ts';
import { brokenInvariant } from '../test/object/invariants.ts';
import { layoutOf, mutate } from '../test/object/mutate.ts';
import { fuzzCorpusPaths, haveTestdata, readBytes } from '../test/object/testdata.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
if (!haveTestdata) {
  console.error('fuzz-loader: ../shared/testdata is missing');
  process.exit(2);
}
const corpus = fuzzCorpusPaths();
const layouts = corpus.map((p) => layoutOf(readBytes(p)));

// Baseline: the unmutated objects, each loaded repeatedly (warm), slowest first.
const baseline = corpus.map((p, k) => {
  const bytes = layouts[k]!.bytes;
  for (let i = 0; i < 50; i++) loadObject(bytes, p);
  const n = 500;
  const t = performance.now();
  for (let i = 0; i < n; i++) loadObject(bytes, p);
  return { name: p.slice(p.lastIndexOf('/') + 1), ms: (performance.now() - t) / n };
});
baseline.sort((a, b) => b.ms - a.ms);
console.log(
  `unmutated load: slowest ${baseline[0]!.name} ${baseline[0]!.ms.toFixed(3)} ms, ` +
    `mean ${(baseline.reduce((n, b) => n + b.ms, 0) / baseline.length).toFixed(3)} ms over ${baseline.length} objects`,
);

const counts = new Map<string, number>();
let bad = 0;
const t0 = performance.now();
let lastReport = t0;
for (let i = 0; i < count; i++) {
  const bytes = mutate(layouts[i % layouts.length]!, seed, i);
  let code: string;
  try {
    const r = loadObject(bytes, 'fuzz.o');
    code = r.ok ? 'accepted' : r.error.code;
    const broken = r.ok ? brokenInvariant(r.value) : undefined;
    if (broken) {
      code = 'BROKEN';
      bad++;
      if (bad <= 10) console.error(`seed ${seed} index ${i}: accepted but ${broken}`);
    }
    if (!r.ok && r.error.code === ObjCode.internal) {
      bad++;
      if (bad <= 10) console.error(`seed ${seed} index ${i}: ${r.error.message}`);
    }
  } catch (e) {
    code = 'THREW';
    bad++;
    if (bad <= 10) console.error(`seed ${seed} index ${i}: threw ${String(e)}`);
  }
  counts.set(code, (counts.get(code) ?? 0) + 1);
  const now = performance.now();
  if (now - lastReport > 10_000) {
    console.error(`... ${i + 1} files, ${Math.round(((i + 1) * 1000) / (now - t0))} files/s`);
    lastReport = now;
  }
}
const secs = (performance.now() - t0) / 1000;
console.log(`${count} files in ${secs.toFixed(1)} s: ${Math.round(count / secs)} files/s (seed ${seed})`);
for (const [code, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`${String(n).padStart(9)}  ${code}`);
process.exit(bad ? 1 : 0);
