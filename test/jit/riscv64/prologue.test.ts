// Prologue/epilogue layout per profile, pinned against the v6.16 bpf_jit_build_prologue /
// __build_epilogue sequences described in shared/reference/riscv64-arm64-jit.md §2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../src/jit/riscv64/encode.ts';
import { compileRiscv, RV_PROFILES, RV_TCC_A6_PASSTHROUGH, RV_TCC_ON_STACK, RV_UPSTREAM } from '../../../src/jit/riscv64/index.ts';
import type { JitImage } from '../../../src/jit/types.ts';
import {
  callFunc,
  callHelper,
  exit,
  hex,
  indexOfSeq,
  insn,
  makeImage,
  MOV64_IMM,
  MOV64_REG,
  seq,
  STX_DW,
  tailCall,
  testEnv,
  type FuncSpec,
} from './fixtures.ts';

const { RV } = E;

function jit(funcs: FuncSpec[], profile = RV_UPSTREAM, rvc = true): JitImage {
  const r = compileRiscv(makeImage(funcs), profile, testEnv, { rvc });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const FENTRY = [E.rv_nop(), E.rv_nop()];
const TCC_INIT = E.rv_addi(RV.A6, RV.ZERO, 33);

test('a leaf program saves only s0, and returns R0 sign-extended in a0 via c.jr ra', () => {
  const f = jit([{ name: 'leaf', insns: [insn(MOV64_IMM, 0, 0, 0, 0), exit()] }]).funcs[0]!;
  const expected = seq(
    ...FENTRY,
    TCC_INIT,
    E.rvc_addi16sp(-16),
    E.rvc_sdsp(8, RV.S0),
    E.rvc_addi4spn(RV.S0, 16), // prologue
    E.rvc_li(RV.A5, 0), // r0 = 0
    E.rvc_ldsp(RV.S0, 8),
    E.rvc_addi16sp(16),
    E.rv_addiw(RV.A0, RV.A5, 0),
    E.rvc_jr(RV.RA), // epilogue
  );
  assert.equal(hex(f.code), hex(expected));
  assert.deepEqual(f.addrs, [18, 20, 20]); // exit is last: it falls through into the epilogue
  assert.deepEqual(f.frame.saved, [{ reg: 's0', fpOff: -8 }]);
});

test('the reference worked example (R6, 8-byte stack, helper call, tail call) gives a 64-byte frame with s6 = a6', () => {
  const body = [insn(MOV64_REG, 6, 1), insn(STX_DW, 10, 1, -8), callHelper(5), insn(MOV64_REG, 1, 6), insn(MOV64_IMM, 3, 0, 0, 0), tailCall(), exit()];
  const f = jit([{ name: 'ex', stackDepth: 8, insns: body }]).funcs[0]!;
  const prologue = seq(
    ...FENTRY,
    TCC_INIT,
    E.rvc_addi16sp(-64),
    E.rvc_sdsp(56, RV.RA),
    E.rvc_sdsp(48, RV.S0),
    E.rvc_sdsp(40, RV.S1),
    E.rvc_sdsp(32, RV.S5),
    E.rvc_sdsp(24, RV.S6),
    E.rvc_addi4spn(RV.S0, 64),
    E.rv_addi(RV.S5, RV.SP, 16),
    E.rvc_mv(RV.S6, RV.A6), // upstream: calls and tail calls, so the TCC moves to callee-saved s6
  );
  assert.equal(hex(f.code.subarray(0, prologue.length)), hex(prologue));
  assert.equal(f.addrs[0], prologue.length);
  assert.deepEqual(
    f.frame.saved.map((s) => `${s.reg}@${s.fpOff}`),
    ['ra@-8', 's0@-16', 's1@-24', 's5@-32', 's6@-40'],
  );
  assert.equal(f.frame.stackSize, 16);
  assert.equal(f.frame.tccReg, 's6');
});

test('every profile puts the 4-byte TCC init of a main program at entry+8 so tail calls land at +12', () => {
  for (const p of RV_PROFILES) {
    for (const rvc of [true, false]) {
      const f = jit([{ name: 'm', insns: [insn(MOV64_IMM, 0, 0, 0, 1), exit()] }], p, rvc).funcs[0]!;
      assert.equal(hex(f.code.subarray(0, 12)), hex(seq(...FENTRY, TCC_INIT)), `${p.name} rvc=${rvc}`);
      assert.equal(f.tailCallOffset, 12);
    }
  }
});

test('subprograms re-initialize the TCC only upstream; on-stack and a6-passthrough leave a6 to the caller', () => {
  const two: FuncSpec[] = [
    { name: 'main', insns: [callFunc(1), exit()] },
    { name: 'sub', insns: [insn(MOV64_IMM, 0, 0, 0, 2), exit()] },
  ];
  const sub = (p = RV_UPSTREAM) => jit(two, p).funcs[1]!;
  assert.equal(hex(sub().code.subarray(8, 12)), hex(seq(TCC_INIT)));
  assert.equal(sub().tailCallOffset, 12);
  for (const p of [RV_TCC_ON_STACK, RV_TCC_A6_PASSTHROUGH]) {
    assert.equal(indexOfSeq(sub(p).code, seq(TCC_INIT)), -1, p.name);
    assert.equal(sub(p).tailCallOffset, 8);
  }
});

test('tcc-on-stack reserves the TCC slot where s6 would be and stores a6 there in every frame', () => {
  const f = jit([{ name: 'm', insns: [insn(MOV64_REG, 6, 1), insn(MOV64_IMM, 0, 0, 0, 1), exit()] }], RV_TCC_ON_STACK).funcs[0]!;
  // saved: s0, s1, slot -> 24 -> 32 bytes
  const prologue = seq(...FENTRY, TCC_INIT, E.rvc_addi16sp(-32), E.rvc_sdsp(24, RV.S0), E.rvc_sdsp(16, RV.S1), E.rvc_sdsp(8, RV.A6), E.rvc_addi4spn(RV.S0, 32));
  assert.equal(hex(f.code.subarray(0, prologue.length)), hex(prologue));
  assert.deepEqual(f.frame.tccSlots, [{ name: 'tail_call_cnt', fpOff: -24, size: 8 }]);
  // The epilogue does not reload a6 from the slot (Pu Lehui v3).
  const epi = seq(E.rvc_ldsp(RV.S0, 24), E.rvc_ldsp(RV.S1, 16), E.rvc_addi16sp(32), E.rv_addiw(RV.A0, RV.A5, 0), E.rvc_jr(RV.RA));
  assert.equal(hex(f.code.subarray(f.code.length - epi.length)), hex(epi));
});

test('without RVC every instruction is a 4-byte word', () => {
  const f = jit([{ name: 'm', stackDepth: 16, insns: [insn(MOV64_REG, 6, 1), callHelper(1), insn(MOV64_IMM, 0, 0, 0, 3), exit()] }], RV_UPSTREAM, false)
    .funcs[0]!;
  assert.equal(f.code.length % 4, 0);
  for (let k = 0; k < f.code.length; k += 4) assert.equal(f.code[k]! & 3, 3, `offset ${k}`);
  assert.equal(hex(f.code.subarray(12, 16)), hex(seq(E.rv_addi(RV.SP, RV.SP, -48))));
});
