// The poke state machine driving a real x86-64 machine: the caller of the reference's
// worked example tail-calls f or g, or falls through to `out` (returns 0).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { KSTACK_BASE, TEXT_BASE, TEXT_SLOT } from '../../../src/common/layout.ts';
import { createMachine, type UnicornMachine } from '../../../src/machine/unicornMachine.ts';
import { PERM_RW, PERM_RX } from '../../../src/machine/machine.ts';
import { loadCapstone } from '../../../src/machine/capstone.ts';
import { PokeStateMachine, type PokeEvent } from '../../../src/kernel/pokes/pokeStateMachine.ts';
import { EXAMPLE_CODE, placed } from './pokeFixture.ts';

const STACK_TOP = KSTACK_BASE + 0x4000n;
const CALLER = TEXT_BASE;
const F = TEXT_BASE + TEXT_SLOT;
const G = TEXT_BASE + 2n * TEXT_SLOT;

before(async () => {
  await loadCapstone();
});

/** A tail-call target: the 12-byte prologue, then at +12 (the landing) `mov eax, v; leave; ret`. */
function target(v: number): Uint8Array {
  return Uint8Array.from([0x0f, 0x1f, 0x44, 0x00, 0x00, 0x48, 0x31, 0xc0, 0x55, 0x48, 0x89, 0xe5, 0xb8, v, 0, 0, 0, 0xc9, 0xc3]);
}

async function setup(): Promise<{ m: UnicornMachine; psm: PokeStateMachine; inside: Set<number>; run: () => bigint }> {
  const m = await createMachine('x86_64');
  for (const [base, code] of [
    [CALLER, EXAMPLE_CODE],
    [F, target(0x11)],
    [G, target(0x22)],
  ] as const) {
    m.map(base, 0x1000, PERM_RX);
    m.writeCode(base, code);
  }
  m.map(KSTACK_BASE, 0x4000, PERM_RW);
  const inside = new Set<number>();
  const psm = new PokeStateMachine(m, { cpusInsideBpf: () => [...inside] });
  psm.track([placed('caller', CALLER, 1, 0)], () => null);
  const run = (): bigint => {
    const r = m.call(CALLER, [0x1000n], STACK_TOP);
    assert.equal(
      r.kind,
      'exited',
      JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v)),
    );
    return m.retval;
  };
  return { m, psm, inside, run };
}

test('on a machine: empty slot falls through, install tail-calls f, replace g, delete falls through again', async () => {
  const { m, psm, run } = await setup();
  assert.equal(run(), 0n);
  psm.update(1, 0, null, F);
  assert.equal(run(), 0x11n, 'translated code of the caller was dropped by the poke');
  psm.update(1, 0, F, G);
  assert.equal(run(), 0x22n);
  psm.update(1, 0, G, null);
  assert.equal(run(), 0n);
  m.close();
});

test('on a machine: a CPU stopped between bypass and target finishes its tail call; the target is cleared after it leaves', async () => {
  const { m, psm, inside, run } = await setup();
  psm.update(1, 0, null, F);
  const events: PokeEvent[] = [];
  psm.onEvent((e) => events.push(e));
  // Stop inside the unwind (`pop rbx` at 0x4B): past the bypass, before the target.
  const bp = m.addBreakpoint(CALLER + 0x4bn);
  const r = m.call(CALLER, [0x1000n], STACK_TOP);
  assert.equal(r.kind, 'breakpoint');
  inside.add(0);
  psm.update(1, 0, F, null);
  assert.deepEqual(
    events.map((e) => `${e.site}:${e.from}->${e.to}`),
    ['bypass:B->D'],
  );
  assert.equal(psm.pendingGrace().length, 1);
  // Resume: the target still jumps to f (state D), so the unwound frame is not used.
  const done = m.run();
  assert.equal(done.kind, 'exited');
  assert.equal(m.retval, 0x11n);
  inside.delete(0);
  psm.noteQuiescent(0);
  assert.deepEqual(
    events.map((e) => `${e.site}:${e.from}->${e.to}`),
    ['bypass:B->D', 'target:D->C'],
  );
  m.removeBreakpoint(bp);
  assert.equal(run(), 0n);
  m.close();
});
