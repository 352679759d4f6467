import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as op from '../../src/bpf/opcodes.ts';
import { insn } from '../../src/bpf/insn.ts';

test('named opcodes compose to the UAPI encodings', () => {
  const want: Record<string, number> = {
    ADD64_IMM: 0x07,
    ADD32_REG: 0x0c,
    JSGT_REG32: 0x6e,
    JSGT_IMM: 0x65,
    LD_DW_IMM: 0x18,
    LDXW: 0x61,
    LDXSB: 0x91,
    STXDW: 0x7b,
    ST_W_IMM: 0x62,
    ATOMIC_W: 0xc3,
    ATOMIC_DW: 0xdb,
    CALL: 0x85,
    EXIT: 0x95,
    TAIL_CALL: 0xf5,
    BSWAP: 0xd7,
    BE: 0xdc,
    LE: 0xd4,
    JA: 0x05,
    JA32: 0x06,
    JCOND: 0xe5,
    LD_ABS_W: 0x20,
    LD_IND_B: 0x50,
    MOV64_REG: 0xbf,
    NEG32: 0x84,
    ARSH64_IMM: 0xc7,
    MOD32_REG: 0x9c,
    JSET_IMM32: 0x46,
  };
  for (const [name, code] of Object.entries(want)) assert.equal((op as unknown as Record<string, number>)[name], code, name);
});

test('predicates classify jumps, calls and two-slot loads', () => {
  assert.equal(op.isCondJump(op.JLE_REG32), true);
  assert.equal(op.isCondJump(op.JA), false);
  assert.equal(op.isBranch(op.JA32), true);
  assert.equal(op.isBranch(op.CALL), false);
  assert.equal(op.isPseudoCall(insn(op.CALL, 0, 1, 0, 5)), true);
  assert.equal(op.isHelperCall(insn(op.CALL, 0, 0, 0, 5)), true);
  assert.equal(op.isLdAbsInd(op.LD_IND_H), true);
  assert.equal(op.insnSlots(insn(op.LD_DW_IMM)), 2);
  assert.equal(op.branchTarget(10, insn(op.JA32, 0, 0, 0, -3)), 8);
  assert.equal(op.branchTarget(10, insn(op.JEQ_IMM, 1, 0, 4, 0)), 15);
  assert.equal(op.sizeBytes(op.BPF_H), 2);
});
