// The kernel struct layout of the ctx rewrites: the generated 6.18.44 table is what the
// shipped vmlinux BTF says, and the facts the kernel's JIT output shows hold in it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_KERNEL_LAYOUT, LAYOUT_FIELDS, LAYOUT_STRUCTS, kernelLayout, layoutFromBtf, offOf } from '../../src/analysis/kernelLayout.ts';
import { shippedKernelBtf } from '../../src/object/kernelBtf.ts';

test('the generated table equals the layout computed from the shipped 6.18.44 BTF', () => {
  const k = shippedKernelBtf('6.18.44');
  assert.deepEqual(DEFAULT_KERNEL_LAYOUT, layoutFromBtf(k.btf, k.release), 'rerun scripts/gen-kernel-layout.ts');
  assert.equal(kernelLayout(k).fields['sk_buff.data']?.off, DEFAULT_KERNEL_LAYOUT.fields['sk_buff.data']?.off);
});

test('the BTF has every member and struct the rewrites name', () => {
  assert.deepEqual(
    LAYOUT_FIELDS.filter((f) => !DEFAULT_KERNEL_LAYOUT.fields[f]),
    [],
  );
  assert.deepEqual(
    LAYOUT_STRUCTS.filter((s) => DEFAULT_KERNEL_LAYOUT.sizes[s] === undefined),
    [],
  );
});

test('offsets the 6.18.44 JIT output shows: skb->len 0x70, skb->data 0xc8, skb->protocol 0xb0', () => {
  assert.equal(offOf(DEFAULT_KERNEL_LAYOUT, 'sk_buff.len'), 0x70);
  assert.equal(offOf(DEFAULT_KERNEL_LAYOUT, 'sk_buff.data'), 0xc8);
  assert.equal(offOf(DEFAULT_KERNEL_LAYOUT, 'sk_buff.protocol'), 0xb0);
  // Members of anonymous unions/structs and zero-size bitfield markers are found.
  assert.equal(offOf(DEFAULT_KERNEL_LAYOUT, 'sk_buff.__pkt_type_offset'), 0x80);
  assert.equal(offOf(DEFAULT_KERNEL_LAYOUT, 'sock.sk_protocol'), 0x214);
});
