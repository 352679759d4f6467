// The RISC-V JIT sign-extends every 4-byte kfunc argument before the call (the kernel's
// btf_func_model from the kfunc's vmlinux prototype): bpf_cgroup_ancestor(cgrp, int level)
// gets `sext.w a1, a1`; bpf_cgroup_release(cgrp) gets nothing.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openObject } from '../../../src/cli/compose.ts';
import { jitPrograms } from '../../../src/cli/jitAll.ts';
import { RV_UPSTREAM } from '../../../src/jit/riscv64/index.ts';
import { disasm, formatInsn, loadCapstone } from '../../../src/machine/index.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from '../../object/testdata.ts';

describe('riscv64 kfunc calls', { skip: skipUnless(haveKernelWide, 'kernel-wide test data') }, () => {
  it('sign-extend 4-byte arguments, and only those', async () => {
    await loadCapstone();
    const obj = openObject(path.join(kernelWideDir, 'obj', 'cgrp_kfunc_success.o'));
    const [j] = jitPrograms(
      obj,
      obj.programs.filter((p) => p.name === 'test_cgrp_get_ancestors'),
      RV_UPSTREAM,
    );
    const ins = disasm('riscv64', j!.code[0]!, j!.funcAddrs[0]!);
    const idOf = (n: string) => obj.externs!.find((e) => e.name === n)!.kernelBtfId!;
    /** The instruction before each call of `name` (the JIT's kfuncCall relocs mark the auipc). */
    const before = (name: string): string[] =>
      j!.jit.funcs[0]!.relocs.filter((r) => r.kind === 'kfuncCall' && r.btfId === idOf(name)).map((r) => {
        const k = ins.findIndex((x) => x.addr === j!.funcAddrs[0]! + BigInt(r.at));
        return formatInsn(ins[k - 1]!);
      });
    const anc = before('bpf_cgroup_ancestor');
    assert.ok(anc.length > 0, 'bpf_cgroup_ancestor is called');
    for (const x of anc) assert.match(x, /^c\.addiw a1, 0$|^addiw a1, a1, 0$|^sext\.w a1, a1$/);
    const rel = before('bpf_cgroup_release');
    assert.ok(rel.length > 0, 'bpf_cgroup_release is called');
    for (const x of rel) assert.doesNotMatch(x, /addiw|sext/);
  });
});
