// Single steps (step(), run({ budget: 1 })): exactly one instruction each, whatever the
// instruction length, at the end of a mapping, after a code rewrite; and a step leaves
// nothing behind in Unicorn's translated code that would stop a later run early (a step
// runs with an exit address just past its instruction).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { KSTACK_BASE, SENTINEL_ADDR, TEXT_BASE } from '../../src/common/layout.ts';
import { createMachine, type UnicornMachine } from '../../src/machine/unicornMachine.ts';
import { PERM_RW, PERM_RX, type MachineArch } from '../../src/machine/machine.ts';
import { loadCapstone } from '../../src/machine/capstone.ts';

const STACK_TOP = KSTACK_BASE + 0x4000n;

before(async () => {
  await loadCapstone();
});

async function machineWith(arch: MachineArch, code: Uint8Array, size = 0x1000): Promise<UnicornMachine> {
  const m = await createMachine(arch);
  m.map(TEXT_BASE, size, PERM_RX);
  m.writeCode(TEXT_BASE, code);
  m.map(KSTACK_BASE, 0x4000, PERM_RW);
  m.installSentinel();
  return m;
}

/** Sets up a call of TEXT_BASE + off (return to the sentinel) without running it. */
function enter(m: UnicornMachine, off = 0n): void {
  if (m.arch === 'x86_64') {
    m.writeU64(STACK_TOP - 8n, SENTINEL_ADDR);
    m.writeRegs({ rsp: STACK_TOP - 8n, rip: TEXT_BASE + off, rax: 0n, rcx: 0n });
  } else m.writeRegs({ sp: STACK_TOP, ra: SENTINEL_ADDR, pc: TEXT_BASE + off, a0: 0n });
}

function stepAll(m: UnicornMachine): bigint[] {
  const pcs: bigint[] = [];
  for (;;) {
    const r = m.step();
    pcs.push(r.kind === 'exited' ? -1n : r.pc - TEXT_BASE);
    if (r.kind !== 'step' || pcs.length > 10_000) return pcs;
  }
}

// 0: jmp 2 (to the next instruction); 2: inc eax; 4: xor ecx, ecx; 6: test ecx, ecx;
// 8: jnz 12 (not taken); 10: inc eax; 12: inc eax; 14: ret  -> eax = 3
const X86_BRANCHY = Uint8Array.from([0xeb, 0x00, 0xff, 0xc0, 0x31, 0xc9, 0x85, 0xc9, 0x75, 0x02, 0xff, 0xc0, 0xff, 0xc0, 0xc3]);
// RV64: addi a0, a0, 1; c.addi a0, 1; c.addi a0, 1; addi a0, a0, 1; ret  -> a0 = 4
const RV_MIXED = Uint8Array.from([0x13, 0x05, 0x15, 0x00, 0x05, 0x05, 0x05, 0x05, 0x13, 0x05, 0x15, 0x00, 0x67, 0x80, 0x00, 0x00]);

test('x86_64: each step executes one instruction, jumps to the next address and untaken branches included', async () => {
  const m = await machineWith('x86_64', X86_BRANCHY);
  enter(m);
  assert.deepEqual(stepAll(m), [2n, 4n, 6n, 8n, 10n, 12n, 14n, -1n]);
  assert.equal(m.retval, 3n);
  m.close();
});

test('riscv64: each step executes one instruction, compressed ones included', async () => {
  const m = await machineWith('riscv64', RV_MIXED);
  enter(m);
  assert.deepEqual(stepAll(m), [4n, 6n, 8n, 12n, -1n]);
  assert.equal(m.retval, 4n);
  m.close();
});

for (const [arch, code, offs, result] of [
  ['x86_64', X86_BRANCHY, [0n, 2n, 4n, 6n, 8n, 10n, 12n, 14n], 3n],
  ['riscv64', RV_MIXED, [0n, 4n, 6n, 8n, 12n], 4n],
] as const) {
  test(`${arch}: after a step from any instruction, a run through the stepped code still runs to its end`, async () => {
    const m = await machineWith(arch, code);
    for (const off of offs) {
      enter(m, off);
      assert.ok(['step', 'exited'].includes(m.step().kind));
      enter(m);
      assert.deepEqual(m.run({ budget: 1000 }), { kind: 'exited', pc: SENTINEL_ADDR }, `after a step from +${off}`);
      assert.equal(m.retval, result);
      enter(m);
      assert.equal(m.run({ budget: 2 }).pc, TEXT_BASE + offs[2]!, 'budgets count as before');
    }
    m.close();
  });
}

test('x86_64: stepping straight-line code across pages to the end of its mapping, then a fetch fault', async () => {
  // 2 pages of `add rax, 1` (4 bytes each): the last one ends exactly at the mapping's end.
  const code = new Uint8Array(0x2000);
  for (let i = 0; i < code.length; i += 4) code.set([0x48, 0x83, 0xc0, 0x01], i);
  const m = await machineWith('x86_64', code, 0x2000);
  enter(m);
  for (let n = 1; n <= 0x800; n++) {
    const r = m.step();
    assert.deepEqual(r, { kind: 'step', pc: TEXT_BASE + BigInt(4 * n) }, `step ${n}`);
  }
  assert.equal(m.readReg('rax'), 0x800n);
  const r = m.step();
  assert.equal(r.kind, 'fault');
  assert.equal(r.pc, TEXT_BASE + 0x2000n);
  m.close();
});

test('x86_64: a step after writeCode executes the new instruction with its own length', async () => {
  const m = await machineWith('x86_64', X86_BRANCHY);
  enter(m, 2n);
  assert.deepEqual(m.step(), { kind: 'step', pc: TEXT_BASE + 4n }); // inc eax
  m.writeCode(TEXT_BASE + 2n, Uint8Array.from([0x48, 0x83, 0xc0, 0x05, 0x90])); // add rax, 5; nop
  enter(m, 2n);
  assert.deepEqual(m.step(), { kind: 'step', pc: TEXT_BASE + 6n });
  assert.equal(m.readReg('rax'), 5n);
  m.close();
});
