// A kfunc the model does not implement stops the run, on every engine, with one line
// naming the kfunc and placing the call (program and BPF instruction).
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openObject, selectProgram } from '../../src/cli/compose.ts';
import { createRunner, type EngineName } from '../../src/cli/engines.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from '../object/testdata.ts';

describe('unmodelled kfuncs', { skip: skipUnless(haveKernelWide, 'kernel-wide test data') }, () => {
  for (const engine of ['interp', 'x86_64', 'riscv64'] as EngineName[]) {
    it(`stop the ${engine} run at the call, naming the kfunc`, async () => {
      const obj = openObject(path.join(kernelWideDir, 'obj', 'crypto_basic.o'));
      const prog = selectProgram(obj, 'crypto_release');
      const call = prog.insns.findIndex((x) => x.code === 0x85 && x.src === 2);
      const runner = await createRunner(obj, prog, engine);
      try {
        const res = runner.testRun({ data: new Uint8Array(0) });
        assert.ok(res.error, 'the run stopped');
        assert.equal(res.error.code, 'kernel.unsupported-kfunc');
        assert.match(res.error.message, /^kfunc bpf_crypto_ctx_create \(vmlinux BTF id \d+\) is not modelled$/);
        assert.deepEqual([res.error.place.program, res.error.place.insn], ['crypto_release', call]);
      } finally {
        runner.dispose();
      }
    });
  }
});
