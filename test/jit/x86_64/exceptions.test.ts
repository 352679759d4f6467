// BPF exceptions on x86-64 (6.7+, as Linux 6.18.44 emits them): the entry of a program that
// calls bpf_throw (the exception boundary) saves r12 and all four callee-saved registers
// whatever it uses and restores them on exit; the exception callback adopts the boundary's
// frame (rsp, rbp from bpf_throw), restores what the boundary saved and resets rsp to rbp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../../src/bpf/insn.ts';
import { h, hex, jit, makeImage } from './fixtures.ts';

const throwing = [insn(0xb7, 1, 0, 0, 5), insn(0x85, 0, 2, 0, 1234), insn(0xb7, 0, 0, 0, 1), insn(0x95)]; // r1 = 5; call bpf_throw; r0 = 1; exit
const defaultCb = [insn(0xbf, 0, 1), insn(0x95)]; // r0 = r1; exit

function exceptionImage(cb = defaultCb, mainDepth = 0) {
  const img = makeImage([
    { name: 'main', insns: throwing, stackDepth: mainDepth },
    { name: 'cb', insns: cb },
  ]);
  img.exceptionBoundary = true;
  img.subprogs[1]!.isExceptionCb = true;
  return img;
}

test('the exception boundary pushes r12, rbx, r13, r14, r15 after sub rsp and pops them before leave', () => {
  const f = jit(exceptionImage(defaultCb, 8), 'kernel-wide').funcs[0]!;
  assert.equal(
    hex(f.code.subarray(0, f.addrs[0]!)),
    h(`
    0f1f440000 0f1f00 55 4889e5  // nop5; nop3; push rbp; mov rbp, rsp
    4881ec08000000               // sub rsp, 8
    4154 53 4155 4156 4157       // push r12; push rbx; push r13; push r14; push r15
  `),
  );
  assert.equal(hex(f.code.subarray(f.code.length - 11)), h('415f 415e 415d 5b 415c c9 c3')); // pop r15..rbx; pop r12; leave; ret
  assert.deepEqual(
    f.frame.saved.map((s) => [s.reg, s.fpOff]),
    [
      ['rbp', 0],
      ['r12', -16],
      ['rbx', -24],
      ['r13', -32],
      ['r14', -40],
      ['r15', -48],
    ],
  );
});

test("the exception callback takes the boundary's frame: mov rsp, rsi; mov rbp, rdx; pops; mov rsp, rbp", () => {
  const f = jit(exceptionImage(), 'kernel-wide').funcs[1]!;
  assert.equal(
    hex(f.code),
    h(`
    0f1f440000 0f1f00            // nop5; nop3
    4889f4 4889d5                // mov rsp, rsi; mov rbp, rdx
    415f 415e 415d 5b 415c       // pop r15; pop r14; pop r13; pop rbx; pop r12
    4889ec                       // mov rsp, rbp
    4889f8 c9 c3                 // mov rax, rdi; leave; ret
  `),
  );
});

test('a callback using R6 pushes only its own callee-saved registers after taking the frame', () => {
  const cb = [insn(0xbf, 6, 1), insn(0xbf, 0, 6), insn(0x95)]; // r6 = r1; r0 = r6; exit
  const f = jit(exceptionImage(cb), 'kernel-wide').funcs[1]!;
  assert.equal(hex(f.code.subarray(f.addrs[0]! - 1, f.addrs[0]!)), '53'); // push rbx ends the prologue
  assert.equal(hex(f.code.subarray(f.code.length - 3)), h('5b c9 c3'));
});

test('a subprogram of a throwing program is no boundary: it saves only the registers it uses', () => {
  const img = makeImage([
    { name: 'main', insns: [insn(0x85, 0, 1, 0, 3), insn(0x95)] },
    { name: 'cb', insns: defaultCb },
    { name: 's', insns: throwing },
  ]);
  img.exceptionBoundary = true;
  img.subprogs[1]!.isExceptionCb = true;
  const sub = jit(img, 'kernel-wide').funcs[2]!;
  assert.equal(hex(sub.code.subarray(0, sub.addrs[0]!)), h('0f1f440000 0f1f00 55 4889e5'));
  assert.equal(hex(sub.code.subarray(sub.code.length - 2)), h('c9 c3'));
});
