// riscvAccessInsn: which instruction of a riscv64 block stopped it, from the accesses Unicorn's
// memory hooks saw before the stop (the per-instruction rule in src/machine/accessPc.ts).
// The machine-level check against Unicorn's own count is in blockCounter.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { riscvAccessInsn } from '../../src/machine/accessPc.ts';
import type { DisasmInsn } from '../../src/machine/capstone.ts';

const block = (...mnemonics: string[]): DisasmInsn[] =>
  mnemonics.map((mnemonic, i) => ({ addr: BigInt(i * 4), size: 4, bytes: new Uint8Array(4), mnemonic, opStr: '' }));

test('a read fault is the first load or AMO reached once the earlier accesses are spent', () => {
  const b = block('addi', 'ld', 'sd', 'c.ld', 'amoadd.d', 'lw');
  assert.equal(riscvAccessInsn(b, 0, 'read'), 1, 'the first load, before any access');
  assert.equal(riscvAccessInsn(b, 2, 'read'), 3, 'a compressed load after a load and a store');
  assert.equal(riscvAccessInsn(b, 3, 'read'), 4, 'an AMO faults before its read');
  assert.equal(riscvAccessInsn(b, 5, 'read'), 5, 'after the AMO read and wrote');
});

test('a write fault is the store whose own write was seen last (the hook runs before the mapping check)', () => {
  const b = block('sd', 'ld', 'c.sdsp', 'sw');
  assert.equal(riscvAccessInsn(b, 1, 'write'), 0);
  assert.equal(riscvAccessInsn(b, 3, 'write'), 2);
  assert.equal(riscvAccessInsn(b, 4, 'write'), 3);
  assert.equal(riscvAccessInsn(b, 2, 'write'), undefined, 'no store makes the second access');
});

test('a watched access belongs to the instruction that made the last access seen', () => {
  const b = block('ld', 'amoswap.d', 'sd', 'lr.d', 'sc.d');
  assert.equal(riscvAccessInsn(b, 1, 'watch'), 0);
  assert.equal(riscvAccessInsn(b, 2, 'watch'), 1, "the AMO's read");
  assert.equal(riscvAccessInsn(b, 3, 'watch'), 1, "the AMO's write");
  assert.equal(riscvAccessInsn(b, 4, 'watch'), 2);
  assert.equal(riscvAccessInsn(b, 5, 'watch'), 3, 'lr reads once');
  assert.equal(riscvAccessInsn(b, 7, 'watch'), 4, 'sc that stored: a read and a write');
});

test('instructions that only look like memory instructions are not counted', () => {
  const b = block('lui', 'li', 'sll', 'sext.w', 'sub', 'ld');
  assert.equal(riscvAccessInsn(b, 0, 'read'), 5);
});
