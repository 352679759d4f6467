// A packet pointer found beyond the packet end decides the next compare with the end
// (pktEnd.ts: try_match_pkt_pointers' mark_pkt_end, is_pkt_ptr_branch_taken, 6.18), so the
// load behind it is dead code (verifier_direct_packet_access.o test8_double_test_variant_1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from '../../src/bpf/asm.ts';
import { analyzeOk } from './progs.ts';

const xlated = (text: string) => analyzeOk(text).insns;

test('after `data_end >= data + 8` fails, `data + 8 > data_end` is always taken', () => {
  const got = xlated(`
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r0 = r2
    r0 += 8
    if r3 >= r0 goto +4
    if r0 > r3 goto +1
    r0 = *(u8 *)(r2 + 0)
    r0 = 1
    exit
    r0 = *(u8 *)(r2 + 0)
    r0 = 0
    exit`);
  assert.deepEqual(got.slice(4, 8), asm('if r3 >= r0 goto +2\nr0 = 1\nexit\nr0 = *(u8 *)(r2 + 0)'));
});

test('a pointer moved after the compare is no longer known to be beyond the end', () => {
  const got = xlated(`
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r0 = r2
    r0 += 8
    if r3 >= r0 goto +5
    r0 += -8
    if r0 > r3 goto +1
    r0 = 2
    r0 = 1
    exit
    r0 = 0
    exit`);
  assert.equal(got.length, 12);
});
