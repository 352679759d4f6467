// src/machine/storeFastPath.ts: with libunicorn 2.0.1's TLB fill patched, stores to
// writable, non-executable RAM skip the softmmu slow path (bench/native.ts's memory row).
// What must not change, checked here in uncounted runs (Unicorn count 0, blocks chained):
// stores land where JS sees them, protection faults stay faults (also after a load or a
// store filled the TLB entry, and after a protect), unmapped memory faults after an unmap,
// write watchpoints still fire, and a guest store over code on a writable+executable page
// still retranslates it (the one check a plain removal of TLB_NOTDIRTY fails).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { MAP_VALUE_BASE, TEXT_BASE } from '../../src/common/layout.ts';
import { RV, rv_addi, rv_jalr, rv_sd, rv_sw } from '../../src/jit/riscv64/encode.ts';
import type { UnicornMachine } from '../../src/machine/unicornMachine.ts';
import { PERM_R, PERM_RW, PERM_RWX } from '../../src/machine/machine.ts';
import { loadCapstone } from '../../src/machine/capstone.ts';
import { hostAllocator } from '../../src/machine/hostMemory.ts';
import { unicornLib } from '../../src/machine/unicornLib.ts';
import { storeFastPath } from '../../src/machine/storeFastPath.ts';
import { BARE_STACK_TOP as STACK_TOP, bareMachine } from '../support/bareMachine.ts';

const UNCOUNTED = { budget: Infinity };

before(async () => {
  await loadCapstone();
});

const machineWith = (code: number[]): Promise<UnicornMachine> => bareMachine('x86_64', Uint8Array.from(code));

// mov qword [rdi], rsi; ret
const STORE = [0x48, 0x89, 0x37, 0xc3];

test('the patch is applied on an x86-64 host with the libunicorn 2.0.1 build it was written for', (t) => {
  unicornLib();
  const s = storeFastPath();
  if (!s.applied && (process.arch !== 'x64' || /not the libunicorn|BPFDBG_SLOW_STORES/.test(s.reason))) return t.skip(s.reason);
  assert.deepEqual(s, { applied: true, arches: ['x86_64', 'riscv64'] });
});

test('a store loop into shared memory leaves every value where the host view sees it', async () => {
  // mov rcx, rsi; L: mov [rdi], rcx; add rdi, 8; dec rcx; jnz L; ret
  const m = await machineWith([0x48, 0x89, 0xf1, 0x48, 0x89, 0x0f, 0x48, 0x83, 0xc7, 0x08, 0x48, 0xff, 0xc9, 0x75, 0xf4, 0xc3]);
  const view = hostAllocator(0x2000);
  m.mapShared(MAP_VALUE_BASE, view, PERM_RW);
  for (let round = 0; round < 3; round++) {
    assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE, 1000n], STACK_TOP, UNCOUNTED).kind, 'exited');
    const q = new BigUint64Array(view.buffer, view.byteOffset, 1000);
    assert.equal(q[0], 1000n);
    assert.equal(q[999], 1n);
    assert.equal(
      q.every((v, i) => v === BigInt(1000 - i)),
      true,
    );
    view.fill(0);
  }
  m.close();
});

test('a store to read-only memory is a protection fault after a load filled its TLB entry', async () => {
  // mov rax, [rdi]; mov [rdi], rax; ret
  const m = await machineWith([0x48, 0x8b, 0x07, 0x48, 0x89, 0x07, 0xc3]);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_R);
  for (const opts of [UNCOUNTED, {}]) {
    const r = m.call(TEXT_BASE, [MAP_VALUE_BASE + 8n], STACK_TOP, opts);
    assert.equal(r.kind, 'fault');
    assert.equal(r.kind === 'fault' && `${r.access} ${r.cause} ${r.addr}`, `write protected ${MAP_VALUE_BASE + 8n}`);
  }
  m.close();
});

test('memory made read-only after guest stores faults on the next store', async () => {
  const m = await machineWith(STORE);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_RW);
  assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE, 7n], STACK_TOP, UNCOUNTED).kind, 'exited');
  m.protect(MAP_VALUE_BASE, 0x1000, PERM_R);
  const r = m.call(TEXT_BASE, [MAP_VALUE_BASE, 9n], STACK_TOP, UNCOUNTED);
  assert.equal(r.kind === 'fault' && `${r.access} ${r.cause}`, 'write protected');
  assert.equal(m.readU64(MAP_VALUE_BASE), 7n);
  m.close();
});

test('a store to memory unmapped after guest stores is an unmapped fault (own and shared memory)', async () => {
  const m = await machineWith(STORE);
  for (const shared of [false, true]) {
    if (shared) m.mapShared(MAP_VALUE_BASE, hostAllocator(0x1000), PERM_RW);
    else m.map(MAP_VALUE_BASE, 0x1000, PERM_RW);
    assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE, 7n], STACK_TOP, UNCOUNTED).kind, 'exited');
    m.unmap(MAP_VALUE_BASE, 0x1000);
    const r = m.call(TEXT_BASE, [MAP_VALUE_BASE, 9n], STACK_TOP, UNCOUNTED);
    assert.equal(r.kind === 'fault' && `${r.access} ${r.cause}`, 'write unmapped');
  }
  m.close();
});

test('a write watchpoint fires on writable memory a previous uncounted run stored to', async () => {
  const m = await machineWith(STORE);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_RW);
  assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE + 8n, 1n], STACK_TOP, UNCOUNTED).kind, 'exited');
  const id = m.addWatchpoint('write', MAP_VALUE_BASE + 8n, MAP_VALUE_BASE + 15n);
  const r = m.call(TEXT_BASE, [MAP_VALUE_BASE + 8n, 2n], STACK_TOP, UNCOUNTED);
  assert.equal(r.kind, 'watch');
  assert.equal(r.kind === 'watch' && r.id, id);
  assert.equal(m.readU64(MAP_VALUE_BASE + 8n), 2n);
  m.close();
});

test('a guest store over code on a writable, executable page runs the new code', async () => {
  // mov dword [rdi], esi; ret
  const m = await machineWith([0x89, 0x37, 0xc3]);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_RWX);
  m.writeCode(MAP_VALUE_BASE, Uint8Array.from([0xb8, 1, 0, 0, 0, 0xc3])); // mov eax, 1; ret
  assert.equal(m.call(MAP_VALUE_BASE, [], STACK_TOP, UNCOUNTED).kind, 'exited');
  assert.equal(m.retval, 1n);
  assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE + 1n, 2n], STACK_TOP, UNCOUNTED).kind, 'exited'); // imm32 := 2
  assert.equal(m.call(MAP_VALUE_BASE, [], STACK_TOP, UNCOUNTED).kind, 'exited');
  assert.equal(m.retval, 2n);
  m.close();
});

// riscv64 guests: the same fill, patched in its own copy (tlb_set_page_with_attrs_riscv64).
const { A0, A1, RA, ZERO } = RV;
const RV_RET = rv_jalr(ZERO, RA, 0);
const words = (ws: number[]): Uint8Array => new Uint8Array(Uint32Array.from(ws).buffer);

const riscvWith = (ws: number[]): Promise<UnicornMachine> => bareMachine('riscv64', words(ws));

test('riscv64: stores land in shared memory, and a store to memory made read-only faults', async () => {
  // sd a1, 0(a0); sd a1, 8(a0); ret
  const m = await riscvWith([rv_sd(A0, 0, A1), rv_sd(A0, 8, A1), RV_RET]);
  const view = hostAllocator(0x1000);
  m.mapShared(MAP_VALUE_BASE, view, PERM_RW);
  assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE, 5n], STACK_TOP, UNCOUNTED).kind, 'exited');
  assert.deepEqual([...new BigUint64Array(view.buffer, view.byteOffset, 2)], [5n, 5n]);
  m.protect(MAP_VALUE_BASE, 0x1000, PERM_R);
  const r = m.call(TEXT_BASE, [MAP_VALUE_BASE, 6n], STACK_TOP, UNCOUNTED);
  assert.equal(r.kind === 'fault' && `${r.access} ${r.cause}`, 'write protected');
  assert.equal(m.readU64(MAP_VALUE_BASE), 5n);
  m.close();
});

test('riscv64: a guest store over code on a writable, executable page runs the new code', async () => {
  const m = await riscvWith([rv_sw(A0, 0, A1), RV_RET]); // sw a1, 0(a0); ret
  m.map(MAP_VALUE_BASE, 0x1000, PERM_RWX);
  m.writeCode(MAP_VALUE_BASE, words([rv_addi(A0, ZERO, 1), RV_RET]));
  assert.equal(m.call(MAP_VALUE_BASE, [], STACK_TOP, UNCOUNTED).kind, 'exited');
  assert.equal(m.retval, 1n);
  assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE, BigInt(rv_addi(A0, ZERO, 2))], STACK_TOP, UNCOUNTED).kind, 'exited');
  assert.equal(m.call(MAP_VALUE_BASE, [], STACK_TOP, UNCOUNTED).kind, 'exited');
  assert.equal(m.retval, 2n);
  m.close();
});
