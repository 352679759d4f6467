// The kernel struct offsets the JIT emits (common/kernelStructs.ts) are those of the kernel
// bpfdbg models: checked against the shipped Linux 6.18.44 BTF (data/btf).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF, BPF_PROG_BPF_FUNC_OFF } from '../../src/common/kernelStructs.ts';
import { shippedKernelBtf } from '../../src/object/kernelBtf.ts';
import { fieldOffset } from '../../src/object/kernelLayout.ts';

const btf = shippedKernelBtf().btf;

test('struct bpf_array: map.max_entries (bounds check) and ptrs (tail-call targets)', () => {
  assert.equal(fieldOffset(btf, 'bpf_array', 'map.max_entries'), BPF_ARRAY_MAX_ENTRIES_OFF);
  assert.equal(fieldOffset(btf, 'bpf_array', 'ptrs'), BPF_ARRAY_PTRS_OFF);
  assert.equal(fieldOffset(btf, 'bpf_array', 'value'), BPF_ARRAY_PTRS_OFF); // same union
});

test('struct bpf_prog: bpf_func (the indirect tail call jumps through it)', () => {
  assert.equal(fieldOffset(btf, 'bpf_prog', 'bpf_func'), BPF_PROG_BPF_FUNC_OFF);
});

test('struct sk_buff data lies at 0xc8 on 6.18.44 (a field inside anonymous members)', () => {
  assert.equal(fieldOffset(btf, 'sk_buff', 'data'), 0xc8);
  assert.equal(fieldOffset(btf, 'sk_buff', 'no_such_field'), undefined);
});
