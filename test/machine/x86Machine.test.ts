import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  HELPER_BASE,
  KSTACK_BASE,
  MAP_VALUE_BASE,
  PERCPU_BASE,
  PERCPU_CPU_STRIDE,
  SENTINEL_ADDR,
  TEXT_BASE,
  THIS_CPU_OFF_ADDR,
  X86_INDIRECT_THUNK_RCX,
  X86_RETURN_THUNK,
} from '../../src/common/layout.ts';
import type { UnicornMachine } from '../../src/machine/unicornMachine.ts';
import { PERM_R, PERM_RW } from '../../src/machine/machine.ts';
import { BpfdbgError } from '../../src/common/diag.ts';
import { loadCapstone } from '../../src/machine/capstone.ts';
import { bareMachine } from '../support/bareMachine.ts';

const STACK_TOP = KSTACK_BASE + 0x4000n;

before(async () => {
  await loadCapstone();
});

/** A fresh x86-64 machine with text at TEXT_BASE holding `code`, a stack and the sentinel. */
const machineWith = (code: number[]): Promise<UnicornMachine> => bareMachine('x86_64', Uint8Array.from(code));

const le32 = (v: number): number[] => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const rel32 = (site: bigint, target: bigint): number[] => le32(Number(BigInt.asIntN(32, target - (site + 5n))));

test('call runs to the sentinel return address and leaves the result in rax', async () => {
  // mov rax, rdi; add rax, rsi; ret
  const m = await machineWith([0x48, 0x89, 0xf8, 0x48, 0x01, 0xf0, 0xc3]);
  const r = m.call(TEXT_BASE, [3n, 4n], STACK_TOP);
  assert.deepEqual(r, { kind: 'exited', pc: SENTINEL_ADDR });
  assert.equal(m.retval, 7n);
  m.close();
});

test('a breakpoint stops before its instruction each time it is reached, and resuming skips it once', async () => {
  // mov ecx, 3; L: dec ecx; jnz L; mov eax, 42; ret
  const m = await machineWith([0xb9, ...le32(3), 0xff, 0xc9, 0x75, 0xfc, 0xb8, ...le32(42), 0xc3]);
  const L = TEXT_BASE + 5n;
  const id = m.addBreakpoint(L);
  const stops: string[] = [];
  let r = m.call(TEXT_BASE, [], STACK_TOP);
  while (r.kind === 'breakpoint') {
    assert.equal(r.id, id);
    stops.push(`${r.pc === L}:${m.readReg('rcx')}`);
    r = m.run();
  }
  assert.deepEqual(stops, ['true:3', 'true:2', 'true:1']);
  assert.equal(r.kind, 'exited');
  assert.equal(m.retval, 42n);
  m.removeBreakpoint(id);
  assert.equal(m.call(TEXT_BASE, [], STACK_TOP).kind, 'exited');
  m.close();
});

test('step executes exactly one instruction per call', async () => {
  // mov ecx, 2; L: dec ecx; jnz L; ret
  const m = await machineWith([0xb9, ...le32(2), 0xff, 0xc9, 0x75, 0xfc, 0xc3]);
  m.writeU64(STACK_TOP - 8n, SENTINEL_ADDR);
  m.writeRegs({ rsp: STACK_TOP - 8n, rip: TEXT_BASE });
  const pcs: bigint[] = [];
  for (let i = 0; i < 6; i++) {
    const r = m.step();
    pcs.push(r.pc - (r.kind === 'exited' ? SENTINEL_ADDR : TEXT_BASE));
    if (r.kind === 'exited') break;
    assert.equal(r.kind, 'step');
  }
  // dec, jnz, dec, jnz(not taken), ret -> sentinel
  assert.deepEqual(pcs, [5n, 7n, 5n, 7n, 9n, 0n]);
  m.close();
});

test('a step onto a breakpoint address stops there only on the next run', async () => {
  // nop; nop; mov eax, 1; ret
  const m = await machineWith([0x90, 0x90, 0xb8, ...le32(1), 0xc3]);
  m.addBreakpoint(TEXT_BASE + 1n);
  m.writeU64(STACK_TOP - 8n, SENTINEL_ADDR);
  m.writeRegs({ rsp: STACK_TOP - 8n, rip: TEXT_BASE });
  assert.deepEqual(m.step(), { kind: 'step', pc: TEXT_BASE + 1n });
  assert.deepEqual(m.step(), { kind: 'step', pc: TEXT_BASE + 2n }, 'stepping from a breakpoint executes it');
  m.close();
});

test('an unmapped read is a fault naming the exact instruction and the address', async () => {
  // nop; nop; mov rax, [0x10]; ret
  const m = await machineWith([0x90, 0x90, 0x48, 0x8b, 0x04, 0x25, ...le32(0x10), 0xc3]);
  const r = m.call(TEXT_BASE, [], STACK_TOP);
  assert.deepEqual(r, { kind: 'fault', pc: TEXT_BASE + 2n, access: 'read', addr: 0x10n, size: 8, cause: 'unmapped' });
  m.close();
});

test('a write to read-only memory is a protection fault; a jump to nowhere is a fetch fault', async () => {
  // mov dword [rdi], 1; ret
  const m = await machineWith([0xc7, 0x07, ...le32(1), 0xc3]);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_R);
  const r = m.call(TEXT_BASE, [MAP_VALUE_BASE + 4n], STACK_TOP);
  assert.deepEqual(r, { kind: 'fault', pc: TEXT_BASE, access: 'write', addr: MAP_VALUE_BASE + 4n, size: 4, cause: 'protected' });
  m.writeCode(TEXT_BASE, Uint8Array.from([0xff, 0xe7])); // jmp rdi
  const f = m.call(TEXT_BASE, [0x1000n], STACK_TOP);
  assert.equal(f.kind, 'fault');
  assert.equal(f.kind === 'fault' && f.access, 'fetch');
  assert.equal(f.kind === 'fault' && f.addr, 0x1000n);
  m.close();
});

test('an invalid instruction and an int3 stop with their own reasons', async () => {
  const m = await machineWith([0x0f, 0xff]); // undefined opcode
  const r = m.call(TEXT_BASE, [], STACK_TOP);
  assert.deepEqual(r, { kind: 'invalid-insn', pc: TEXT_BASE });
  m.writeCode(TEXT_BASE, Uint8Array.from([0x90, 0xcc]));
  const t = m.call(TEXT_BASE, [], STACK_TOP);
  assert.equal(t.kind, 'exception');
  assert.equal(t.kind === 'exception' && t.vector, 3);
  m.close();
});

test('an endless loop ends with the instruction budget or the timeout', async () => {
  const m = await machineWith([0xeb, 0xfe]); // jmp $
  assert.deepEqual(m.call(TEXT_BASE, [], STACK_TOP, { budget: 1000 }), { kind: 'budget', pc: TEXT_BASE, executed: 1000 });
  const r = m.run({ budget: 1e15, timeoutMs: 5 });
  assert.equal(r.kind, 'timeout');
  m.close();
});

test('writeCode takes effect on code that already ran; a plain write keeps running stale code', async () => {
  // mov eax, 1; ret
  const m = await machineWith([0xb8, ...le32(1), 0xc3]);
  m.call(TEXT_BASE, [], STACK_TOP);
  assert.equal(m.retval, 1n);
  m.writeMem(TEXT_BASE + 1n, Uint8Array.from(le32(2)));
  m.call(TEXT_BASE, [], STACK_TOP);
  assert.equal(m.retval, 1n, 'Unicorn keeps the translated block (the stale-TB trap)');
  m.writeCode(TEXT_BASE + 1n, Uint8Array.from(le32(3)));
  m.call(TEXT_BASE, [], STACK_TOP);
  assert.equal(m.retval, 3n);
  m.close();
});

test('a helper call traps to JS with its id and arguments, and returns through the real ret', async () => {
  // call HELPER_BASE + 5*16; add rax, 1; ret
  const code = [0xe8, ...rel32(TEXT_BASE, HELPER_BASE + 5n * 16n), 0x48, 0x83, 0xc0, 0x01, 0xc3];
  const m = await machineWith(code);
  const calls: string[] = [];
  m.installHelperPage((id, args) => {
    calls.push(`${id}(${args.join(',')})`);
    return args[0]! * 10n;
  });
  const r = m.call(TEXT_BASE, [7n, 1n, 2n, 3n, 4n], STACK_TOP);
  assert.equal(r.kind, 'exited');
  assert.equal(m.retval, 71n);
  assert.deepEqual(calls, ['5(7,1,2,3,4)']);
  m.close();
});

test('an exception thrown by a helper surfaces from run, and the machine keeps working', async () => {
  const code = [0xe8, ...rel32(TEXT_BASE, HELPER_BASE + 16n), 0xc3];
  const m = await machineWith(code);
  let fail = true;
  m.installHelperPage(() => {
    if (fail) throw new Error('helper exploded');
    return 5n;
  });
  assert.throws(() => m.call(TEXT_BASE, [], STACK_TOP), /helper exploded/);
  fail = false;
  assert.equal(m.call(TEXT_BASE, [], STACK_TOP).kind, 'exited');
  assert.equal(m.retval, 5n);
  m.close();
});

test('close is refused from inside a hook and use after close is an error', async () => {
  const m = await machineWith([0xe8, ...rel32(TEXT_BASE, HELPER_BASE), 0xc3]);
  m.installHelperPage(() => {
    m.close();
    return 0n;
  });
  assert.throws(
    () => m.call(TEXT_BASE, [], STACK_TOP),
    (e: unknown) => e instanceof BpfdbgError && e.diag.code === 'machine.close-in-hook',
  );
  m.close();
  assert.equal(m.closed, true);
  assert.throws(
    () => m.readReg('rax'),
    (e: unknown) => e instanceof BpfdbgError && e.diag.code === 'machine.closed',
  );
});

test('thunks: __x86_indirect_thunk_rcx jumps to rcx and __x86_return_thunk returns', async () => {
  // lea rcx, [rip+5]... simpler: mov rcx, imm64(TEXT_BASE+0x20); jmp thunk_rcx ; at 0x20: mov eax, 9; jmp return_thunk
  const code = new Array(0x30).fill(0xcc);
  const head = [
    0x48,
    0xb9,
    ...le32(Number((TEXT_BASE + 0x20n) & 0xffffffffn)),
    ...le32(Number((TEXT_BASE + 0x20n) >> 32n)),
    0xe9,
    ...rel32(TEXT_BASE + 10n, X86_INDIRECT_THUNK_RCX),
  ];
  code.splice(0, head.length, ...head);
  const tail = [0xb8, ...le32(9), 0xe9, ...rel32(TEXT_BASE + 0x25n, X86_RETURN_THUNK)];
  code.splice(0x20, tail.length, ...tail);
  const m = await machineWith(code);
  m.installThunks();
  assert.equal(m.call(TEXT_BASE, [], STACK_TOP).kind, 'exited');
  assert.equal(m.retval, 9n);
  m.close();
});

test('shared memory from the allocator is visible to JS and the guest both ways without copies', async () => {
  // mov rax, [rdi]; mov [rdi+8], rsi; ret
  const m = await machineWith([0x48, 0x8b, 0x07, 0x48, 0x89, 0x77, 0x08, 0xc3]);
  const bytes = m.allocator()(0x2000);
  assert.equal(bytes.length, 0x2000);
  m.mapShared(MAP_VALUE_BASE, bytes, PERM_RW);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  dv.setBigUint64(0, 0x1122334455667788n, true);
  m.call(TEXT_BASE, [MAP_VALUE_BASE, 0xabcdn], STACK_TOP);
  assert.equal(m.retval, 0x1122334455667788n);
  assert.equal(dv.getBigUint64(8, true), 0xabcdn);
  assert.equal(m.readU64(MAP_VALUE_BASE + 8n), 0xabcdn);
  assert.throws(() => m.mapShared(MAP_VALUE_BASE + 0x10000n, new Uint8Array(0x1000), PERM_RW), /allocator/);
  m.close();
});

test('selectCpu sets the gs base and this_cpu_off so per-CPU offsets become this CPU addresses', async () => {
  // mov r9, 0x100; add r9, gs:[THIS_CPU_OFF_ADDR]; mov rax, r9; ret
  const code = [0x49, 0xc7, 0xc1, ...le32(0x100), 0x65, 0x4c, 0x03, 0x0c, 0x25, ...le32(Number(THIS_CPU_OFF_ADDR)), 0x4c, 0x89, 0xc8, 0xc3];
  const m = await machineWith(code);
  for (let cpu = 0; cpu < 2; cpu++) m.map(PERCPU_BASE + BigInt(cpu) * PERCPU_CPU_STRIDE, 0x20000, PERM_RW);
  for (const cpu of [1, 0]) {
    const base = PERCPU_BASE + BigInt(cpu) * PERCPU_CPU_STRIDE;
    m.selectCpu(cpu, base);
    m.call(TEXT_BASE, [], STACK_TOP);
    assert.equal(m.retval, base + 0x100n);
    assert.equal(m.cpu, cpu);
  }
  m.close();
});

test('a snapshot restores registers, written memory and patched code', async () => {
  // mov qword [rdi], rsi; mov eax, 1; ret
  const m = await machineWith([0x48, 0x89, 0x37, 0xb8, ...le32(1), 0xc3]);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_RW);
  const shared = m.allocator()(0x1000);
  m.mapShared(MAP_VALUE_BASE + 0x1000n, shared, PERM_RW);
  m.writeRegs({ rbx: 0x55n, rip: TEXT_BASE });
  const snap = m.snapshot();
  assert.equal(snap.pc, TEXT_BASE);
  m.call(TEXT_BASE, [MAP_VALUE_BASE, 0x99n], STACK_TOP);
  m.call(TEXT_BASE, [MAP_VALUE_BASE + 0x1000n, 0x77n], STACK_TOP);
  m.writeCode(TEXT_BASE + 4n, Uint8Array.from(le32(2)));
  m.writeReg('rbx', 0n);
  m.restore(snap);
  assert.equal(m.pc, TEXT_BASE);
  assert.equal(m.readReg('rbx'), 0x55n);
  assert.equal(m.readU64(MAP_VALUE_BASE), 0n);
  assert.equal(shared[0], 0);
  m.call(TEXT_BASE, [MAP_VALUE_BASE, 0n], STACK_TOP);
  assert.equal(m.retval, 1n, 'restored code runs, not the patched translation');
  snap.dispose();
  assert.throws(() => m.restore(snap), /disposed/);
  m.close();
});

test('batched register reads and writes agree with single ones', async () => {
  const m = await machineWith([0xc3]);
  m.writeRegs({ rax: 1n, rbx: 2n, r15: -1n, gs_base: PERCPU_BASE });
  assert.deepEqual(m.readRegs(['rax', 'rbx', 'r15', 'gs_base']), [1n, 2n, 0xffffffffffffffffn, PERCPU_BASE]);
  assert.equal(m.readReg('r15'), 0xffffffffffffffffn);
  assert.throws(() => m.readReg('a0'), /no register named 'a0'/);
  m.close();
});

test('a write watchpoint stops after the store with pc on the next instruction', async () => {
  // mov qword [rdi+8], rsi; mov eax, 3; ret
  const m = await machineWith([0x48, 0x89, 0x77, 0x08, 0xb8, ...le32(3), 0xc3]);
  m.map(MAP_VALUE_BASE, 0x1000, PERM_RW);
  const id = m.addWatchpoint('write', MAP_VALUE_BASE + 8n, MAP_VALUE_BASE + 15n);
  const r = m.call(TEXT_BASE, [MAP_VALUE_BASE, 0x1234n], STACK_TOP);
  assert.deepEqual(r, { kind: 'watch', pc: TEXT_BASE + 4n, id, access: 'write', addr: MAP_VALUE_BASE + 8n, size: 8, value: 0x1234n });
  assert.equal(m.run().kind, 'exited');
  assert.equal(m.retval, 3n);
  m.close();
});

test('a code hook sees each instruction in its range and can stop before one', async () => {
  const m = await machineWith([0x90, 0x90, 0x90, 0xc3]);
  const seen: bigint[] = [];
  const id = m.addCodeHook(TEXT_BASE, TEXT_BASE + 3n, (pc) => {
    seen.push(pc - TEXT_BASE);
    return pc === TEXT_BASE + 2n ? 'stop' : undefined;
  });
  assert.deepEqual(m.call(TEXT_BASE, [], STACK_TOP), { kind: 'hook', pc: TEXT_BASE + 2n, id });
  assert.deepEqual(seen, [0n, 1n, 2n]);
  m.removeCodeHook(id);
  assert.equal(m.run().kind, 'exited');
  m.close();
});

test('protect and unmap split regions the way the guest then sees them', async () => {
  // mov dword [rdi], 1; ret
  const m = await machineWith([0xc7, 0x07, ...le32(1), 0xc3]);
  m.map(MAP_VALUE_BASE, 0x3000, PERM_RW);
  m.protect(MAP_VALUE_BASE + 0x1000n, 0x1000, PERM_R);
  m.unmap(MAP_VALUE_BASE + 0x2000n, 0x1000);
  const mine = m.regions().filter((r) => r.base >= MAP_VALUE_BASE && r.base < MAP_VALUE_BASE + 0x3000n);
  assert.deepEqual(
    mine.map((r) => [r.base - MAP_VALUE_BASE, r.size, r.perms]),
    [
      [0n, 0x1000, PERM_RW],
      [0x1000n, 0x1000, PERM_R],
    ],
  );
  assert.equal(m.call(TEXT_BASE, [MAP_VALUE_BASE], STACK_TOP).kind, 'exited');
  const p = m.call(TEXT_BASE, [MAP_VALUE_BASE + 0x1000n], STACK_TOP);
  assert.equal(p.kind === 'fault' && p.cause, 'protected');
  const u = m.call(TEXT_BASE, [MAP_VALUE_BASE + 0x2000n], STACK_TOP);
  assert.equal(u.kind === 'fault' && u.cause, 'unmapped');
  assert.equal(m.isMapped(MAP_VALUE_BASE, 0x2000), true);
  assert.equal(m.isMapped(MAP_VALUE_BASE, 0x2001), false);
  m.close();
});

test('a kfunc call traps to the kfunc page callback with its id', async () => {
  const KFUNC = 0xffffffff83000000n;
  const m = await machineWith([0xe8, ...rel32(TEXT_BASE, KFUNC + 0x20n * 16n), 0xc3]);
  const ids: number[] = [];
  m.installKfuncPage((id, args) => {
    ids.push(id);
    return args[1]!;
  });
  m.call(TEXT_BASE, [0n, 99n], STACK_TOP);
  assert.deepEqual(ids, [0x20]);
  assert.equal(m.retval, 99n);
  m.close();
});

test('a helper can call back into guest code (bpf_loop style) and the outer program resumes', async () => {
  // main: call HELPER_BASE+16; add rax, 1; ret      callback at +0x100: lea rax, [rdi+100]; ret
  const code = new Array(0x110).fill(0xcc);
  code.splice(0, 10, 0xe8, ...rel32(TEXT_BASE, HELPER_BASE + 16n), 0x48, 0x83, 0xc0, 0x01, 0xc3);
  code.splice(0x100, 5, 0x48, 0x8d, 0x47, 0x64, 0xc3);
  const m = await machineWith(code);
  m.addBreakpoint(TEXT_BASE + 0x100n); // ignored inside the nested call
  m.installHelperPage((_id, args) => {
    let sum = 0n;
    for (let i = 0n; i < args[0]!; i++) {
      const { stop, retval } = m.callFromTrap(TEXT_BASE + 0x100n, [i]);
      assert.equal(stop.kind, 'exited');
      sum += retval;
    }
    return sum;
  });
  m.writeReg('rbx', 0x1234n);
  assert.equal(m.call(TEXT_BASE, [3n], STACK_TOP).kind, 'exited');
  assert.equal(m.retval, 100n + 101n + 102n + 1n);
  assert.equal(m.readReg('rbx'), 0x1234n);
  assert.throws(() => m.callFromTrap(TEXT_BASE + 0x100n, []), /only possible from inside/);
  m.close();
});
