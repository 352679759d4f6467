// Epilogue: the first exit holds pops + leave + return; later exits jump to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../../src/bpf/insn.ts';
import { h, hex, jit, makeImage } from './fixtures.ts';

// if r1 == 0 goto +2; r6 = 1; exit; r6 = 2; r0 = r6; exit
const twoExits = [insn(0x15, 1, 0, 2, 0), insn(0xb7, 6, 0, 0, 1), insn(0x95), insn(0xb7, 6, 0, 0, 2), insn(0xbf, 0, 6), insn(0x95)];

test('6.18 returns through jmp __x86_return_thunk after pop rbx; leave', () => {
  const f = jit(makeImage([{ name: 'p', insns: twoExits }]), 'linux-6.18').funcs[0]!;
  assert.equal(hex(f.code.subarray(f.addrs[2]!, f.addrs[3]!)), h('5b c9 e900000000'));
  assert.ok(f.relocs.some((r) => r.kind === 'retThunk' && r.at === f.addrs[3]! - 4));
});

test('a later exit is a short jmp back to the first epilogue (cleanup_addr)', () => {
  const f = jit(makeImage([{ name: 'p', insns: twoExits }]), 'plain-ret').funcs[0]!;
  assert.equal(hex(f.code.subarray(f.addrs[2]!, f.addrs[3]!)), h('5b c9 c3'));
  const last = f.code.subarray(f.addrs[5]!, f.addrs[6]!);
  assert.equal(last[0], 0xeb);
  assert.equal(f.addrs[6]! + ((last[1]! << 24) >> 24), f.addrs[2]);
});
