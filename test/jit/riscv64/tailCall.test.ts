// Tail-call and call sequences per TCC scheme (reference §3.3, §4.2): the counter part,
// where a6 is kept across helper and bpf-to-bpf calls, and the upstream mixing rejection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../../src/jit/riscv64/encode.ts';
import { compileRiscv, RV_PROFILES, RV_TCC_A6_PASSTHROUGH, RV_TCC_ON_STACK, RV_UPSTREAM } from '../../../src/jit/riscv64/index.ts';
import type { JitFunction, JitProfile } from '../../../src/jit/types.ts';
import { callFunc, callHelper, exit, hex, indexOfSeq, insn, makeImage, MOV64_IMM, seq, tailCall, testEnv, type FuncSpec } from './fixtures.ts';

const { RV } = E;

function jit(funcs: FuncSpec[], profile: JitProfile): JitFunction[] {
  const r = compileRiscv(makeImage(funcs), profile, testEnv);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.funcs;
}

const tailOnly: FuncSpec[] = [{ name: 'tc', insns: [insn(MOV64_IMM, 3, 0, 0, 0), tailCall(), insn(MOV64_IMM, 0, 0, 0, 1), exit()] }];
const helperThenTail: FuncSpec[] = [{ name: 'tc', insns: [callHelper(7), insn(MOV64_IMM, 3, 0, 0, 0), tailCall(), exit()] }];

/** B-type offset of the branch at byte `at` of `code`. */
function branchTarget(code: Uint8Array, at: number): number {
  const w = new DataView(code.buffer, code.byteOffset).getUint32(at, true);
  const imm = ((w >>> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
  return at + ((imm << 19) >> 19);
}

test('upstream: without calls the counter is a6 itself, and all three failure branches aim past the tail call', () => {
  const f = jit(tailOnly, RV_UPSTREAM)[0]!;
  const counter = seq(E.rvc_addi(RV.A6, -1));
  const at = indexOfSeq(f.code, counter);
  assert.ok(at > 0);
  const start = f.addrs[1]!,
    out = f.addrs[2]!;
  const head = seq(E.rvc_slli(RV.A2, 32), E.rvc_srli(RV.A2, 32), E.rv_lwu(RV.T1, 0x4c, RV.A1));
  assert.equal(hex(f.code.subarray(start, start + head.length)), hex(head));
  // bgeu (index), blt (counter), beq (NULL slot)
  assert.equal(branchTarget(f.code, start + head.length), out);
  assert.equal(branchTarget(f.code, at + 2), out);
  const nullCheck = indexOfSeq(f.code, seq(E.rv_ld(RV.T2, 0x138, RV.T2)), start) + 4;
  assert.equal(branchTarget(f.code, nullCheck), out);
  // ... and the jump lands on the target's entry + 12, past `li a6, 33`.
  const tail = seq(E.rv_ld(RV.T3, 0x48, RV.T2));
  assert.ok(indexOfSeq(f.code, tail, start) > 0);
  assert.ok(indexOfSeq(f.code, seq(E.rv_jalr(RV.ZERO, RV.T3, 12)), start) > 0);
  assert.equal(f.frame.tccReg, 'a6');
});

test('upstream: with a helper call the prologue copies a6 to s6 and the tail call counts from s6', () => {
  const f = jit(helperThenTail, RV_UPSTREAM)[0]!;
  assert.ok(indexOfSeq(f.code.subarray(0, f.addrs[0]), seq(E.rvc_mv(RV.S6, RV.A6))) > 0);
  assert.ok(indexOfSeq(f.code, seq(E.rv_addi(RV.A6, RV.S6, -1), E.rv_blt(RV.A6, RV.ZERO, 0)).subarray(0, 4)) > 0);
  assert.equal(f.frame.tccReg, 's6');
});

test('tcc-on-stack: a tail call reloads, decrements, tests and stores back the slot before the NULL check', () => {
  const f = jit(helperThenTail, RV_TCC_ON_STACK)[0]!;
  const slot = -f.frame.tccSlots[0]!.fpOff; // fp-relative -> sp-relative below
  const spOff = 32 - slot; // frame: ra, s0, slot -> 24 -> 32 bytes, no BPF stack
  assert.equal(spOff, 8);
  const start = f.addrs[2]!;
  const ld = indexOfSeq(f.code, seq(E.rvc_ldsp(RV.A6, 8), E.rvc_addi(RV.A6, -1)), start);
  assert.ok(ld > start);
  assert.equal(hex(f.code.subarray(ld + 8, ld + 10)), hex(seq(E.rvc_sdsp(8, RV.A6))));
  assert.ok(indexOfSeq(f.code, seq(E.rv_ld(RV.T2, 0x138, RV.T2)), ld) > ld);
  // Before the helper call too: `ld a6, slot(sp)` re-arms a6.
  const call = f.addrs[0]!;
  assert.equal(hex(f.code.subarray(call, call + 2)), hex(seq(E.rvc_ldsp(RV.A6, 8))));
});

test('tcc-a6-passthrough: helper calls park a6 in s6; the tail call decrements a6 directly', () => {
  const f = jit(helperThenTail, RV_TCC_A6_PASSTHROUGH)[0]!;
  const call = f.addrs[0]!;
  const wrapped = seq(E.rvc_mv(RV.S6, RV.A6), E.rv_auipc(RV.T1, 0), E.rv_jalr(RV.RA, RV.T1, 0), E.rvc_mv(RV.A6, RV.S6), E.rvc_mv(RV.A5, RV.A0));
  assert.equal(hex(f.code.subarray(call, f.addrs[1])), hex(wrapped));
  assert.ok(indexOfSeq(f.code, seq(E.rvc_addi(RV.A6, -1)), f.addrs[2]) > 0);
  assert.deepEqual(
    f.relocs.map((r) => [r.kind, r.at]),
    [['helperCall', call + 2]],
  );
});

const mixed: FuncSpec[] = [
  { name: 'main', insns: [callFunc(1), exit()] },
  { name: 'sub', insns: [callHelper(7), insn(MOV64_IMM, 3, 0, 0, 0), tailCall(), exit()] },
];

test('upstream rejects bpf-to-bpf calls mixed with tail calls, as the verifier does through v6.19', () => {
  const r = compileRiscv(makeImage(mixed), RV_UPSTREAM, testEnv);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, 'jit.riscv.tailcall-mixing');
  assert.match(r.error.message, /tail_calls are not allowed in programs with bpf-to-bpf calls/);
  assert.equal(r.error.place.insn, 4);
});

test('bpf-to-bpf calls: a6-passthrough adds nothing around the call, on-stack reloads a6 first', () => {
  const pass = jit(mixed, RV_TCC_A6_PASSTHROUGH)[0]!;
  assert.equal(hex(pass.code.subarray(pass.addrs[0], pass.addrs[1])), hex(seq(E.rv_auipc(RV.T1, 0), E.rv_jalr(RV.RA, RV.T1, 0))));
  assert.deepEqual(pass.relocs, [{ kind: 'funcCall', at: pass.addrs[0], func: 1, insn: 0 }]);
  const stack = jit(mixed, RV_TCC_ON_STACK)[0]!;
  assert.equal(hex(stack.code.subarray(stack.addrs[0], stack.addrs[1])), hex(seq(E.rvc_ldsp(RV.A6, 8), E.rv_auipc(RV.T1, 0), E.rv_jalr(RV.RA, RV.T1, 0))));
});

test('every profile compiles a tail call in the main program alone', () => {
  for (const p of RV_PROFILES)
    assert.ok(
      jit(tailOnly, p)[0]!.regions.some((r) => r.role === 'tail call' && r.insn === 1),
      p.name,
    );
});
