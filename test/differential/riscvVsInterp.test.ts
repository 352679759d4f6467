// One oracle: the reference interpreter. Every RISC-V 64 profile must agree with it on
// 2,000 generated programs (ALU, branches, loops, stack/ctx/map memory, atomics, helpers,
// bpf2bpf calls, tail calls) and on the instruction forms with edge operands: identical
// R0 (a5 when the program returns, see RiscvEngine), map contents and tail-call counts,
// with the interpreter's counter mode for each profile (tccModeFor). Under 'upstream' the
// kernel's verifier rejects bpf2bpf calls mixed with tail calls: both sides must reject
// those programs, for that reason. Zero mismatches. Engines are recreated every 32 cases:
// Unicorn's cost per mapped region grows with the regions already mapped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RV_PROFILES, RV_UPSTREAM } from '../../src/jit/riscv64/index.ts';
import { tccModeFor } from '../../src/jit/profiles.ts';
import { generateCase } from '../support/randomProgram.ts';
import { formCases } from '../support/formCases.ts';
import { diff, formCaseMismatches, rejectionCode, RiscvPool, runInterp } from '../support/differential.ts';

const PROGRAMS = Number(process.env.BPFDBG_DIFF_PROGRAMS ?? 2000);
const MIXING = 'verifier.tail-call-with-bpf2bpf';

test(`${PROGRAMS} generated programs agree with the interpreter under every RISC-V profile`, async () => {
  const pools = RV_PROFILES.map((p) => new RiscvPool(p, 32));
  const mismatches: string[] = [];
  const ran = new Map<string, number>();
  let tailCalls = 0,
    rejected = 0;
  try {
    for (let seed = 1; seed <= PROGRAMS; seed++) {
      const c = generateCase({ seed });
      for (const pool of pools) {
        const name = pool.profile.name;
        const want = runInterp(c, tccModeFor(pool.profile), pool.profile);
        const got = await pool.run(c);
        if (typeof want === 'string' || typeof got === 'string') {
          // A rejection is an agreement only when both sides give the kernel's reason.
          const codes = [want, got].map((o) => (typeof o === 'string' ? rejectionCode(o) : 'ran'));
          if (pool.profile === RV_UPSTREAM && codes[0] === MIXING && codes[1] === MIXING) rejected++;
          else
            mismatches.push(`seed ${seed} ${name}: interpreter ${typeof want === 'string' ? want : 'ran'}, riscv64 ${typeof got === 'string' ? got : 'ran'}`);
          continue;
        }
        const d = diff(want, got);
        if (d) mismatches.push(`seed ${seed} ${name}: ${d}`);
        ran.set(name, (ran.get(name) ?? 0) + 1);
        if (pool === pools[1]) tailCalls += got.tailCalls > 0 ? 1 : 0;
      }
    }
  } finally {
    pools.forEach((p) => p.close());
  }
  assert.deepEqual(mismatches.slice(0, 10), []);
  // The generator must exercise tail calls, and upstream must both run and reject programs.
  assert.ok(tailCalls > PROGRAMS / 20, `only ${tailCalls} programs took a tail call`);
  assert.ok(rejected > PROGRAMS / 10, `only ${rejected} programs mixed bpf2bpf calls and tail calls`);
  assert.ok((ran.get(RV_UPSTREAM.name) ?? 0) > PROGRAMS / 3, 'upstream ran too few programs');
  for (const p of RV_PROFILES.slice(1)) assert.equal(ran.get(p.name), PROGRAMS, `${p.name} ran every program`);
});

test('ALU, byte-swap, sign-extension and jump forms agree with the interpreter on edge operands (RISC-V)', async () => {
  // The forms do not depend on the counter scheme, so one profile runs them; a stride
  // through the cross product keeps CI fast.
  const cases = formCases().filter((_, k) => k % 11 === 0);
  const mismatches = await formCaseMismatches(cases, new RiscvPool(RV_UPSTREAM, 512), (c) => runInterp(c, tccModeFor(RV_UPSTREAM), RV_UPSTREAM));
  assert.ok(cases.length > 5000, `${cases.length} form cases`);
  assert.deepEqual(mismatches.slice(0, 10), []);
});
