// fixup_kfunc_call (v6.18): the verifier turns pointer-cast kfuncs into `r0 = r1`, loads the
// hidden arguments of the allocation and graph kfuncs before their call; other kfunc calls
// stay calls carrying the kfunc's vmlinux BTF id.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { disasmInsn } from '../../src/bpf/disasm.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import { structMetaAddr } from '../../src/analysis/structMeta.ts';
import { BTF_KIND } from '../../src/object/btf.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from '../object/testdata.ts';

const open = (name: string) => {
  const r = loadObjectFile(path.join(kernelWideDir, 'obj', name));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

describe('kfunc calls after the verifier', { skip: skipUnless(haveKernelWide, 'kernel-wide test data') }, () => {
  it('bpf_rdonly_cast (bpf_core_cast) becomes r0 = r1', () => {
    const obj = open('cgroup_ancestor.o');
    const prog = obj.programs.find((p) => p.name === 'log_cgroup_id')!;
    const before = prog.insns.findIndex((x) => x.code === 0x85 && x.src === 2);
    assert.ok(before >= 0, 'the loaded program calls a kfunc');
    const im = analyzeProgram(obj, prog, {});
    assert.ok(im.ok, im.ok ? '' : im.error.message);
    assert.equal(im.value.insns.filter((x) => x.code === 0x85 && x.src === 2).length, 0, 'no kfunc call is left');
    assert.equal(disasmInsn(im.value.insns, before, { symbolic: true }), 'r0 = r1');
  });

  it('other kfuncs stay calls with their vmlinux BTF id', () => {
    const obj = open('test_task_under_cgroup.o');
    const prog = obj.programs.find((p) => p.name === 'tp_btf_run')!;
    const im = analyzeProgram(obj, prog, {});
    assert.ok(im.ok, im.ok ? '' : im.error.message);
    const ids = im.value.insns.filter((x) => x.code === 0x85 && x.src === 2).map((x) => x.imm);
    const acquire = obj.externs!.find((e) => e.name === 'bpf_task_acquire')!.kernelBtfId!;
    assert.ok(ids.includes(acquire), `bpf_task_acquire (${acquire}) is called: ${ids.join(', ')}`);
  });

  it('bpf_obj_new and the graph kfuncs get their size, btf_struct_meta and node offset (refcounted_kptr.o)', () => {
    const obj = open('refcounted_kptr.o');
    const prog = obj.programs.find((p) => p.name === 'rbtree_refcounted_node_ref_escapes')!;
    const im = analyzeProgram(obj, prog, {});
    assert.ok(im.ok, im.ok ? '' : im.error.message);
    const insns = im.value.insns;
    const id = (name: string) => obj.externs!.find((e) => e.name === name)!.kernelBtfId!;
    const callOf = (name: string) => insns.findIndex((x) => x.code === 0x85 && x.src === 2 && x.imm === id(name));
    const before = (name: string, n: number) => {
      const at = callOf(name);
      assert.ok(at >= n, `${name} is called`);
      return Array.from({ length: n }, (_, k) => at - n + k)
        .filter((i) => insns[i]!.code !== 0)
        .map((i) => disasmInsn(insns, i, { symbolic: true }));
    };
    // struct node_acquire { long key; long data; struct bpf_rb_node node; struct bpf_refcount refcount; }:
    // 56 bytes, node at 16; the root is `root __contains(node_acquire, node)`.
    const node = obj.btf!.types.find((t) => t.kind === BTF_KIND.STRUCT && t.name === 'node_acquire')!;
    const meta = BigInt.asIntN(64, structMetaAddr(node.id));
    assert.deepEqual(before('bpf_obj_new_impl', 3), ['r1 = 56', `r2 = ${meta} ll`]);
    assert.deepEqual(before('bpf_rbtree_add_impl', 3), [`r4 = ${meta} ll`, 'r5 = 16']);
    assert.deepEqual(before('bpf_refcount_acquire_impl', 2), [`r2 = ${meta} ll`]);
    assert.deepEqual(before('bpf_obj_drop_impl', 2), [`r2 = ${meta} ll`]);
  });
});
