// The worked example of the x86-64 JIT reference (§14): an E2 main program with an 8-byte
// stack, R6 in use and a constant-key tail call, byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../../src/bpf/insn.ts';
import { compileX86 } from '../../../src/jit/x86_64/index.ts';
import { findProfile } from '../../../src/jit/profiles.ts';
import { h, hex, makeImage, testEnv } from './fixtures.ts';

const prog = [
  insn(0xbf, 6, 1), // r6 = r1
  insn(0x7b, 10, 6, -8), // *(u64 *)(r10 - 8) = r6
  insn(0x18, 2, 1, 0, 0),
  insn(0, 0, 0, 0, 0), // r2 = map[0] ll
  insn(0xb7, 3, 0, 0, 0), // r3 = 0
  insn(0xf5, 0, 0, 0, 1), // tail_call (poke descriptor 0)
  insn(0xb7, 0, 0, 0, 0), // r0 = 0
  insn(0x95), // exit
];

test('§14 worked example: tcc_ptr prologue, direct tail call in state C, epilogue', () => {
  const image = makeImage([{ name: 'entry', insns: prog, stackDepth: 8, tcr: true }], [{ index: 0, insn: 5 as never, mapIndex: 0, key: 0 }]);
  const plain = { ...findProfile('plain-ret')! };
  const r = compileX86(image, plain, testEnv);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const f = r.value.funcs[0]!;
  const expected = h(`
    0f 1f 44 00 00          // nop5
    48 31 c0                // xor rax, rax (tcr && main)
    55                      // push rbp
    48 89 e5                // mov rbp, rsp
    48 81 ec 08 00 00 00    // sub rsp, 8
    48 83 f8 21 77 06 50 48 89 e0 eb 01 50 50 // TCC block
    53                      // push rbx
    48 89 fb                // mov rbx, rdi
    48 89 5d f8             // mov [rbp-8], rbx
    48 be 00 84 70 1c 81 88 ff ff // movabs rsi, map
    31 d2                   // xor edx, edx
    48 8b 85 e8 ff ff ff    // mov rax, [rbp-0x18]
    48 83 38 21             // cmp qword [rax], 33
    73 18                   // jae out
    e9 13 00 00 00          // jmp out (tailcall_bypass)
    48 83 00 01             // add qword [rax], 1
    5b 58 58                // pop rbx; pop rax; pop rax
    48 81 c4 08 00 00 00    // add rsp, 8
    0f 1f 44 00 00          // nop5 (tailcall_target)
    31 c0                   // xor eax, eax
    5b c9 c3                // pop rbx; leave; ret
  `);
  assert.equal(hex(f.code), expected);
  assert.deepEqual(f.addrs.slice(0, 9), [0x22, 0x25, 0x29, 0x33, 0x33, 0x35, 0x5a, 0x5c, 0x5f]);
  assert.deepEqual(r.value.pokes, [
    {
      index: 0,
      func: 0,
      insn: 5,
      tailcallTarget: 0x55,
      tailcallBypass: 0x42,
      bypassAddr: 0x5a,
      adjOff: 12,
      mapIndex: 0,
      key: 0,
    },
  ]);
});
