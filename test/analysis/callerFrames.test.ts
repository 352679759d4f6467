// A static subprogram sees what its callers know (callerFrames.ts, and the return value in
// absint.ts): the verifier keeps every frame of the call chain, so a pointer a caller
// spilled is still that pointer when a callee loads it through a stack pointer argument,
// and a callee's R0 reaches the caller with its bounds (prepare_func_exit, 6.18).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_KERNEL_LAYOUT as L, offOf, type ProgramImage } from '../../src/analysis/index.ts';
import { asm } from '../../src/bpf/asm.ts';
import { analyzeOk } from './progs.ts';

/** `text`: six insns of `prog`, then the label `sub:` and the callee. */
const analyze = (text: string): ProgramImage =>
  analyzeOk(text, {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 6 },
    ],
  });

/** A caller that spills its ctx at r10-8 and passes `sub` a pointer to that slot. */
const SPILL_CTX_CALL_SUB = `
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -8
    call sub
    r0 = 0
    exit
    sub:`;

test('a ctx spilled by the caller is still the ctx when the callee loads it: its field access is rewritten (buf->skb->data)', () => {
  const img = analyze(`${SPILL_CTX_CALL_SUB}
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + 76)
    r0 = 0
    exit`);
  assert.deepEqual(img.insns.slice(6, 8), asm(`r2 = *(u64 *)(r1 + 0)\nr0 = *(u64 *)(r2 + ${offOf(L, 'sk_buff.data')})`));
});

test('a store by the callee into the caller frame forgets what was spilled there', () => {
  const img = analyze(`${SPILL_CTX_CALL_SUB}
    r3 = 0
    *(u64 *)(r1 + 0) = r3
    r2 = *(u64 *)(r1 + 0)
    r0 = *(u32 *)(r2 + 76)
    r0 = 0
    exit`);
  assert.deepEqual(img.insns[9], asm('r0 = *(u32 *)(r2 + 76)')[0]);
});

test("a static callee's return bounds decide the caller's branch on it", () => {
  const img = analyze(
    `
    call sub
    if r0 > 1 goto +2
    r0 = 0
    exit
    r0 = 1
    exit
    sub:
    call 7
    r0 &= 1
    exit`,
  );
  assert.deepEqual(img.insns.slice(1), asm('r0 = 0\nexit\ncall 7\nr0 &= 1\nexit'));
});
