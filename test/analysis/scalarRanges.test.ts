// Value ranges as the verifier bounds them, for deciding branches (scalarRanges.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BPF_ADD, BPF_AND, BPF_JEQ, BPF_JGT, BPF_JLT, BPF_JSGT } from '../../src/bpf/opcodes.ts';
import { FULL, aluRange, branchTaken, constRange, fromUnsigned, refine, sync } from '../../src/analysis/scalarRanges.ts';

test('a value known >= 3 never equals 2; an unknown value may', () => {
  const r = refine(BPF_JLT, false, false, FULL, constRange(3n));
  assert.ok(r);
  assert.equal(r[0].umin, 3n);
  assert.equal(branchTaken(BPF_JEQ, false, r[0], constRange(2n)), false);
  assert.equal(branchTaken(BPF_JEQ, false, FULL, constRange(2n)), undefined);
});

test('a 32-bit compare bounds the low half only; a 32-bit compare then decides on it', () => {
  const r = refine(BPF_JLT, true, false, FULL, constRange(4n));
  assert.ok(r);
  assert.equal(r[0].u32min, 4n);
  assert.equal(r[0].umax, FULL.umax);
  assert.equal(branchTaken(BPF_JEQ, true, constRange(3n), r[0]), false);
  assert.equal(branchTaken(BPF_JEQ, false, constRange(3n), r[0]), undefined);
});

test('an impossible path refines to null', () => {
  assert.equal(refine(BPF_JGT, false, true, fromUnsigned(0n, 5n), constRange(9n)), null);
});

test('masking bounds a value; adding may overflow and then knows nothing', () => {
  const m = aluRange(BPF_AND, true, FULL, constRange(0xffn));
  assert.equal(m.umax, 0xffn);
  assert.equal(branchTaken(BPF_JGT, false, m, constRange(0x100n)), false);
  assert.deepEqual(aluRange(BPF_ADD, true, FULL, constRange(1n)), FULL);
  const s = aluRange(BPF_ADD, true, fromUnsigned(1n, 10n), constRange(5n));
  assert.deepEqual([s.umin, s.umax], [6n, 15n]);
  assert.equal(branchTaken(BPF_JSGT, false, s, constRange(5n)), true);
});

test('64-bit bounds whose low halves cross the s32 sign boundary say nothing about the s32 bounds', () => {
  // [760, 0xfffffcb2]: the upper 32 bits are fixed, but the low halves read as s32 are 760 and
  // -846, not an ordered range (what the join of two constant arguments gave, seed 1742).
  const r = sync({ ...fromUnsigned(760n, 0xfffffcb2n) });
  assert.ok(r, 'a range with values is never empty');
  assert.deepEqual([r.s32min, r.s32max], [-(1n << 31n), (1n << 31n) - 1n]);
  assert.deepEqual([r.u32min, r.u32max], [760n, 0xfffffcb2n]);
});
