// Loader fuzz bench: `node --import tsx bench/fuzz-loader.ts [count] [seed]`.
// Mutates the selftest objects (test/object/mutate.ts), loads each file and prints
// files/s and how many were accepted or rejected, by Diag code. Exits 1 if any load threw
// or reported an internal error (printing the seed and index that reproduce it).
import { loadObject, ObjCode } from '../src/object/index.ts';
import { layoutOf, mutate } from '../test/object/mutate.ts';
import { allObjectPaths, haveTestdata, readBytes } from '../test/object/testdata.ts';

const count = Number(process.argv[2] ?? 1_000_000);
const seed = Number(process.argv[3] ?? 1);
if (!haveTestdata) {
  console.error('fuzz-loader: ../shared/testdata is missing');
  process.exit(2);
}
const layouts = allObjectPaths().map((p) => layoutOf(readBytes(p)));
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
