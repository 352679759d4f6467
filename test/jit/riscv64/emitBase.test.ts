// The bpf_jit.h helpers: compressed-form selection, emit_imm sequences and far branches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../src/jit/riscv64/encode.ts';
import type { RvCtx } from '../../../src/jit/riscv64/ctx.ts';
import { BPF_JEQ } from '../../../src/bpf/opcodes.ts';
import { emit_addi, emit_branch, emit_imm, emit_jump_and_link, emit_ld, emit_mv, emit_sd } from '../../../src/jit/riscv64/emitBase.ts';
import { codeBytes } from '../../../src/jit/riscv64/ctx.ts';
import { hex, seq } from './fixtures.ts';

const { RV } = E;
const ctxOf = (rvc = true): RvCtx => ({ rvc, code: [] }) as unknown as RvCtx;
const bytes = (f: (c: RvCtx) => void, rvc = true): string => {
  const c = ctxOf(rvc);
  f(c);
  return hex(codeBytes(c));
};

test('emit_imm: 12-bit values are one li; 32-bit values lui+addiw (0x7ffff800 wraps correctly)', () => {
  assert.equal(
    bytes((c) => emit_imm(c, RV.A5, 5)),
    hex(seq(E.rvc_li(RV.A5, 5))),
  );
  assert.equal(
    bytes((c) => emit_imm(c, RV.A5, -2048)),
    hex(seq(E.rv_addi(RV.A5, RV.ZERO, -2048))),
  );
  assert.equal(
    bytes((c) => emit_imm(c, RV.T1, 0x7ffff800)),
    hex(seq(E.rv_lui(RV.T1, 0x80000), E.rv_addiw(RV.T1, RV.T1, -2048))),
  );
  assert.equal(
    bytes((c) => emit_imm(c, RV.A5, 0x12345)),
    hex(seq(E.rvc_lui(RV.A5, 0x12), E.rv_addiw(RV.A5, RV.A5, 0x345))),
  );
});

test('emit_imm: 64-bit values recurse on the upper part and shift by its trailing zeros + 12', () => {
  // 0x1_0000_0000: upper = 0x100000 -> ffs 20 -> li 1; slli 32
  assert.equal(
    bytes((c) => emit_imm(c, RV.A1, 0x100000000n)),
    hex(seq(E.rvc_li(RV.A1, 1), E.rvc_slli(RV.A1, 32))),
  );
  // 0xffffffff (not a 32-bit signed int): upper = 0x100000 -> li 1; slli 32; addi -1
  assert.equal(
    bytes((c) => emit_imm(c, RV.A1, 0xffffffffn)),
    hex(seq(E.rvc_li(RV.A1, 1), E.rvc_slli(RV.A1, 32), E.rvc_addi(RV.A1, -1))),
  );
});

test('compressed forms are chosen exactly when operands allow (sp-relative, x8-x15, 6-bit immediates)', () => {
  assert.equal(
    bytes((c) => emit_sd(c, RV.SP, 504, RV.S6)),
    hex(seq(E.rvc_sdsp(504, RV.S6))),
  );
  assert.equal(
    bytes((c) => emit_sd(c, RV.SP, 512, RV.S6)),
    hex(seq(E.rv_sd(RV.SP, 512, RV.S6))),
  );
  assert.equal(
    bytes((c) => emit_ld(c, RV.A5, 8, RV.A0)),
    hex(seq(E.rvc_ld(RV.A5, 8, RV.A0))),
  );
  assert.equal(
    bytes((c) => emit_ld(c, RV.S2, 8, RV.A0)),
    hex(seq(E.rv_ld(RV.S2, 8, RV.A0))),
  );
  assert.equal(
    bytes((c) => emit_addi(c, RV.SP, RV.SP, -520)),
    hex(seq(E.rv_addi(RV.SP, RV.SP, -520))),
  );
  assert.equal(
    bytes((c) => emit_addi(c, RV.S5, RV.SP, 16)),
    hex(seq(E.rv_addi(RV.S5, RV.SP, 16))),
  );
  assert.equal(
    bytes((c) => emit_mv(c, RV.A5, RV.A0)),
    hex(seq(E.rvc_mv(RV.A5, RV.A0))),
  );
  assert.equal(
    bytes((c) => emit_mv(c, RV.A5, RV.A0), false),
    hex(seq(E.rv_addi(RV.A5, RV.A0, 0))),
  );
});

test('far branches: ±4 KiB direct, ±1 MiB inverted around jal, beyond that inverted around auipc+jalr', () => {
  assert.equal(
    bytes((c) => emit_branch(c, BPF_JEQ, RV.A0, RV.A1, 4094)),
    hex(seq(E.rv_beq(RV.A0, RV.A1, 2047))),
  );
  assert.equal(
    bytes((c) => emit_branch(c, BPF_JEQ, RV.A0, RV.A1, 4096)),
    hex(seq(E.rv_bne(RV.A0, RV.A1, 4), E.rv_jal(RV.ZERO, 2046))),
  );
  const off = 3 << 20; // 3 MiB: measured from the branch; auipc sits 4 bytes later
  const upper = (off - 4 + 0x800) >> 12,
    lower = (off - 4) & 0xfff;
  assert.equal(
    bytes((c) => emit_branch(c, BPF_JEQ, RV.A0, RV.A1, off)),
    hex(seq(E.rv_bne(RV.A0, RV.A1, 6), E.rv_auipc(RV.T1, upper), E.rv_jalr(RV.ZERO, RV.T1, lower))),
  );
});

test('emit_jump_and_link: offset 0 (not yet known) always takes the fixed auipc+jalr pair', () => {
  assert.equal(
    bytes((c) => emit_jump_and_link(c, RV.RA, 0, false)),
    hex(seq(E.rv_auipc(RV.T1, 0), E.rv_jalr(RV.RA, RV.T1, 0))),
  );
  assert.equal(
    bytes((c) => emit_jump_and_link(c, RV.ZERO, -8, true)),
    hex(seq(E.rv_jal(RV.ZERO, -4))),
  );
});
