// bpf_throw at run time (6.7+): the exception callback runs on the boundary's frame and its
// return value is the program's; the default callback returns the cookie. The interpreter is
// the oracle and the x86-64 JIT agrees; the RISC-V JIT has no exception support, so the
// verifier refuses the program there. Expected values are the selftests' (prog_tests/exceptions.c).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openObject, selectProgram } from '../../src/cli/compose.ts';
import { createRunner, type EngineName } from '../../src/cli/engines.ts';
import { applyMapUpdates } from '../../src/cli/mapUpdates.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from '../object/testdata.ts';

/** pkt_v4 of the selftests: an IPv4/TCP frame, so skb->protocol is htons(ETH_P_IP). */
const PKT = Buffer.from('000000000000000000000000080045000054000000004006000000000000000000000000000000000000000000000000', 'hex');

const CASES: [string, number][] = [
  ['exception_throw_always_1', 64], // default callback: the cookie
  ['exception_throw_always_2', 32], // thrown in a static subprogram of a global one
  ['exception_throw_unwind_1', 16],
  ['exception_throw_unwind_2', 32],
  ['exception_throw_default', 0],
  ['exception_throw_default_value', 5],
  ['exception_ext_mod_cb_runtime', 35], // declared callback: cookie + 10 (+ its global callee's 0)
  ['exception_throw_subprog', 1],
  ['exception_assert_nz_gfunc', 1], // the assertion holds: no throw
  ['exception_bad_assert_nz_gfunc_with', 100],
];

describe('bpf_throw at run time', { skip: skipUnless(haveKernelWide, 'kernel-wide test data') }, () => {
  const obj = () => openObject(path.join(kernelWideDir, 'obj', 'exceptions.o'));
  for (const engine of ['interp', 'x86_64'] as EngineName[]) {
    it(`returns the exception callback's value on the ${engine} engine`, async () => {
      const o = obj();
      for (const [name, want] of CASES) {
        const runner = await createRunner(o, selectProgram(o, name), engine);
        try {
          const res = runner.testRun({ data: PKT });
          assert.equal(res.error, undefined, `${name}: ${res.error?.message}`);
          assert.equal(res.retval, want, name);
        } finally {
          runner.dispose();
        }
      }
    });

    it(`unwinds a tail-call target to its caller's caller on the ${engine} engine (16 + 8)`, async () => {
      const o = obj();
      const runner = await createRunner(o, selectProgram(o, 'exception_tail_call'), engine);
      try {
        applyMapUpdates(runner, [{ map: 'jmp_table', key: 0, prog: 'exception_tail_call_target' }]);
        const res = runner.testRun({ data: PKT });
        assert.equal(res.error, undefined, res.error?.message);
        assert.deepEqual([res.retval, res.tailCalls], [24, 1]);
      } finally {
        runner.dispose();
      }
    });
  }

  it('is refused for the RISC-V JIT, naming bpf_throw', async () => {
    const o = obj();
    await assert.rejects(createRunner(o, selectProgram(o, 'exception_throw_always_1'), 'riscv64'), /JIT does not support calling kfunc bpf_throw#\d+/);
  });
});
