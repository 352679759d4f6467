// Tail-call sequences per profile, with the kernel's check order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../../src/bpf/insn.ts';
import { compileX86, findProfile, type JitProfile } from '../../../src/jit/index.ts';
import { h, hex, jit, makeImage, testEnv } from './fixtures.ts';

// r2 = map ll; r3 = r6 (unknown key) ; tail_call; r0 = 1; exit  (kernel tailcall6 classifier_0 shape)
const indirect = [insn(0x18, 2, 1, 0, 0), insn(0, 0, 0, 0, 0), insn(0xbf, 3, 6), insn(0xf5, 0, 0, 0, 0), insn(0xb7, 0, 0, 0, 1), insn(0x95)];

const seqAfter = (code: Uint8Array, from: number, to: number): string => hex(code.subarray(from, to));

test('6.18 indirect tail call: bounds, limit via tcc_ptr, NULL, then count, unwind and jmp __x86_indirect_thunk_rcx', () => {
  const f = jit(makeImage([{ name: 'e', insns: indirect, tcr: true }]), 'linux-6.18').funcs[0]!;
  assert.equal(
    seqAfter(f.code, f.addrs[3]!, f.addrs[4]!),
    h(`
    89d2                 // mov edx, edx
    39564c               // cmp dword [rsi+0x4c], edx  (max_entries)
    762e                 // jbe out (+1: pop rbx, R6 is used)
    488b85f0ffffff       // mov rax, [rbp-16]          (tcc_ptr)
    48833821             // cmp qword [rax], 33
    7321                 // jae out
    488b8cd638010000     // mov rcx, [rsi+rdx*8+0x138] (ptrs[index])
    4885c9               // test rcx, rcx
    7414                 // je out
    48830001             // add qword [rax], 1         (only a populated slot counts)
    5b 58 58             // pop rbx; pop rax; pop rax
    488b4948             // mov rcx, [rcx+0x48]        (bpf_func)
    4883c10c             // add rcx, 12                (X86_TAIL_CALL_OFFSET)
    e900000000           // jmp __x86_indirect_thunk_rcx
  `),
  );
  assert.ok(f.relocs.some((r) => r.kind === 'indirectThunk' && r.at === f.addrs[4]! - 4));
});

test('plain-ret indirect tail call ends in jmp rcx', () => {
  const f = jit(makeImage([{ name: 'e', insns: indirect, tcr: true }]), 'plain-ret').funcs[0]!;
  assert.equal(seqAfter(f.code, f.addrs[4]! - 2, f.addrs[4]!), h('ffe1'));
  assert.equal(f.code[f.code.length - 1], 0xc3);
});

test('tcc-by-value indirect tail call counts in eax at [rbp-rsd-4] before the NULL check, single pop rax', () => {
  const f = jit(makeImage([{ name: 'e', insns: indirect, tcr: true, stackDepth: 8 }]), 'tcc-by-value').funcs[0]!;
  assert.equal(
    seqAfter(f.code, f.addrs[3]!, f.addrs[4]!),
    h(`
    89d2 39564c 7637       // mov edx,edx; cmp [rsi+0x4c],edx; jbe out
    8b85f4ffffff           // mov eax, [rbp-12]  (tcc_off = -4 - rsd)
    83f821 732c            // cmp eax, 33; jae out
    83c001                 // add eax, 1
    8985f4ffffff           // mov [rbp-12], eax
    488b8cd638010000 4885c9 7416 // load, test, je out
    5b 58                  // pop rbx; pop rax
    4881c408000000         // add rsp, 8
    488b4948 4883c10b      // mov rcx,[rcx+0x48]; add rcx, 11
    e900000000             // jmp __x86_indirect_thunk_rcx
  `),
  );
});

// r2 = map ll; r3 = 2; tail_call(poke 0); r0 = 0; exit
const direct = [insn(0x18, 2, 1, 0, 0), insn(0, 0, 0, 0, 0), insn(0xb7, 3, 0, 0, 2), insn(0xf5, 0, 0, 0, 1), insn(0xb7, 0), insn(0x95)];

test('tcc-by-value direct tail call: count and store before the bypass, then pops, pop rax, nop5 target', () => {
  const img = makeImage([{ name: 'e', insns: direct, tcr: true }], [{ index: 0, insn: 3 as never, mapIndex: 0, key: 2 }]);
  const r = jit(img, 'tcc-by-value');
  const f = r.funcs[0]!;
  assert.equal(
    seqAfter(f.code, f.addrs[3]!, f.addrs[4]!),
    h(`
    8b85fcffffff 83f821 7314 83c001 8985fcffffff // count
    e906000000                                   // jmp out (tailcall_bypass)
    58                                           // pop rax
    0f1f440000                                   // nop5 (tailcall_target)
  `),
  );
  const p = r.pokes[0]!;
  assert.equal(p.tailcallBypass, f.addrs[3]! + 20);
  assert.equal(p.tailcallTarget, f.addrs[4]! - 5);
  assert.equal(p.bypassAddr, f.addrs[4]);
  assert.equal(p.adjOff, 11);
});

test('6.18 direct tail call matches the kernel layout (tailcall2 classifier_0: pops r13, rbx; two pop rax; no add rsp at depth 0)', () => {
  const body = [
    insn(0xbf, 6, 1),
    insn(0x18, 7, 1, 0, 0),
    insn(0, 0, 0, 0, 0),
    insn(0xbf, 1, 6),
    insn(0xbf, 2, 7),
    insn(0xb7, 3, 0, 0, 1),
    insn(0xf5, 0, 0, 0, 1),
    insn(0xb7, 0),
    insn(0x95),
  ];
  const img = makeImage([{ name: 'c0', insns: body, tcr: true }], [{ index: 0, insn: 6 as never, mapIndex: 0, key: 1 }]);
  const f = jit(img, 'linux-6.18').funcs[0]!;
  // Kernel bytes with the map address and the return thunk's rel32 masked.
  const kernel =
    '0f1f4400004831c0554889e54883f8217706504889e0eb0150505341554889fb49bd009c701c8188ffff4889df4c89eeba01000000488b85f0ffffff488338217313e90e00000048830001415d5b58580f1f44000031c0415d5bc9e957e10dc1';
  const mask = (s: string): string => s.slice(0, 60) + 'X'.repeat(16) + s.slice(76, -8) + 'XXXXXXXX';
  assert.equal(mask(hex(f.code)), mask(kernel));
});

test('without retpolines, a kernel built with CONFIG_MITIGATION_RETPOLINE follows jmp rcx with int3; RETPOLINE_LFENCE puts lfence before it', () => {
  const image = makeImage([{ name: 'e', insns: indirect, tcr: true }]);
  const plain = findProfile('plain-ret')!;
  const compile = (p: JitProfile) => {
    const r = compileX86(image, p, testEnv);
    if (!r.ok) throw new Error(r.error.message);
    return r.value.funcs[0]!;
  };
  const int3 = compile({ ...plain, indirectPlain: 'jmp-int3' });
  assert.equal(seqAfter(int3.code, int3.addrs[4]! - 3, int3.addrs[4]!), h('ffe1 cc'));
  const lfence = compile({ ...plain, indirectPlain: 'lfence-jmp' });
  assert.equal(seqAfter(lfence.code, lfence.addrs[4]! - 5, lfence.addrs[4]!), h('0faee8 ffe1'));
});
