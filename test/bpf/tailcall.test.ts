import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from '../../src/bpf/asm.ts';
import { interpret, type InterpProgram } from '../../src/bpf/interpreter.ts';
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF } from '../../src/common/kernelStructs.ts';
import { DATA, prog, testEnv, type TestEnv } from './testEnv.ts';

// map #0 is the prog_array (struct at DATA + 0x800), map #1 value (DATA + 0x100) holds `count`.
const MAP0 = DATA + 0x800n;
const COUNT = 'r1 = map[#1][0]+0 ll\nr2 = *(u64 *)(r1 + 0)\nr2 += 1\n*(u64 *)(r1 + 0) = r2\n';
const TAIL = (slot: number) => `r2 = map[#0] ll\nr3 = ${slot}\ntail_call\n`;

function progArray(env: TestEnv, maxEntries: number, slots: (InterpProgram | null)[]): void {
  env.store(MAP0 + BigInt(BPF_ARRAY_MAX_ENTRIES_OFF), 4, BigInt(maxEntries));
  slots.forEach((p, k) => {
    const ptr = p ? 0x5000n + BigInt(k) * 0x100n : 0n;
    if (p) env.progs.set(ptr, p);
    env.store(MAP0 + BigInt(BPF_ARRAY_PTRS_OFF + 8 * k), 8, ptr);
  });
}
const count = (env: TestEnv) => env.load(DATA + 0x100n, 8);

test('a program tail-calling itself runs 1 + MAX_TAIL_CALL_CNT (33) times', () => {
  const env = testEnv();
  const self = prog(asm(COUNT + TAIL(0) + 'r0 = 7\nexit'));
  progArray(env, 1, [self]);
  const r = interpret(env, self);
  assert.equal(r.r0, 7n);
  assert.equal(r.tailCalls, 33);
  assert.equal(count(env), 34n);
});

test('6.10+ counter: an empty slot does not count; 5.10-6.11 by-value counts it before the NULL check', () => {
  const text = COUNT + TAIL(1) + TAIL(0) + 'r0 = 0\nexit';
  for (const [tcc, want] of [
    ['by-pointer', 34n],
    ['by-value', 17n],
  ] as const) {
    const env = testEnv();
    const p = prog(asm(text));
    progArray(env, 2, [p, null]);
    interpret(env, p, [], { tcc });
    assert.equal(count(env), want, tcc);
  }
});

test('6.10+ counter is shared across bpf2bpf calls; by-value gives each callee a copy', () => {
  // entry calls sub twice; sub tail-calls `leaf`, which counts and tail-calls itself.
  const leafText = COUNT + TAIL(1) + 'r0 = 0\nexit';
  const entryText = 'call sub\ncall sub\nr0 = 1\nexit\nsub:\n' + TAIL(1) + 'r0 = 0\nexit';
  for (const [tcc, want] of [
    ['by-pointer', 33n],
    ['by-value', 66n],
  ] as const) {
    const env = testEnv();
    const leaf = prog(asm(leafText));
    const entry = prog(asm(entryText));
    progArray(env, 2, [null, leaf]);
    const r = interpret(env, entry, [], { tcc });
    assert.equal(r.r0, 1n);
    assert.equal(count(env), want, tcc);
  }
});

test('a tail call from a subprog discards its frame: the target returns to the subprog caller', () => {
  const env = testEnv();
  const target = prog(asm('r0 = 5\nexit'));
  const entry = prog(asm('r6 = 100\ncall sub\nr0 += r6\nexit\nsub:\nr6 = 1\n' + TAIL(0) + 'r0 = 1000\nexit'));
  progArray(env, 1, [target]);
  const r = interpret(env, entry);
  assert.equal(r.error, undefined);
  assert.equal(r.r0, 105n);
});

test('an index at or past max_entries, or an empty slot, falls through to the next insn', () => {
  const env = testEnv();
  const target = prog(asm('r0 = 5\nexit'));
  progArray(env, 2, [target, null]);
  assert.equal(interpret(env, prog(asm(TAIL(2) + 'r0 = 9\nexit'))).r0, 9n);
  assert.equal(interpret(env, prog(asm(TAIL(1) + 'r0 = 9\nexit'))).r0, 9n);
  // The index is a u32: the upper half of r3 is ignored.
  assert.equal(interpret(env, prog(asm('r2 = map[#0] ll\nr3 = 0x100000000 ll\ntail_call\nr0 = 9\nexit'))).r0, 5n);
});

test('a direct (poke) tail call uses the descriptor map and key, not r2/r3', () => {
  const env = testEnv();
  const targets = [prog(asm('r0 = 10\nexit')), prog(asm('r0 = 11\nexit')), prog(asm('r0 = 12\nexit'))];
  progArray(env, 3, targets);
  const p = prog(asm('r2 = 0\nr3 = 0\ntail_call poke#0\nr0 = 0\nexit'), { pokeSites: [{ mapIndex: 0, key: 2 }] });
  assert.equal(interpret(env, p).r0, 12n);
});

test('a slot that does not hold a program is an error naming the tail_call insn', () => {
  const env = testEnv();
  env.store(MAP0 + BigInt(BPF_ARRAY_MAX_ENTRIES_OFF), 4, 1n);
  env.store(MAP0 + BigInt(BPF_ARRAY_PTRS_OFF), 8, 0xdeadn);
  const r = interpret(env, prog(asm(TAIL(0) + 'exit')));
  assert.equal(r.error?.code, 'interp.bad-tail-call');
  assert.equal(r.error?.place.insn, 3);
});
