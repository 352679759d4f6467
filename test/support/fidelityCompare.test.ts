// The comparison's address mask is decided from the kernel's own instructions: only fields
// that hold a kernel address are masked, whichever register the instruction writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareFunction } from './fidelityCompare.ts';

const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

test('masks the imm32 of `mov r8, <kernel address>` (REX.B) as of `mov rdi, <kernel address>`', () => {
  // mov r8, 0xffffffff81f55940 vs 0xffffffff830f7900; mov rdi, ... likewise
  assert.ok(compareFunction(bytes('49c7c000790f83 c3'), bytes('49c7c04059f581 c3')).identical);
  assert.ok(compareFunction(bytes('48c7c700790f83 c3'), bytes('48c7c74059f581 c3')).identical);
});

test('does not mask a small constant moved into r8', () => {
  assert.equal(compareFunction(bytes('49c7c001000000 c3'), bytes('49c7c002000000 c3')).identical, false);
});
