// One oracle: the reference interpreter. Every x86-64 profile must agree with it on 2,000
// generated programs (ALU, branches, loops, stack/ctx/map memory, atomics, helpers,
// bpf2bpf calls, direct and indirect tail calls) and on every instruction form with edge
// operands: identical r0, map contents and tail-call counts. Zero mismatches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X86_PROFILES } from '../../src/jit/profiles.ts';
import { generateCase } from '../support/randomProgram.ts';
import { formCases } from '../support/formCases.ts';
import { diff, formCaseMismatches, runInterp, X86Pool, type Observation } from '../support/differential.ts';

const PROGRAMS = Number(process.env.BPFDBG_DIFF_PROGRAMS ?? 2000);

test(`${PROGRAMS} generated programs agree with the interpreter under every x86-64 profile`, async () => {
  const pools = X86_PROFILES.map((p) => new X86Pool(p, 32));
  const mismatches: string[] = [];
  let tailCalls = 0,
    helperOrCall = 0;
  try {
    for (let seed = 1; seed <= PROGRAMS; seed++) {
      const c = generateCase({ seed });
      const oracle: Record<string, Observation | string> = { 'by-pointer': runInterp(c, 'by-pointer'), 'by-value': runInterp(c, 'by-value') };
      for (const pool of pools) {
        const want = oracle[pool.profile.tcc === 'by-value' ? 'by-value' : 'by-pointer']!;
        const got = await pool.run(c);
        if (typeof want === 'string' || typeof got === 'string') {
          mismatches.push(`seed ${seed} ${pool.profile.name}: rejected (${typeof want === 'string' ? want : got})`);
          continue;
        }
        const d = diff(want, got);
        if (d) mismatches.push(`seed ${seed} ${pool.profile.name}: ${d}`);
        if (pool === pools[0]) tailCalls += got.tailCalls > 0 ? 1 : 0;
      }
      if (c.object.programs.some((p) => p.insns.some((i) => i.code === 0x85))) helperOrCall++;
    }
  } finally {
    pools.forEach((p) => p.close());
  }
  // The generator must really exercise calls and tail calls, or this test proves little.
  assert.ok(tailCalls > PROGRAMS / 20, `only ${tailCalls} programs took a tail call`);
  assert.ok(helperOrCall > PROGRAMS / 2, `only ${helperOrCall} programs made calls`);
  assert.deepEqual(mismatches.slice(0, 10), []);
});

test('every ALU, byte-swap, sign-extension and jump form agrees with the interpreter on edge operands', async () => {
  // A stride through the full cross product keeps CI fast; bench/fuzz-diff runs all of it.
  const cases = formCases().filter((_, k) => k % 7 === 0);
  const mismatches = await formCaseMismatches(cases, new X86Pool(X86_PROFILES[0]!, 512), runInterp);
  assert.ok(cases.length > 8000);
  assert.deepEqual(mismatches.slice(0, 10), []);
});
