// Driver behaviour of compileRiscv: the pass loop, addrs, relocs, exits, diagnostics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from '../../../src/bpf/asm.ts';
import * as E from '../../../src/jit/riscv64/encode.ts';
import { compileRiscv, RV_UPSTREAM } from '../../../src/jit/riscv64/index.ts';
import type { JitImage } from '../../../src/jit/types.ts';
import { exit, hex, insn, LD_DW_IMM, makeImage, MOV64_IMM, seq, testEnv, type FuncSpec } from './fixtures.ts';
import { runRiscv } from './runRiscv.ts';

const { RV } = E;

function jit(funcs: FuncSpec[]): JitImage {
  const r = compileRiscv(makeImage(funcs), RV_UPSTREAM, testEnv);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

test('an exit that is not the last insn jumps to the epilogue with jal; the last one falls through', () => {
  const f = jit([{ name: 'm', insns: asm('r0 = 1\nif r1 == 0 goto +1\nexit\nr0 = 2\nexit') }]).funcs[0]!;
  const epilogue = f.addrs[5]!;
  const at = f.addrs[2]!;
  assert.equal(f.addrs[3]! - at, 4);
  assert.equal(hex(f.code.subarray(at, at + 4)), hex(seq(E.rv_jal(RV.ZERO, (epilogue - at) >> 1))));
  assert.equal(f.addrs[4]! - f.addrs[3]!, 2); // r0 = 2: one c.li
  assert.equal(f.addrs[5], f.addrs[4]); // last exit: no code of its own
});

test('LD_IMM64: the first slot owns the code, the second slot repeats the next start, and map addresses are mapAddr relocs', async () => {
  const img = jit([{ name: 'm', insns: [insn(LD_DW_IMM, 0, 1, 0, 0), insn(0), exit()] }]);
  const f = img.funcs[0]!;
  assert.ok(f.addrs[1]! > f.addrs[0]!);
  assert.equal(f.addrs[1], f.addrs[2]);
  assert.deepEqual(f.relocs, [{ kind: 'mapAddr', at: f.addrs[0], width: f.addrs[2]! - f.addrs[0]!, insn: 0 }]);
  const { stop, m } = await runRiscv({ images: [img] });
  assert.equal(stop.kind, 'exited');
  assert.equal(m.readReg('a5'), testEnv.mapAddr(0));
  m.close();
});

test('BPF_PSEUDO_FUNC loads a function address with a fixed auipc+addi pair (funcAddr reloc)', async () => {
  const funcs: FuncSpec[] = [
    { name: 'm', insns: [insn(LD_DW_IMM, 1, 4, 0, 3), insn(0), insn(0xbf, 0, 1), exit()] },
    { name: 'cb', insns: [insn(MOV64_IMM, 0, 0, 0, 9), exit()] },
  ];
  const img = jit(funcs);
  const f = img.funcs[0]!;
  assert.deepEqual(f.relocs, [{ kind: 'funcAddr', at: f.addrs[0], func: 1, insn: 0, width: 8 }]);
  assert.equal(hex(f.code.subarray(f.addrs[0], f.addrs[2])), hex(seq(E.rv_auipc(RV.A0, 0), E.rv_addi(RV.A0, RV.A0, 0))));
  const { stop, m, linked } = await runRiscv({ images: [img] });
  assert.equal(stop.kind, 'exited');
  assert.equal(m.readReg('a5'), linked.funcAddrs[0]![1]); // R0 = &cb
  m.close();
});

test('passes repeat until every offset is stable, and compiling twice gives the same bytes', () => {
  const filler = Array.from({ length: 1200 }, () => 'r3 += 1000').join('\n');
  const text = `if r1 == 0 goto end\n${filler}\nend:\nr0 = 0\nexit`;
  const a = jit([{ name: 'm', insns: asm(text) }]);
  const b = jit([{ name: 'm', insns: asm(text) }]);
  assert.ok(a.passes >= 2);
  assert.equal(hex(a.funcs[0]!.code), hex(b.funcs[0]!.code));
  // the forward branch is more than 4 KiB away: inverted beq skipping a jal
  const f = a.funcs[0]!;
  const jalOff = f.addrs[1]! - (f.addrs[0]! + 4);
  assert.equal(hex(f.code.subarray(f.addrs[0], f.addrs[1])), hex(seq(E.rv_bne(RV.A0, RV.ZERO, 4), E.rv_jal(RV.ZERO, (f.addrs[1201]! - f.addrs[0]! - 4) >> 1))));
  assert.ok(jalOff >= 0);
});

test('an instruction the RISC-V JIT does not model is refused with its program and index', () => {
  const r = compileRiscv(makeImage([{ name: 'mg', insns: [insn(MOV64_IMM, 0, 0, 0, 0), insn(0xe5, 0, 0, 0, 0), exit()] }], 'mg'), RV_UPSTREAM, testEnv);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.error.code, 'jit.riscv.unsupported-insn');
  assert.deepEqual(r.error.place, { program: 'mg', insn: 1 });
  assert.match(r.error.message, /0xe5/);
});

test('an x86-64 profile is refused by the RISC-V JIT', () => {
  const r = compileRiscv(makeImage([{ name: 'm', insns: [exit()] }]), { ...RV_UPSTREAM, arch: 'x86_64' }, testEnv);
  assert.equal(r.ok ? 'ok' : r.error.code, 'jit.riscv.bad-profile');
});
