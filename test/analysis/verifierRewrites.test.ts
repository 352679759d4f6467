// The verifier decisions that change the JITed image beyond the tail-call selftests, with the
// Linux 6.18.44 x86-64 JIT's bytes (../shared/testdata/kernel-wide) as the expected result,
// compared as the kernel-wide measure does (test/support/kernelWide.ts: the dump path, masking only
// address fields):
// - dead code: branches that value ranges make impossible are hard-wired and removed
//   (64-bit and 32-bit bounds, register-register compares);
// - a lookup in an array map with a constant in-range key is not NULL (the NULL check and
//   its branch go);
// - hash, LRU hash and map-in-map lookups are inlined (htab_map_gen_lookup,
//   array_of_map_gen_lookup);
// - storage_get calls carry the hidden GFP argument (`mov r8d, 0x820`);
// - direct tail-call sites of statically initialised prog_array slots are armed at load;
// - bpf_loop calls with flags 0 and a constant callback are inlined (inline_bpf_loop);
// - R0 of a 32-bit cmpxchg read as 64 bits later is zero-extended (`mov eax, eax`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findProfile } from '../../src/jit/index.ts';
import { measureCorpus } from '../support/kernelWide.ts';
import { testdataDir } from '../object/testdata.ts';

const dir = path.join(testdataDir, 'kernel-wide');
const jsonPath = path.join(dir, 'kernel_jited.json');

const CASES: [string, string][] = [
  ['verifier_bounds_deduction_non_const.o', 'dead code from 64- and 32-bit bounds'],
  ['verifier_bounds_mix_sign_unsign.o', 'dead code after an inlined hash lookup'],
  ['verifier_spin_lock.o', 'non-NULL lookup with a constant array key'],
  ['verifier_value.o', 'inlined hash lookups'],
  ['test_map_lock.o', 'inlined hash lookup with a constant-key array lookup'],
  ['test_sk_storage_tracing.o', 'the storage helpers GFP argument'],
  ['test_prog_array_init.o', 'a statically initialised prog_array slot armed at load'],
  ['verifier_subprog_precision.o', 'bpf_loop calls inlined with their 24 stack bytes'],
  ['access_map_in_map.o', 'array-of-maps and hash-of-maps lookups inlined'],
  ['tcp_ca_write_sk_pacing.o', 'the zero-extension after a 32-bit cmpxchg'],
];

for (const [obj, what] of CASES) {
  test(`${obj}: ${what}, byte-identical to Linux 6.18 modulo addresses`, (t) => {
    if (!existsSync(jsonPath)) {
      assert.ok(!process.env.CI, `${jsonPath} is absent under CI`);
      return t.skip(`${jsonPath} is absent`);
    }
    const r = measureCorpus(dir, findProfile('kernel-wide')!, obj);
    const mine = r.outcomes.filter((o) => o.obj === obj);
    assert.ok(mine.length > 0);
    assert.deepEqual(
      mine.filter((o) => !o.identical).map((o) => `${o.prog}#${o.index}: ${o.cause}`),
      [],
    );
  });
}
