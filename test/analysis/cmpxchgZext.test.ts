// The zero-extension every JIT gets after a 32-bit cmpxchg whose R0 is then read as a 64-bit
// value (opt_subreg_zext_lo32_rnd_hi32's cmpxchg rule): `w0 = w0` (imm 1) right after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram } from '../../src/analysis/index.ts';
import type { Insn } from '../../src/bpf/insn.ts';
import { mkObj, mkProg } from './progs.ts';

const i = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });
const head = [
  i(0x7a, 10, 0, -8, 0), // *(u64 *)(r10 - 8) = 0
  i(0xb7, 0, 0, 0, 0), //   r0 = 0
  i(0xb4, 1, 0, 0, 5), //   w1 = 5
  i(0xc3, 10, 1, -8, 0xf1), // w0 = cmpxchg32(r10 - 8, w0, w1)
];
const EXIT = i(0x95);
const ZEXT = i(0xbc, 0, 0, 0, 1);

function xlated(insns: Insn[]): Insn[] {
  const prog = mkProg(insns);
  const r = analyzeProgram(mkObj(prog), prog);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value.insns;
}

test('R0 of a 32-bit cmpxchg returned by the program is zero-extended right after it', () => {
  assert.deepEqual(xlated([...head, EXIT]), [...head, ZEXT, EXIT]);
});

test('no zero-extension when R0 is redefined by a 32-bit op before any 64-bit read', () => {
  const redefine = i(0x04, 0, 0, 0, 0); // w0 += 0
  assert.deepEqual(xlated([...head, redefine, EXIT]), [...head, redefine, EXIT]);
});

test('a 32-bit store of R0 does not read it as 64 bits; a 64-bit compare does', () => {
  const store32 = i(0x63, 10, 0, -16, 0); // *(u32 *)(r10 - 16) = r0
  const set = i(0xb7, 0, 0, 0, 1);
  assert.deepEqual(xlated([...head, store32, set, EXIT]), [...head, store32, set, EXIT]);
  const cmp = i(0x15, 0, 0, 1, 0); // if r0 == 0 goto +1
  assert.deepEqual(xlated([...head, cmp, set, EXIT]), [...head, ZEXT, cmp, set, EXIT]);
});
