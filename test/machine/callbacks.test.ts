// BPF callbacks run by a helper trap (bpf_loop style, callFromTrap) are part of the
// helper's return: a single step over that return runs them all and stops right after it,
// and a run that asks for it stops there too, so budgets stay exact across callbacks, on
// x86-64 and riscv64. (Unicorn restarts its instruction counter for each nested emulation;
// the machine stops the interrupted run after the helper, before its count goes wrong.)
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { HELPER_BASE, HELPER_STRIDE, KSTACK_BASE, SENTINEL_ADDR, TEXT_BASE } from '../../src/common/layout.ts';
import { createMachine, type UnicornMachine } from '../../src/machine/unicornMachine.ts';
import { PERM_RW, PERM_RX, type MachineArch, type StopReason } from '../../src/machine/machine.ts';
import { loadCapstone } from '../../src/machine/capstone.ts';

const STACK_TOP = KSTACK_BASE + 0x4000n;
const CB = TEXT_BASE + 0x100n;
const CB2 = TEXT_BASE + 0x180n;

before(async () => {
  await loadCapstone();
});

const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const rel32 = (site: bigint, target: bigint): number[] => le32(Number(BigInt.asIntN(32, target - (site + 5n))));
const helper = (id: number): bigint => HELPER_BASE + BigInt(id) * HELPER_STRIDE;

/**
 * main(): rax = helper1(3) + 1, then a few more instructions; returns 2 * rax.
 * helper1(n) sums callback(i) for i < n; callback(i) = i + 100, plus helper2(2) for i > 0;
 * helper2(n) sums callback2() = 7 n times: a callback that itself runs callbacks.
 * Result: 2 * (100 + (101 + 14) + (102 + 14) + 1) = 664.
 */
function x86Code(): Uint8Array {
  const code = new Array(0x200).fill(0xcc);
  const main = [
    0xbf,
    ...le32(3), //                           0: mov edi, 3
    0xe8,
    ...rel32(TEXT_BASE + 5n, helper(1)), //  5: call helper1
    0x48,
    0x83,
    0xc0,
    0x01, //                    10: add rax, 1
    0x48,
    0x89,
    0xc3, //                          14: mov rbx, rax
    0xeb,
    0x00, //                                17: jmp 19
    0x48,
    0x01,
    0xdb, //                          19: add rbx, rbx
    0x48,
    0x89,
    0xd8, //                          22: mov rax, rbx
    0xc3, //                                      25: ret
  ];
  const cb = [
    0x48,
    0x8d,
    0x47,
    0x64, //                     0: lea rax, [rdi + 100]
    0x48,
    0x85,
    0xff, //                           4: test rdi, rdi
    0x74,
    0x0f, //                                 7: jz 0x18
    0x50, //                                       9: push rax
    0xbf,
    ...le32(2), //                         0xa: mov edi, 2
    0xe8,
    ...rel32(CB + 0xfn, helper(2)), //     0xf: call helper2
    0x59, //                                    0x14: pop rcx
    0x48,
    0x01,
    0xc8, //                        0x15: add rax, rcx
    0xc3, //                                    0x18: ret
  ];
  code.splice(0, main.length, ...main);
  code.splice(0x100, cb.length, ...cb);
  code.splice(0x180, 6, 0xb8, ...le32(7), 0xc3); // mov eax, 7; ret
  return Uint8Array.from(code);
}

// RV64 encoders (ra=1 sp=2 a0=10 s1=9).
const I = (imm: number, rs1: number, f3: number, rd: number, op: number): number => (((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | op) >>> 0;
const S = (imm: number, rs2: number, rs1: number, f3: number, op: number): number =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 0x1f) << 7) | op) >>> 0;
const addi = (rd: number, rs1: number, imm: number) => I(imm, rs1, 0, rd, 0x13);
const add = (rd: number, rs1: number, rs2: number) => ((rs2 << 20) | (rs1 << 15) | (rd << 7) | 0x33) >>> 0;
const ld = (rd: number, rs1: number, imm: number) => I(imm, rs1, 3, rd, 0x03);
const sd = (rs2: number, rs1: number, imm: number) => S(imm, rs2, rs1, 3, 0x23);
const beq = (rs1: number, rs2: number, off: number) =>
  ((((off >> 12) & 1) << 31) | (((off >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (((off >> 1) & 0xf) << 8) | (((off >> 11) & 1) << 7) | 0x63) >>> 0;
const RET = I(0, 1, 0, 0, 0x67);
function callTo(site: bigint, target: bigint): number[] {
  const off = Number(BigInt.asIntN(32, target - site));
  const hi = (off + 0x800) >> 12;
  return [(((hi & 0xfffff) << 12) | (1 << 7) | 0x17) >>> 0, I(off - (hi << 12), 1, 0, 1, 0x67)];
}

/** The same program for riscv64 (a0 in, a0 out). */
function riscvCode(): Uint8Array {
  const words = new Array(0x80).fill(0);
  const main = [
    addi(2, 2, -16),
    sd(1, 2, 8),
    addi(10, 0, 3), //   0..8
    ...callTo(TEXT_BASE + 12n, helper(1)), //        12, 16
    addi(10, 10, 1),
    ld(1, 2, 8),
    addi(2, 2, 16), // 20..28
    add(10, 10, 10),
    RET, //                         32, 36
  ];
  const cb = [
    addi(2, 2, -16),
    sd(1, 2, 8),
    sd(9, 2, 0), //      0..8
    addi(9, 10, 100),
    beq(10, 0, 16), //               12, 16: if i == 0 skip the call
    addi(10, 0, 2),
    ...callTo(CB + 24n, helper(2)), //  20, 24, 28
    add(9, 9, 10), //                                  32
    addi(10, 9, 0),
    ld(9, 2, 0),
    ld(1, 2, 8),
    addi(2, 2, 16),
    RET, // 36..52
  ];
  words.splice(0, main.length, ...main);
  words.splice(0x40, cb.length, ...cb);
  words.splice(0x60, 2, addi(10, 0, 7), RET);
  return new Uint8Array(Uint32Array.from(words).buffer);
}

async function machineFor(arch: MachineArch): Promise<UnicornMachine> {
  const m = await createMachine(arch);
  m.map(TEXT_BASE, 0x1000, PERM_RX);
  m.writeCode(TEXT_BASE, arch === 'x86_64' ? x86Code() : riscvCode());
  m.map(KSTACK_BASE, 0x4000, PERM_RW);
  m.installSentinel();
  m.installHelperPage((id, args) => {
    const target = id === 1 ? CB : CB2;
    let sum = 0n;
    for (let i = 0n; i < args[0]!; i++) {
      const { stop, retval } = m.callFromTrap(target, [i]);
      assert.equal(stop.kind, 'exited');
      sum += retval;
    }
    return sum;
  });
  return m;
}

/** Sets up main() like call() does, without running it. */
function enter(m: UnicornMachine): void {
  if (m.arch === 'x86_64') {
    m.writeU64(STACK_TOP - 8n, SENTINEL_ADDR);
    m.writeRegs({ rsp: STACK_TOP - 8n, rip: TEXT_BASE, rax: 0n, rbx: 0n });
  } else m.writeRegs({ sp: STACK_TOP, ra: SENTINEL_ADDR, pc: TEXT_BASE, a0: 0n });
}

for (const arch of ['x86_64', 'riscv64'] as const) {
  test(`${arch}: a step over a helper's return runs its callbacks and stops right after the return`, async () => {
    const m = await machineFor(arch);
    enter(m);
    const pcs: bigint[] = [];
    let r: StopReason;
    do {
      r = m.step();
      pcs.push(r.pc);
    } while (r.kind === 'step' && pcs.length < 100);
    assert.equal(r.kind, 'exited');
    assert.equal(m.retval, 664n);
    const trap = pcs.indexOf(helper(1));
    assert.ok(trap > 0, 'a step reaches the helper trap');
    const after = pcs[trap + 1]!;
    assert.ok(after > TEXT_BASE && after < CB, `the next step is back in main (0x${after.toString(16)})`);
    assert.ok(
      pcs.every((pc) => pc < CB || pc >= HELPER_BASE),
      'no step stops inside a callback',
    );
    m.close();
  });

  test(`${arch}: budgets stay exact across callbacks: a run stops after the helper's return, and goes on from there exactly`, async () => {
    const m = await machineFor(arch);
    enter(m);
    const pcs: bigint[] = [];
    for (let r = m.step(); pcs.push(r.pc), r.kind === 'step'; r = m.step());
    const k = pcs.indexOf(helper(1)) + 2; // the helper's return is instruction k
    for (let n = 1; n <= pcs.length; n++) {
      enter(m);
      let r = m.run({ budget: n, stopAfterCallback: true });
      if (n >= k) {
        assert.deepEqual(r, { kind: 'callback', pc: pcs[k - 1]! }, `budget ${n}`);
        if (n === k) continue;
        r = m.run({ budget: n - k, stopAfterCallback: true });
      }
      assert.deepEqual({ kind: r.kind, pc: r.pc }, { kind: n === pcs.length ? 'exited' : 'budget', pc: pcs[n - 1]! }, `budget ${n}`);
    }
    m.close();
  });

  test(`${arch}: with stopAfterCallback a run stops after the helper returns; a plain run goes on to the end`, async () => {
    const m = await machineFor(arch);
    enter(m);
    const ret = m.run({ budget: 1000, stopAfterCallback: true });
    assert.equal(ret.kind, 'callback');
    const back = ret.pc;
    assert.ok(back > TEXT_BASE && back < CB);
    assert.equal(m.run({ budget: 1000, stopAfterCallback: true }).kind, 'exited');
    assert.equal(m.retval, 664n);
    enter(m);
    assert.equal(m.run({ budget: 1000 }).kind, 'exited');
    assert.equal(m.retval, 664n);
    // A breakpoint on the return address is reported, not skipped by the resumed run.
    enter(m);
    const id = m.addBreakpoint(back);
    assert.deepEqual(m.run(), { kind: 'breakpoint', pc: back, id });
    assert.equal(m.run().kind, 'exited');
    assert.equal(m.retval, 664n);
    m.removeBreakpoint(id);
    m.close();
  });
}
