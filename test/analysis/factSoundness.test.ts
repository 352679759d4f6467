// The abstract interpreter's facts hold on real runs: on generated programs, the reference
// interpreter never executes an instruction the analysis found unreachable, never takes a
// branch side it removed, and never holds a register value outside the constant or range
// the analysis derived for it. Dead-code removal and hard-wired branches depend on these
// facts; the JIT differential tests run the same image and cannot see them fail.
// BPFDBG_FACT_PROGRAMS=N sweeps more seeds (e.g. 20000 before changing scalarRanges.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateCase } from '../support/randomProgram.ts';
import { factViolations } from '../support/rangeOracle.ts';

const PROGRAMS = Number(process.env.BPFDBG_FACT_PROGRAMS ?? 2500);

test(`${PROGRAMS} generated programs run only where the analysis' facts allow`, () => {
  const bad: string[] = [];
  for (let seed = 1; seed <= PROGRAMS; seed++) {
    for (const v of factViolations(generateCase({ seed }))) bad.push(`seed ${seed}: ${v}`);
  }
  assert.deepEqual(bad.slice(0, 10), []);
});

test(`${Math.ceil(PROGRAMS / 10)} longer generated programs (more joins, wider ranges) too`, () => {
  const bad: string[] = [];
  for (let seed = 1; seed <= Math.ceil(PROGRAMS / 10); seed++) {
    for (const v of factViolations(generateCase({ seed: 100_000 + seed, size: 64 }))) bad.push(`seed ${100_000 + seed} size 64: ${v}`);
  }
  assert.deepEqual(bad.slice(0, 10), []);
});

test('two constant arguments joined at a subprogram entry keep their low-half ranges (seed 1742)', () => {
  // Their hull had fixed upper bits but s32 halves 760 and -846: sync found the range empty,
  // the subprogram's code after the compare was removed, and the run fell off its end.
  assert.deepEqual(factViolations(generateCase({ seed: 1742 })), []);
});
