// One BPF instruction -> x86-64 bytes, per instruction form, against encodings checked with
// llvm-mc (the assembly is in each row's comment). Conditional jumps here target the next
// instruction, so their rel8 is 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Insn, insn } from '../../../src/bpf/insn.ts';
import { CodeBuf } from '../../../src/jit/x86_64/codeBuf.ts';
import { emitInsn } from '../../../src/jit/x86_64/emitInsn.ts';
import type { InsnState } from '../../../src/jit/x86_64/insnState.ts';
import type { EmitCtx } from '../../../src/jit/x86_64/jitContext.ts';
import { planFunction } from '../../../src/jit/x86_64/jit.ts';
import { DEFAULT_X86_PROFILE } from '../../../src/jit/profiles.ts';
import { hex, makeImage, testEnv } from './fixtures.ts';

const CASES: [string, Insn[], string][] = [
  ['stxb [r10-1], r1', [insn(115, 10, 1, -1, 0)], '40887dff'], // mov byte ptr [rbp - 1], dil
  ['ldxb r1,[r7+0]', [insn(113, 1, 7, 0, 0)], '490fb67d00'], // movzx rdi, byte ptr [r13]
  ['ldxh r9,[r1+300]', [insn(105, 9, 1, 300, 0)], '4c0fb7bf2c010000'], // movzx r15, word ptr [rdi + 300]
  ['w5 = -1', [insn(180, 5, 0, 0, -1)], '41b8ffffffff'], // mov r8d, 4294967295
  ['r5 = -1', [insn(183, 5, 0, 0, -1)], '49c7c0ffffffff'], // mov r8, -1
  ['r0 /= r3', [insn(63, 0, 3, 0, 0)], '524989d331d249f7f35a'], // push rdx; mov r11, rdx; xor edx, edx; div r11; pop rdx
  ['w7 %= 10', [insn(148, 7, 0, 0, 10)], '505249c7c30a0000004489e831d241f7f34189d55a58'], // push rax; push rdx; mov r11, 10; mov eax, r13d; xor edx, edx; div r11d; mov r13d, edx; pop rdx; pop rax
  ['r4 <<= r2', [insn(111, 4, 2, 0, 0)], '4989cb4889f149d3e34c89d9'], // mov r11, rcx; mov rcx, rsi; shl r11, cl; mov rcx, r11
  ['r1 >>= r4', [insn(127, 1, 4, 0, 0)], '48d3ef'], // shr rdi, cl
  ['r8 s>>= 3', [insn(199, 8, 0, 0, 3)], '49c1fe03'], // sar r14, 3
  ['be16 r8', [insn(220, 8, 0, 0, 16)], '6641c1ce08450fb7f6'], // ror r14w, 8; movzx r14d, r14w
  ['be32 r1', [insn(220, 1, 0, 0, 32)], '0fcf'], // bswap edi
  ['bswap64 r0', [insn(215, 0, 0, 0, 64)], '480fc8'], // bswap rax
  ['le16 r7', [insn(212, 7, 0, 0, 16)], '450fb7ed'], // movzx r13d, r13w
  ['le32 r2', [insn(212, 2, 0, 0, 32)], '89f6'], // mov esi, esi
  ['r1 = (s8)r7', [insn(191, 1, 7, 8, 0)], '490fbefd'], // movsx rdi, r13b
  ['w1 = (s16)w2', [insn(188, 1, 2, 16, 0)], '0fbffe'], // movsx edi, si
  ['lock *(u64)(r1+8) += r7', [insn(219, 1, 7, 8, 0)], 'f04c016f08'], // lock; add qword ptr [rdi + 8], r13
  ['r2 = atomic_fetch_or', [insn(195, 1, 2, 4, 65)], '4989c28b47044189c34109f3f0440fb15f0475ef89c64c89d0'], // mov r10, rax; mov eax, dword ptr [rdi + 4]; mov r11d, eax; or r11d, esi; lock; cmpxchg dword ptr [rdi + 4], r11d; jne -17; mov esi, eax; mov rax, r10
  ['r0 = cmpxchg', [insn(219, 1, 2, 0, 241)], 'f0480fb17700'], // lock; cmpxchg qword ptr [rdi], rsi
  ['if w1 & 0x10 goto', [insn(70, 1, 0, 0, 16)], 'f7c7100000007500'], // test edi, 16; jne 0
  ['if r8 s> r9 goto', [insn(109, 8, 9, 0, 0)], '4d39fe7f00'], // cmp r14, r15; jg 0
  ['r1 = r2 percpu', [insn(191, 1, 2, -1, 0)], '4889f76548033c2528e0b083'], // mov rdi, rsi; add rdi, qword ptr gs:[-2085560280]
  ['r3 = 0x80000000 ll', [insn(24, 3, 0, 0, -2147483648), insn(0, 0, 0, 0, 0)], 'ba00000080'], // mov edx, 2147483648
  ['r3 = -5 ll', [insn(24, 3, 0, 0, -5), insn(0, 0, 0, 0, -1)], '48c7c2fbffffff'], // mov rdx, -5
  ['r9 = *(s32*)(r10-4)', [insn(129, 9, 10, -4, 0)], '4c637dfc'], // movsxd r15, dword ptr [rbp - 4]
  ['*(u16*)(r9+2)=7', [insn(106, 9, 0, 2, 7)], '6641c747020700'], // mov word ptr [r15 + 2], 7
  ['neg r8', [insn(135, 8, 0, 0, 0)], '49f7de'], // neg r14
  ['r0 = -r0 w', [insn(132, 0, 0, 0, 0)], 'f7d8'], // neg eax
  ['r0 += 1000', [insn(7, 0, 0, 0, 1000)], '4805e8030000'], // add rax, 1000
  ['r6 ^= 1000', [insn(167, 6, 0, 0, 1000)], '4881f3e8030000'], // xor rbx, 1000
  ['r6 *= r8', [insn(47, 6, 8, 0, 0)], '490fafde'], // imul rbx, r14
  ['lfence', [insn(194, 0, 0, 0, 0)], '0faee8'], // lfence
];

function emitOne(ins: Insn[]): string {
  const image = makeImage([{ name: 'p', insns: [...ins, insn(0x95)] }]);
  const buf = new CodeBuf(false);
  const ctx: EmitCtx = {
    plan: planFunction(image, 0, DEFAULT_X86_PROFILE, testEnv),
    buf,
    labels: { cleanupAddr: 0, tailCallDirectLabel: 0, tailCallIndirectLabel: 0 },
    writing: false,
    relocs: [],
    regions: [],
    pokes: [],
    insn: 0 as never,
  };
  const st: InsnState = { image, env: testEnv, addrs: new Int32Array(4), padding: false, seenExit: false, base: 0, funcAt: new Map() };
  const r = emitInsn(ctx, st, 0, ins[0]!, ins[1]);
  assert.equal(typeof r, 'number');
  return hex(buf.code());
}

for (const [name, ins, bytes] of CASES) {
  test(`${name} encodes as ${bytes}`, () => assert.equal(emitOne(ins), bytes));
}
