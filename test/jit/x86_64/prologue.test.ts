// Prologues per profile. Every prologue has the same X86_TAIL_CALL_OFFSET-byte head so a tail
// call can skip it without knowing its target: nop5 (fentry/freplace site), the TCC init or
// a same-length nop, push rbp; mov rbp, rsp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../../src/bpf/insn.ts';
import { h, hex, jit, makeImage } from './fixtures.ts';

const ret0 = [insn(0xb7, 0, 0, 0, 0), insn(0x95)]; // r0 = 0; exit
const usesR6R9 = [insn(0xbf, 6, 1), insn(0xbf, 9, 6), insn(0xb7, 0, 0, 0, 0), insn(0x95)];

const prologueOf = (code: Uint8Array, n: number): string => hex(code.subarray(0, n));

test('6.18: a main program that cannot reach a tail call starts nop5; nop3; push rbp; mov rbp,rsp (kernel tailcall1 classifier_0)', () => {
  const f = jit(makeImage([{ name: 'p', insns: ret0 }]), 'linux-6.18').funcs[0]!;
  assert.equal(prologueOf(f.code, 12), h('0f1f440000 0f1f00 55 4889e5'));
  assert.equal(f.addrs[0], 12);
  assert.equal(f.tailCallOffset, 12);
});

test('6.18: a tail-call-reachable main program zeroes rax and builds the tcc_ptr block after sub rsp', () => {
  const f = jit(makeImage([{ name: 'p', insns: ret0, stackDepth: 12, tcr: true }]), 'linux-6.18').funcs[0]!;
  assert.equal(
    prologueOf(f.code, f.addrs[0]!),
    h(`
    0f1f440000 4831c0 55 4889e5   // nop5; xor rax,rax; push rbp; mov rbp,rsp
    4881ec10000000                // sub rsp, 16 (round_up(12, 8))
    4883f821 7706 50 4889e0 eb01 50 50 // cmp rax,33; ja; push; mov rax,rsp; jmp; push; push
  `),
  );
  assert.deepEqual(
    f.frame.tccSlots.map((s) => s.fpOff),
    [-24, -32],
  );
});

test('6.18: a tail-call-reachable subprogram keeps nop3 and pushes tcc_ptr twice', () => {
  const img = makeImage([
    { name: 'main', insns: [insn(0x85, 0, 1, 0, 1), insn(0x95)], tcr: true },
    { name: 'sub', insns: usesR6R9, tcr: true },
  ]);
  const f = jit(img, 'linux-6.18').funcs[1]!;
  assert.equal(prologueOf(f.code, f.addrs[0]!), h('0f1f440000 0f1f00 55 4889e5 50 50 53 4157'));
});

test('tcc-by-value (5.10-6.11): xor eax,eax or nop2, then a single push rax; X86_TAIL_CALL_OFFSET is 11', () => {
  const main = jit(makeImage([{ name: 'p', insns: ret0, stackDepth: 8, tcr: true }]), 'tcc-by-value').funcs[0]!;
  assert.equal(prologueOf(main.code, main.addrs[0]!), h('0f1f440000 31c0 55 4889e5 4881ec08000000 50'));
  assert.equal(main.tailCallOffset, 11);
  const plain = jit(makeImage([{ name: 'p', insns: ret0 }]), 'tcc-by-value').funcs[0]!;
  assert.equal(prologueOf(plain.code, plain.addrs[0]!), h('0f1f440000 6690 55 4889e5'));
});

test('callee-saved registers are pushed only when R6..R9 appear, in rbx,r13,r14,r15 order', () => {
  const f = jit(makeImage([{ name: 'p', insns: [insn(0xbf, 8, 1), insn(0xbf, 7, 8), insn(0xb7, 0), insn(0x95)] }]), 'linux-6.18').funcs[0]!;
  assert.equal(prologueOf(f.code, f.addrs[0]!), h('0f1f440000 0f1f00 55 4889e5 4155 4156'));
  assert.deepEqual(
    f.frame.saved.map((s) => `${s.reg}@${s.fpOff}`),
    ['rbp@0', 'r13@-8', 'r14@-16'],
  );
});

test("6.13+ private stack: no sub rsp; r9 = this CPU's frame via movabs + add r9, gs:[this_cpu_off] (kernel ps_basic.o)", () => {
  const body = [insn(0x7b, 10, 1, -96), insn(0x79, 0, 10, -96), insn(0x95)]; // *(r10-96)=r1; r0=*(r10-96)
  const img = makeImage([
    { name: 'main', insns: [insn(0x85, 0, 1, 0, 1), insn(0x95)], stackDepth: 8 },
    { name: 'big', insns: body, stackDepth: 96, privStack: 'adaptive' },
  ]);
  const f = jit(img, 'linux-6.18').funcs[1]!;
  assert.equal(
    hex(f.code),
    h(`
    0f1f440000 0f1f00 55 4889e5
    49b9 88faaf5b79600000          // movabs r9, priv_frame_ptr (testEnv: 0x60795baffa88 + 0x100)
    654c030c25 28e0b083            // add r9, gs:[0x83b0e028]
    498979a0                       // mov [r9-96], rdi   (R10 -> r9)
    498b41a0                       // mov rax, [r9-96]
    c9 e900000000                  // leave; jmp __x86_return_thunk
  `).replace('88faaf5b79600000', '88fbaf5b79600000'),
  );
  assert.equal(f.frame.fpReg, 'r9');
  assert.equal(f.frame.stackSize, 0);
  assert.deepEqual(
    f.relocs.filter((r) => r.kind === 'perCpu').map((r) => [r.at, (r as { width: number }).width]),
    [
      [14, 8],
      [27, 4],
    ],
  );
  // priv-stack-off keeps the same function on the kernel stack.
  const off = jit(img, 'priv-stack-off').funcs[1]!;
  assert.equal(hex(off.code.subarray(0, 19)), h('0f1f440000 0f1f00 55 4889e5 4881ec60000000'));
});
