// CO-RE relocations as libbpf applies them, checked on upstream selftest objects of
// ../shared/testdata/kernel-wide against the shipped Linux 6.18.44 BTF.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { findByNameKind, BTF_KIND } from '../../src/object/btf.ts';
import { CORE_POISON_IMM } from '../../src/object/coreRelo.ts';
import { essentialName } from '../../src/object/coreSpec.ts';
import { loadObject, type BpfObject } from '../../src/object/index.ts';
import { shippedKernelBtf } from '../../src/object/kernelBtf.ts';
import { haveKernelWide, kernelWideDir, objDir, readBytes, skipUnless } from './testdata.ts';

const LD_IMM64 = 0x18,
  MOV64_K = 0xb7,
  CALL = 0x85;

function load(name: string, dir = path.join(kernelWideDir, 'obj')): BpfObject {
  const r = loadObject(readBytes(path.join(dir, name)), name);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('essential names (bpf_core_essential_name_len)', () => {
  it('drops the last ___flavor suffix and keeps names without one', () => {
    assert.equal(essentialName('task_struct___old'), 'task_struct');
    assert.equal(essentialName('a___b___c'), 'a___b');
    assert.equal(essentialName('task_struct'), 'task_struct');
    // The separator needs a non-underscore on both sides.
    assert.equal(essentialName('foo____bar'), 'foo____bar');
    assert.equal(essentialName('___bar'), '___bar');
  });
});

describe('CO-RE relocations against the 6.18.44 kernel BTF', { skip: skipUnless(haveKernelWide, '../shared/testdata/kernel-wide') }, () => {
  it('field existence of a type the kernel lacks is 0, and its field loads are poisoned', () => {
    // test_core_reloc_existence.c reads struct core_reloc_existence, which vmlinux does not have.
    const p = load('test_core_reloc_existence.o').programs[0]!;
    for (const i of [0, 16, 32, 46, 62]) assert.deepEqual(p.insns[i], { code: MOV64_K, dst: 2, src: 0, off: 0, imm: 0 }, `exists check at insn ${i}`);
    for (const i of [6, 20, 36, 50, 66])
      assert.deepEqual(p.insns[i], { code: CALL, dst: 0, src: 0, off: 0, imm: CORE_POISON_IMM }, `field access at insn ${i}`);
  });

  it('bpf_core_type_id_kernel() gives the vmlinux type id, or 0 for a type the kernel lacks', () => {
    const p = load('test_core_reloc_type_id.o').programs[0]!;
    const intId = findByNameKind(shippedKernelBtf().btf, 'int', BTF_KIND.INT)!.id;
    const imm64 = (i: number) => {
      assert.equal(p.insns[i]!.code, LD_IMM64);
      return p.insns[i]!.imm + p.insns[i + 1]!.imm * 2 ** 32;
    };
    assert.equal(imm64(50), intId); // TYPE_ID_TARGET int
    assert.equal(imm64(41), 0); // TYPE_ID_TARGET struct a_struct: no such kernel type
    assert.equal(imm64(20), 13); // TYPE_ID_LOCAL struct a_struct keeps the object's own id
  });

  it('does not parse the kernel BTF for an object without CO-RE relocations', () => {
    const file = path.join(objDir, 'tailcall1.o');
    const r = loadObject(readBytes(file), file, {
      kernelBtf: () => {
        throw new Error('kernel BTF requested');
      },
    });
    assert.ok(r.ok, r.ok ? '' : r.error.message);
  });
});
