import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { HELPER_BASE, KSTACK_BASE, MAP_VALUE_BASE, SENTINEL_ADDR, TEXT_BASE } from '../../src/common/layout.ts';
import type { UnicornMachine } from '../../src/machine/unicornMachine.ts';
import { PERM_RW } from '../../src/machine/machine.ts';
import { loadCapstone } from '../../src/machine/capstone.ts';
import { bareMachine } from '../support/bareMachine.ts';

const STACK_TOP = KSTACK_BASE + 0x4000n;

before(async () => {
  await loadCapstone();
});

// Minimal RV64 encoders (register numbers: ra=1 sp=2 a0=10 a1=11 zero=0).
const R = (f7: number, rs2: number, rs1: number, f3: number, rd: number, op: number): number =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const I = (imm: number, rs1: number, f3: number, rd: number, op: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const S = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0;
const add = (rd: number, rs1: number, rs2: number) => R(0, rs2, rs1, 0, rd, 0x33);
const addi = (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x13);
const ld = (rd: number, rs1: number, imm: number) => I(imm, rs1, 3, rd, 0x03);
const sd = (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 3, 0x23);
const jalr = (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x67);
const auipc = (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x17) >>> 0;
const RET = jalr(0, 1, 0);
const NOP = addi(0, 0, 0);

function words(ws: number[]): Uint8Array {
  return new Uint8Array(Uint32Array.from(ws).buffer);
}

/** auipc ra, hi; jalr ra, lo(ra) to `target` from `site` (the kernel's emit_call form). */
function callTo(site: bigint, target: bigint): number[] {
  const off = Number(BigInt.asIntN(32, target - site));
  const hi = (off + 0x800) >> 12;
  const lo = off - (hi << 12);
  return [auipc(1, hi), jalr(1, 1, lo)];
}

const machineWith = (ws: number[]): Promise<UnicornMachine> => bareMachine('riscv64', words(ws));

test('riscv64: call returns through ra to the sentinel with the result in a0', async () => {
  const m = await machineWith([add(10, 10, 11), RET]);
  assert.deepEqual(m.call(TEXT_BASE, [40n, 2n], STACK_TOP), { kind: 'exited', pc: SENTINEL_ADDR });
  assert.equal(m.retval, 42n);
  assert.equal(m.readReg('a0'), m.readReg('x10'));
  m.close();
});

test('riscv64: a helper call through auipc+jalr traps to JS and returns via jr ra', async () => {
  const site = TEXT_BASE + 8n;
  const ws = [addi(2, 2, -16), sd(1, 2, 8), ...callTo(site, HELPER_BASE + 3n * 16n), addi(10, 10, 1), ld(1, 2, 8), addi(2, 2, 16), RET];
  const m = await machineWith(ws);
  const seen: string[] = [];
  m.installHelperPage((id, args) => {
    seen.push(`${id}:${args.slice(0, 2).join(',')}`);
    return args[0]! + args[1]!;
  });
  assert.equal(m.call(TEXT_BASE, [5n, 6n], STACK_TOP).kind, 'exited');
  assert.deepEqual(seen, ['3:5,6']);
  assert.equal(m.retval, 12n);
  m.close();
});

test('riscv64: a fault reports the exact faulting pc and address', async () => {
  const m = await machineWith([NOP, NOP, ld(10, 0, 0x10), RET]);
  assert.deepEqual(m.call(TEXT_BASE, [], STACK_TOP), {
    kind: 'fault',
    pc: TEXT_BASE + 8n,
    access: 'read',
    addr: 0x10n,
    size: 8,
    cause: 'unmapped',
  });
  m.close();
});

test('riscv64: breakpoints skip once and step executes one instruction', async () => {
  const m = await machineWith([addi(10, 10, 1), addi(10, 10, 1), addi(10, 10, 1), RET]);
  m.addBreakpoint(TEXT_BASE + 4n);
  const r = m.call(TEXT_BASE, [0n], STACK_TOP);
  assert.deepEqual(r, { kind: 'breakpoint', pc: TEXT_BASE + 4n, id: 1 });
  assert.equal(m.readReg('a0'), 1n);
  assert.deepEqual(m.step(), { kind: 'step', pc: TEXT_BASE + 8n });
  assert.equal(m.readReg('a0'), 2n);
  assert.equal(m.run().kind, 'exited');
  assert.equal(m.retval, 3n);
  m.close();
});

test('riscv64: shared memory and snapshots work as on x86', async () => {
  const m = await machineWith([sd(11, 10, 0), ld(10, 10, 8), RET]);
  const buf = m.allocator()(0x1000);
  m.mapShared(MAP_VALUE_BASE, buf, PERM_RW);
  buf[8] = 0x2a;
  const snap = m.snapshot();
  m.call(TEXT_BASE, [MAP_VALUE_BASE, 0x77n], STACK_TOP);
  assert.equal(m.retval, 0x2an);
  assert.equal(buf[0], 0x77);
  m.restore(snap);
  assert.equal(buf[0], 0);
  assert.equal(buf[8], 0x2a);
  m.close();
});

test('riscv64: illegal and ecall instructions stop at their own address', async () => {
  const m = await machineWith([NOP, 0xffffffff]);
  assert.deepEqual(m.call(TEXT_BASE, [], STACK_TOP), { kind: 'invalid-insn', pc: TEXT_BASE + 4n });
  m.writeCode(TEXT_BASE + 4n, words([0x00000073])); // ecall
  assert.deepEqual(m.call(TEXT_BASE, [], STACK_TOP), { kind: 'exception', pc: TEXT_BASE + 4n, vector: 8 });
  m.close();
});
