// Rejections the verifier makes before the JIT runs, each a Diag with the kernel's words,
// the program name, the instruction index and its source line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram, AnCode } from '../../src/analysis/index.ts';
import { insn } from '../../src/bpf/insn.ts';
import { formatDiag } from '../../src/common/diag.ts';
import { mkObj, mkProg, type ProgSpec } from './progs.ts';

function reject(text: string | ReturnType<typeof insn>[], spec: ProgSpec = {}) {
  const prog = mkProg(text, { lines: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], ...spec });
  const r = analyzeProgram(mkObj(prog), prog);
  assert.equal(r.ok, false, 'program must be rejected');
  return (r as { ok: false; error: { code: string; message: string; place: { insn?: number; line?: number; program?: string } } }).error;
}

test('rejects a jump past the end of its subprogram, naming both insns and the source line', () => {
  const e = reject('r0 = 0\nif r0 == 0 goto +5\nexit');
  assert.equal(e.code, AnCode.jumpOutOfRange);
  assert.equal(e.message, 'jump out of range from insn 1 to 7');
  assert.equal(e.place.insn, 1);
  assert.equal(e.place.line, 101);
  assert.equal(e.place.program, 'prog');
  assert.match(formatDiag(e as never), /^test\.o: tc\/prog insn 1 \(prog\.c:101\): jump out of range/);
});

test('rejects a jump from one subprogram into another', () => {
  const e = reject('call sub\ngoto +1\nexit\nsub: r0 = 0\nexit', {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 3 },
    ],
  });
  assert.equal(e.message, 'jump out of range from insn 1 to 3');
});

test('rejects a subprogram whose last insn falls through into the next one', () => {
  const e = reject('call sub\nexit\nsub: r0 = 0', {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 2 },
    ],
  });
  assert.equal(e.code, AnCode.lastInsnNotExit);
  assert.equal(e.message, 'last insn is not an exit or jmp');
  assert.equal(e.place.insn, 2);
});

test('rejects a bpf2bpf call outside the program', () => {
  const e = reject([insn(0x85, 0, 1, 0, 40), insn(0x95)]);
  assert.equal(e.code, AnCode.callOutOfRange);
});

test('rejects unreachable instructions with the kernel message', () => {
  const e = reject('r0 = 0\nexit\nr0 = 1\nexit');
  assert.equal(e.code, AnCode.unreachable);
  assert.equal(e.message, 'unreachable insn 2');
  assert.equal(e.place.line, 102);
});

test('rejects a jump into the second slot of an LD_IMM64', () => {
  const e = reject('r0 = 0\nif r0 == 0 goto +1\nr1 = 0x100000000 ll\nexit');
  assert.equal(e.code, AnCode.jumpIntoLdImm64);
  assert.equal(e.message, 'jump into the middle of ldimm64 insn 2');
});

test('rejects an LD_IMM64 missing its second slot', () => {
  const e = reject([insn(0xb7), insn(0x18, 1, 0, 0, 1), insn(0x95)]);
  assert.equal(e.code, AnCode.badLdImm64);
  assert.equal(e.place.insn, 1);
});

test('rejects unknown opcodes and invalid registers', () => {
  assert.equal(reject([insn(0xb7), insn(0xff), insn(0x95)]).message, 'unknown opcode ff');
  assert.equal(reject([insn(0xb7, 12, 0, 0, 1), insn(0x95)]).message, 'R12 is invalid');
  assert.equal(reject([insn(0xb7, 10, 0, 0, 1), insn(0x95)]).message, 'frame pointer is read only');
  // A user program may not contain the kernel-internal tail-call opcode.
  assert.equal(reject([insn(0xf5), insn(0x95)]).message, 'unknown opcode f5');
});

test('rejects recursion as the kernel does: by running out of call frames', () => {
  const e = reject('call sub\nexit\nsub: call sub\nexit', {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 2 },
    ],
  });
  assert.equal(e.code, AnCode.callStackTooDeep);
  assert.match(e.message, /^the call stack of 9 frames is too deep/);
  assert.equal(e.place.insn, 2);
});

test('rejects stack accesses below r10-512 or at/above r10', () => {
  const e = reject('r1 = 0\n*(u64 *)(r10 - 520) = r1\nr0 = 0\nexit');
  assert.equal(e.code, AnCode.invalidStackAccess);
  assert.equal(e.message, 'invalid write to stack R10 off=-520 size=8');
  const e2 = reject('r2 = r10\nr2 += 4\nr0 = *(u32 *)(r2 - 0)\nexit');
  assert.equal(e2.message, 'invalid read from stack R2 off=4 size=4');
});

test('rejects LD_ABS when R6 does not hold the skb, and in program types without skb', () => {
  assert.equal(reject('r0 = *(u8 *)skb[0]\nexit').code, AnCode.ldAbsNoCtx);
  assert.equal(reject('r6 = r1\nr0 = *(u8 *)skb[0]\nexit', { progType: 'xdp' }).code, AnCode.ldAbsNotAllowed);
});

test('rejects ctx accesses outside __sk_buff fields and writes to read-only fields', () => {
  const e = reject('r0 = *(u32 *)(r1 + 2)\nexit');
  assert.equal(e.code, AnCode.badCtxAccess);
  assert.equal(e.message, 'invalid bpf_context access off=2 size=4');
  assert.equal(reject('r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit').code, AnCode.badCtxAccess);
  assert.equal(reject('r2 = 1\n*(u32 *)(r1 + 0) = r2\nr0 = 0\nexit', { progType: 'xdp' }).code, AnCode.badCtxAccess);
});

test('rejects tail calls in programs with subprograms when the JIT cannot mix them', () => {
  const prog = mkProg('call sub\nexit\nsub: r2 = map[#0] ll\nr3 = 0\ncall 12\nr0 = 0\nexit', {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 2 },
    ],
  });
  const obj = mkObj(prog, [{ index: 0, name: 't', type: 3, keySize: 4, valueSize: 4, maxEntries: 1, flags: 0, kind: 'user' }]);
  const r = analyzeProgram(obj, prog, { allowTailCallInSubprogs: false });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.message, 'tail_calls are not allowed in programs with bpf-to-bpf calls');
});

test('rejects atomic operations on the ctx', () => {
  const e = reject('r2 = 1\nlock *(u32 *)(r1 + 8) += r2\nr0 = 0\nexit');
  assert.equal(e.message, 'BPF_ATOMIC stores into R1 ctx is not allowed');
  assert.equal(e.place.insn, 1);
});
