// Linked scalars (linkedScalars.ts): a copy or a spill shares the bounds a later compare
// learns, so a fill of the spilled slot decides a branch, and the code behind it goes,
// as the kernel's verifier_spill_fill selftests expect (sync_linked_regs, 6.18).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from '../../src/bpf/asm.ts';
import { analyzeOk } from './progs.ts';

const xlated = (text: string): string => JSON.stringify(analyzeOk(text, { progType: 'xdp', section: 'xdp' }).insns);
const same = (got: string, text: string): void => assert.equal(got, JSON.stringify(asm(text)));

test('a compare on a register bounds its 64-bit spill too: the fill decides the next branch (spill_unbounded)', () => {
  same(
    xlated(`
    call 7
    *(u64 *)(r10 - 8) = r0
    if r0 > 16 goto +3
    r0 = *(u64 *)(r10 - 8)
    if r0 <= 16 goto +1
    r0 = *(u64 *)(r9 + 0)
    r0 = 0
    exit`),
    `
    call 7
    *(u64 *)(r10 - 8) = r0
    if r0 > 16 goto +1
    r0 = *(u64 *)(r10 - 8)
    r0 = 0
    exit`,
  );
});

test('a narrow spill of a value that fits it stays linked, through a register copy (spill_32bit_range_track)', () => {
  same(
    xlated(`
    call 5
    r0 &= 65535
    r1 = r0
    *(u32 *)(r10 - 8) = r0
    if r0 < 1 goto +3
    r1 = *(u32 *)(r10 - 8)
    if r1 >= 1 goto +1
    r0 = *(u64 *)(r9 + 0)
    r0 = 0
    exit`),
    `
    call 5
    r0 &= 65535
    r1 = r0
    *(u32 *)(r10 - 8) = r0
    if r0 < 1 goto +1
    r1 = *(u32 *)(r10 - 8)
    r0 = 0
    exit`,
  );
});

test('a fill from the fill side learns for the spilled register too (spill_16bit_of_16bit_ok)', () => {
  same(
    xlated(`
    call 7
    r0 &= 32768
    *(u16 *)(r10 - 8) = r0
    r1 = *(u16 *)(r10 - 8)
    r2 = 0
    if r1 != r2 goto +3
    if r0 == r2 goto +2
    r0 = *(u64 *)(r9 + 0)
    exit
    r0 = 0
    exit`),
    `
    call 7
    r0 &= 32768
    *(u16 *)(r10 - 8) = r0
    r1 = *(u16 *)(r10 - 8)
    r2 = 0
    if r1 != r2 goto +0
    r0 = 0
    exit`,
  );
});

test('a 32-bit fill of a value shifted left by 32 is zero; a value too wide for its spill is not linked', () => {
  same(
    xlated(`
    call 7
    r0 <<= 32
    *(u64 *)(r10 - 8) = r0
    r0 = *(u32 *)(r10 - 8)
    if r0 == 0 goto +1
    r0 = *(u64 *)(r9 + 0)
    exit`),
    `
    call 7
    r0 <<= 32
    *(u64 *)(r10 - 8) = r0
    r0 = *(u32 *)(r10 - 8)
    exit`,
  );
  // u16 spill of a value wider than 16 bits: no link, so the compare on r0 tells the fill nothing.
  const kept = xlated(`
    call 7
    *(u16 *)(r10 - 8) = r0
    if r0 > 16 goto +3
    r1 = *(u16 *)(r10 - 8)
    if r1 <= 16 goto +1
    r0 = 1
    r0 = 0
    exit`);
  assert.equal(JSON.parse(kept).length, 8);
});
