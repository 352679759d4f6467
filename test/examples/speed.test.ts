// The programs of bench/native.ts (examples/speed/) compute what their C source says on
// every engine: the interpreter, the x86-64 JIT and the RISC-V 64 JIT (as `run` runs them,
// uncounted), so the benchmark compares equal work with the kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openObject, selectProgram } from '../../src/cli/compose.ts';
import { createRunner, type EngineName } from '../../src/cli/engines.ts';

const SPEED = join(import.meta.dirname, '../../examples/speed');
const U64 = (v: bigint) => BigInt.asUintN(64, v);

/** `rounds` xorshift64 rounds from the C sources' seed; the sum of every state, folded to u32 as they return it. */
function xorshiftFold(rounds: number): number {
  let x = 88172645463325252n;
  let sum = 0n;
  for (let i = 0; i < rounds; i++) {
    x ^= U64(x << 13n);
    x ^= x >> 7n;
    x ^= U64(x << 17n);
    sum = U64(sum + x);
  }
  return Number(BigInt.asUintN(32, sum ^ (sum >> 32n)));
}

const CASES = [
  { object: 'speed_compute.o', retval: xorshiftFold(50_000) },
  { object: 'speed_loop.o', retval: xorshiftFold(2_000 * 16) },
  { object: 'speed_memory.o', retval: null },
];

for (const c of CASES) {
  test(`${c.object}: every engine returns what the C source computes`, async () => {
    const obj = openObject(join(SPEED, c.object));
    const got: Record<string, number> = {};
    for (const engine of ['interp', 'x86_64', 'riscv64'] as EngineName[]) {
      const runner = await createRunner(obj, selectProgram(obj, undefined), engine);
      try {
        const res = runner.testRun({ data: new Uint8Array(64), repeat: 2 });
        assert.equal(res.error, undefined, `${engine}: ${res.error?.message}`);
        got[engine] = res.retval;
      } finally {
        runner.dispose();
      }
    }
    if (c.retval !== null) assert.equal(got['interp'], c.retval);
    assert.equal(got['x86_64'], got['interp']);
    assert.equal(got['riscv64'], got['interp']);
  });
}
