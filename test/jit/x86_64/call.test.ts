// bpf2bpf, helper and kfunc calls per profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../../src/bpf/insn.ts';
import { h, hex, jit, makeImage } from './fixtures.ts';

// main: call helper 5; call sub; exit      sub: r0 = 1; exit
const img = (tcr: boolean, stackDepth = 0) =>
  makeImage([
    { name: 'main', insns: [insn(0x85, 0, 0, 0, 5), insn(0x85, 0, 1, 0, 1), insn(0x95)], tcr, stackDepth },
    { name: 'sub', insns: [insn(0xb7, 0, 0, 0, 1), insn(0x95)], tcr },
  ]);

const insnBytes = (code: Uint8Array, addrs: number[], k: number): string => hex(code.subarray(addrs[k]!, addrs[k + 1]!));

test('6.18: only bpf2bpf calls from a tail-call-reachable function load tcc_ptr into rax first', () => {
  const f = jit(img(true, 8), 'linux-6.18').funcs[0]!;
  assert.equal(insnBytes(f.code, f.addrs, 0), h('e800000000')); // helper: bare call
  assert.equal(insnBytes(f.code, f.addrs, 1), h('488b85e8ffffff e800000000')); // mov rax,[rbp-0x18]; call sub
  assert.deepEqual(
    f.relocs.filter((r) => r.kind !== 'retThunk').map((r) => r.kind),
    ['helperCall', 'funcCall'],
  );
  const helper = f.relocs.find((r) => r.kind === 'helperCall')!;
  assert.equal(helper.kind === 'helperCall' && helper.helperId, 5);
});

test('tcc-by-value: every call from a tail-call-reachable function reloads the counter qword (5.19+ rounded offset)', () => {
  const f = jit(img(true, 4), 'tcc-by-value').funcs[0]!;
  assert.equal(insnBytes(f.code, f.addrs, 0), h('488b85f0ffffff e800000000')); // mov rax,[rbp-16]; call helper
  assert.equal(insnBytes(f.code, f.addrs, 1), h('488b85f0ffffff e800000000'));
});

test('a function that cannot reach a tail call emits bare calls', () => {
  const f = jit(img(false), 'linux-6.18').funcs[0]!;
  assert.equal(insnBytes(f.code, f.addrs, 1), h('e800000000'));
});

test('a private-stack function saves r9 around each call (6.13+)', () => {
  const image = makeImage([
    { name: 'main', insns: [insn(0x85, 0, 1, 0, 1), insn(0x95)] },
    { name: 'sub', insns: [insn(0x7a, 10, 0, -64, 7), insn(0x85, 0, 0, 0, 5), insn(0x95)], stackDepth: 64, privStack: 'adaptive' },
  ]);
  const f = jit(image, 'linux-6.18').funcs[1]!;
  assert.equal(insnBytes(f.code, f.addrs, 0), h('49c741c007000000')); // mov qword [r9-64], 7
  assert.equal(insnBytes(f.code, f.addrs, 1), h('4151 e800000000 4159')); // push r9; call; pop r9
});

test('kfunc calls are bare calls with a kfuncCall reloc naming the BTF id', () => {
  const f = jit(makeImage([{ name: 'm', insns: [insn(0x85, 0, 2, 0, 777), insn(0x95)] }]), 'linux-6.18').funcs[0]!;
  assert.deepEqual(f.relocs[0], { kind: 'kfuncCall', at: 13, btfId: 777, insn: 0 });
});
