// The kernel's tail-call selftests (../shared/testdata/kernel-selftests/expected.json) on
// the reference interpreter: every test whose steps it can run (all but those needing
// fentry/fexit/freplace attachment or the concurrent tailcall_poke), with the retvals,
// map-operation results and global values a Linux 6.12+ kernel produces (shared tail-call
// counter: 33 limit, hierarchy counts 34/35, __retval(33)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedPath, readExpected, type SelfTest } from '../support/expectedSelftests.ts';
import { interpreterSelftestEngine, runSelftest } from '../support/selftestRunner.ts';
import { present } from '../support/required.ts';

const RUNNABLE = new Set(['load', 'map_update', 'map_delete', 'run', 'global_read', 'global_write']);

function runnable(t: SelfTest): boolean {
  return t.steps.every((s) => RUNNABLE.has(s.op) && !s.attach_target);
}

test('kernel tail-call selftests on the reference interpreter', async (t) => {
  if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata absent');
  const x = readExpected();
  const run = x.tests.filter(runnable);
  assert.ok(run.length >= 15, `only ${run.length} runnable tests`);
  for (const st of x.tests) {
    if (!runnable(st)) {
      await t.test(st.name, (s) => s.skip('attach steps need JITed code and BPF trampolines: test/engine/selftests.x86.test.ts runs this test'));
      continue;
    }
    await t.test(st.name, () => runSelftest(st, x, interpreterSelftestEngine('by-pointer')));
  }
});

test('the tests that are also in Linux 6.1 pass with the 5.10-6.11 by-value tail-call counter', async (t) => {
  if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata absent');
  const x = readExpected();
  const old = x.tests.filter((st) => runnable(st) && st.present_in.includes('linux-6.1'));
  assert.equal(old.length, 12);
  for (const st of old) await t.test(st.name, () => runSelftest(st, x, interpreterSelftestEngine('by-value')));
});

test('the by-value counter gives the pre-6.10 count for the hierarchy test (not the 6.12 34)', (t) => {
  if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata absent');
  const x = readExpected();
  const st = x.tests.find((q) => q.name === 'tailcall_bpf2bpf_hierarchy_1')!;
  // Each subprog call gets a copy of the counter, so the call tree grows like 2^33: the
  // budget stops it, which is what "no shared counter" means for this program.
  assert.throws(() => runSelftest(st, x, interpreterSelftestEngine('by-value')), /budget/);
});
