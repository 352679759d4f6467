// Differential fuzzing at scale: `node --import tsx bench/fuzz-diff.ts [programs] [firstSeed]`
// runs generated programs on the reference interpreter and on x86-64 under every profile,
// then every instruction form with edge operands, and prints throughput and mismatches.
import { X86_PROFILES } from '../src/jit/profiles.ts';
import { generateCase } from '../test/support/randomProgram.ts';
import { formCases } from '../test/support/formCases.ts';
import { diff, runInterp, X86Pool } from '../test/support/differential.ts';

const count = Number(process.argv[2] ?? 10000);
const first = Number(process.argv[3] ?? 1_000_000);
const pools = X86_PROFILES.map((p) => new X86Pool(p, 256));
let mismatches = 0,
  rejected = 0;
const t0 = performance.now();
for (let seed = first; seed < first + count; seed++) {
  const c = generateCase({ seed, size: 16 + (seed % 48) });
  const want = { 'by-pointer': runInterp(c, 'by-pointer'), 'by-value': runInterp(c, 'by-value') };
  for (const pool of pools) {
    const w = want[pool.profile.tcc === 'by-value' ? 'by-value' : 'by-pointer'];
    const got = await pool.run(c);
    if (typeof w === 'string' || typeof got === 'string') {
      rejected++;
      continue;
    }
    const d = diff(w, got);
    if (d) {
      mismatches++;
      if (mismatches <= 20) console.log(`MISMATCH seed ${seed} ${pool.profile.name}: ${d}`);
    }
  }
  if ((seed - first + 1) % 1000 === 0) {
    const s = (performance.now() - t0) / 1000;
    console.log(
      `${seed - first + 1} programs x ${pools.length} profiles in ${s.toFixed(1)} s (${((seed - first + 1) / s).toFixed(0)} programs/s), mismatches ${mismatches}, rejected ${rejected}`,
    );
  }
}
const forms = formCases();
let formMismatches = 0;
const pool = new X86Pool(X86_PROFILES[0]!, 512);
const t1 = performance.now();
for (const c of forms) {
  const w = runInterp(c);
  const got = await pool.run(c);
  if (typeof w === 'string' || typeof got === 'string') continue;
  if (diff(w, got)) formMismatches++;
}
pool.close();
pools.forEach((p) => p.close());
console.log(
  `generated programs: ${count} x ${X86_PROFILES.length} profiles, ${mismatches} mismatches, ${rejected} rejected, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(`instruction forms: ${forms.length} cases, ${formMismatches} mismatches, ${((performance.now() - t1) / 1000).toFixed(1)} s`);
process.exitCode = mismatches + formMismatches > 0 ? 1 : 0;
