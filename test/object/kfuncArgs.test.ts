// Which kfunc arguments count as sized memory for the verifier (check_kfunc_args, v6.18),
// read from the prototypes in the shipped Linux 6.18 BTF.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BTF_KIND, findByNameKind } from '../../src/object/btf.ts';
import { kfuncMemArgs } from '../../src/object/kfuncArgs.ts';
import { shippedKernelBtf } from '../../src/object/kernelBtf.ts';

const argsOf = (name: string) => {
  const btf = shippedKernelBtf().btf;
  return kfuncMemArgs(btf, findByNameKind(btf, name, BTF_KIND.FUNC)!);
};

test('an __uninit dynptr argument is 16 bytes of memory; an initialised one is not checked as memory', () => {
  assert.deepEqual(argsOf('bpf_dynptr_from_skb'), [{ reg: 3, size: 16 }]);
  assert.deepEqual(argsOf('bpf_dynptr_clone'), [{ reg: 2, size: 16 }]);
  assert.deepEqual(argsOf('bpf_dynptr_size'), []);
});

test('a pointer followed by a __szk argument takes its size from that register', () => {
  assert.deepEqual(argsOf('bpf_dynptr_slice'), [{ reg: 3, sizeReg: 4 }]);
});

test('an iterator is its struct size in the _new kfunc only; __ign arguments are skipped', () => {
  assert.deepEqual(argsOf('bpf_iter_num_new'), [{ reg: 1, size: 8 }]);
  assert.deepEqual(argsOf('bpf_iter_num_next'), []);
  assert.deepEqual(argsOf('bpf_iter_bits_new'), [{ reg: 1, size: 16 }]);
});
