// The kernel's tail-call selftests (../shared/testdata/kernel-selftests/expected.json) on
// the RISC-V 64 JIT running in Unicorn, under every RISC-V profile: the JITed code with
// the counter in a6 / s6 / a stack slot, prog_array updates as plain slot stores (RISC-V
// has no direct tail calls, so nothing is poked).
//  - Tests with attach steps run through the Attacher on RISC-V (src/engine/attach.ts with
//    attachRiscv.ts): fentry/fexit trampolines called from the two-nop patch site
//    (`auipc t1; jalr t0`), freplace as `auipc t1; jalr zero`.
//  - upstream: the kernels it models reject bpf2bpf calls mixed with tail calls; a test
//    whose object mixes them must fail to load for exactly that reason.
//  - The expected values are those of a 6.12+ kernel (one counter for the whole call
//    hierarchy). The tcc-on-stack profile keeps one counter per frame, so a tail call made
//    under a subprog counts in that frame's copy only and nothing flows back: the hierarchy
//    tests then never reach the limit (2^34 - 1 program runs, as the x86-64 5.10-6.11
//    by-value counter) and must exhaust an instruction budget instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RV_PROFILES } from '../../src/jit/riscv64/index.ts';
import type { JitProfile } from '../../src/jit/types.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import { allSteps, expectedPath, readExpected, type Expected, type SelfTest } from '../support/expectedSelftests.ts';
import { jitSelftestEngine, LoadRejected, runSelftest, SelftestRunner, withEngine } from '../support/selftestRunner.ts';
import { present } from '../support/required.ts';

const MIXING = 'verifier.tail-call-with-bpf2bpf';

const needsAttach = (t: SelfTest): boolean => allSteps(t.steps).some((s) => s.op === 'attach' || s.op === 'detach' || s.attach_target !== undefined);

const runOnRiscv = (t: SelfTest, x: Expected, profile: JitProfile): Promise<void> =>
  withEngine(
    () => RiscvEngine.create({ profile }),
    (eng) => runSelftest(t, x, jitSelftestEngine(eng, profile)),
  );

/** Runs a test expecting its first load to be refused; returns the refusal's code. */
async function rejection(t: SelfTest, x: Expected, profile: JitProfile): Promise<string | null> {
  try {
    await runOnRiscv(t, x, profile);
    return null;
  } catch (e) {
    if (e instanceof LoadRejected) return e.code;
    throw e;
  }
}

/** Under tcc-on-stack these never reach the limit (as x86-64's by-value counter: every one but hierarchy_2). */
const HIERARCHY_EXHAUSTS = new Set([
  'tailcall_bpf2bpf_hierarchy_1',
  'tailcall_bpf2bpf_hierarchy_3',
  'tailcall_bpf2bpf_hierarchy_fentry',
  'tailcall_bpf2bpf_hierarchy_fexit',
  'tailcall_bpf2bpf_hierarchy_fentry_fexit',
  'tailcall_bpf2bpf_hierarchy_fentry_entry',
]);

for (const profile of RV_PROFILES) {
  test(`the kernel tail-call selftests, attach steps included, pass on riscv64 (${profile.name}) where the profile allows the program`, async (t) => {
    if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata absent');
    const x = readExpected();
    let passed = 0,
      rejected = 0,
      attached = 0;
    for (const st of x.tests) {
      await t.test(st.name, async () => {
        if (profile.rvTcc === 'upstream' && st.requires.includes('bpf2bpf_call')) {
          // riscv64 through v6.19: no bpf_jit_supports_subprog_tailcalls().
          assert.equal(await rejection(st, x, profile), MIXING, `${st.name} mixes bpf2bpf calls and tail calls`);
          rejected++;
          return;
        }
        if (profile.rvTcc === 'on-stack' && st.requires.includes('tail_call_hierarchy')) {
          await perFrameHierarchy(st, x, profile);
          return;
        }
        await runOnRiscv(st, x, profile);
        passed++;
        if (needsAttach(st)) attached++;
      });
    }
    assert.ok(passed >= 7, `${passed} passed`);
    // upstream: the two freplace tests (the others' targets mix bpf2bpf and tail calls);
    // tcc-on-stack: all but the four hierarchy ones, which exhaust the budget (perFrameHierarchy)
    assert.equal(attached, { upstream: 2, 'on-stack': 6, 'a6-passthrough': 10 }[profile.rvTcc ?? 'upstream'], 'tests with attach steps run to their end');
    // 9 without attach steps, and the 8 fentry/fexit tests whose targets mix bpf2bpf calls and tail calls
    if (profile.rvTcc === 'upstream') assert.equal(rejected, 17);
  });
}

/**
 * tcc-on-stack under the hierarchy tests: each frame counts in its own slot. HIERARCHY_EXHAUSTS
 * never reach the limit (the budget runs out); hierarchy_2's two subprogs both start from
 * main's count and each reach 33, so it returns (33 << 16) | 33 instead of 33.
 */
async function perFrameHierarchy(st: SelfTest, x: Expected, profile: JitProfile): Promise<void> {
  const copy: SelfTest = JSON.parse(JSON.stringify(st));
  const run = copy.steps.find((s) => s.op === 'run')!;
  if (HIERARCHY_EXHAUSTS.has(st.name)) {
    return withEngine(
      () => RiscvEngine.create({ profile }),
      (eng) => {
        const r = new SelftestRunner(copy, x, jitSelftestEngine(eng, profile));
        r.runUntilFirstRun();
        const res = eng.testRun(r.prog(run.object!, run.program!), { data: r.input(run), budget: 2_000_000 });
        assert.equal(res.error?.code, 'machine.budget', `${st.name}: a per-frame counter never reaches the limit`);
      },
    );
  }
  (run.expect as { retval: number }).retval = (33 << 16) | 33;
  await runOnRiscv(copy, x, profile);
}
