import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ArrayTextPoker } from '../../../src/kernel/pokes/textPoker.ts';
import { PokeStateMachine, type CpuActivity, type PokeEvent } from '../../../src/kernel/pokes/pokeStateMachine.ts';
import { bpfArchTextPoke, EBUSY } from '../../../src/kernel/pokes/textPoke.ts';
import { classify, decodeSite } from '../../../src/kernel/pokes/pokeDescriptor.ts';
import { patchBytes } from '../../../src/jit/x86_64/textPoke.ts';
import { ADJ_OFF, EXAMPLE_CODE, jmpBytes, NOP5, placed } from './pokeFixture.ts';

const CALLER = 0xffffffffc0000000n;
const F = 0xffffffffc0100000n; // bpf_func of program f
const G = 0xffffffffc0200000n; // bpf_func of program g
const TARGET = CALLER + 0x55n;
const BYPASS = CALLER + 0x42n;
const OUT = CALLER + 0x5an;

class FakeCpus implements CpuActivity {
  inside = new Set<number>();
  cpusInsideBpf(): number[] {
    return [...this.inside];
  }
}

function setup() {
  const poker = new ArrayTextPoker();
  poker.place(CALLER, EXAMPLE_CODE.slice());
  const cpus = new FakeCpus();
  const psm = new PokeStateMachine(poker, cpus);
  const p = placed('caller', CALLER, 7, 0);
  return { poker, cpus, psm, p };
}

const brief = (e: PokeEvent): string => `${e.site}:${e.from}->${e.to}`;
const site = (poker: ArrayTextPoker, addr: bigint): number[] => [...poker.readText(addr, 5)];

test('a JITed site starts in state C: bypass jumps to out, target is nop5', () => {
  const { psm, p } = setup();
  assert.deepEqual(psm.view(p), { state: 'C' });
});

test('install arms the target first, then nops the bypass: C->D->B with jmp f+adjOff', () => {
  const { psm, poker, p } = setup();
  psm.track([p], () => null);
  const ev = psm.update(7, 0, null, F);
  assert.deepEqual(ev.map(brief), ['target:C->D', 'bypass:D->B']);
  assert.deepEqual(
    ev.map((e) => e.reason),
    ['install', 'install'],
  );
  assert.deepEqual([...ev[0]!.before], NOP5);
  assert.deepEqual([...ev[0]!.after], jmpBytes(TARGET, F + BigInt(ADJ_OFF)));
  assert.deepEqual([...ev[1]!.before], jmpBytes(BYPASS, OUT));
  assert.deepEqual([...ev[1]!.after], NOP5);
  assert.deepEqual(site(poker, TARGET), jmpBytes(TARGET, F + 12n));
  assert.deepEqual(psm.view(p), { state: 'B', jumpsTo: F + 12n });
});

test('rel32 of the target jump is target + adjOff - (site + 5)', () => {
  const { psm, poker, p } = setup();
  psm.track([p], () => null);
  psm.update(7, 0, null, F);
  const rel = new DataView(poker.readText(TARGET, 5).buffer).getInt32(1, true);
  assert.equal(BigInt(rel), F + 12n - (TARGET + 5n));
});

test('replace rewrites only the target jump: B->B', () => {
  const { psm, poker, p } = setup();
  psm.track([p], () => null);
  psm.update(7, 0, null, F);
  const ev = psm.update(7, 0, F, G);
  assert.deepEqual(ev.map(brief), ['target:B->B']);
  assert.equal(ev[0]!.reason, 'replace');
  assert.deepEqual(site(poker, TARGET), jmpBytes(TARGET, G + 12n));
  assert.deepEqual(site(poker, BYPASS), NOP5);
});

test('delete with no CPU inside a program re-arms the bypass then clears the target: B->D->C', () => {
  const { psm, poker, p } = setup();
  psm.track([p], () => null);
  psm.update(7, 0, null, F);
  const ev = psm.update(7, 0, F, null);
  assert.deepEqual(ev.map(brief), ['bypass:B->D', 'target:D->C']);
  assert.deepEqual(site(poker, BYPASS), jmpBytes(BYPASS, OUT));
  assert.deepEqual(site(poker, TARGET), NOP5);
  assert.deepEqual(psm.pendingGrace(), []);
});

test('delete waits for the grace period while a CPU is inside a program, then finishes D->C', () => {
  const { psm, poker, p, cpus } = setup();
  psm.track([p], () => null);
  psm.update(7, 0, null, F);
  cpus.inside.add(1);
  const ev = psm.update(7, 0, F, null);
  assert.deepEqual(ev.map(brief), ['bypass:B->D']);
  assert.deepEqual(psm.pendingGrace(), [{ mapId: 7, key: 0, waitingFor: [1] }]);
  assert.deepEqual(psm.poll(), [], 'still inside: nothing happens');
  assert.deepEqual(psm.view(p), { state: 'D', jumpsTo: F + 12n });
  cpus.inside.delete(1);
  const later = psm.poll();
  assert.deepEqual(later.map(brief), ['target:D->C']);
  assert.deepEqual(site(poker, TARGET), NOP5);
  assert.deepEqual(psm.pendingGrace(), []);
});

test('a CPU that entered after the grace period began does not hold it up', () => {
  const { psm, p, cpus } = setup();
  psm.track([p], () => null);
  psm.update(7, 0, null, F);
  cpus.inside.add(0);
  psm.update(7, 0, F, null);
  cpus.inside.add(1); // enters later: it sees the re-armed bypass
  assert.deepEqual(psm.noteQuiescent(0).map(brief), ['target:D->C']);
});

test('updates behind a pending grace period wait their turn, in order', () => {
  const { psm, p, cpus } = setup();
  psm.track([p], () => null);
  psm.update(7, 0, null, F);
  cpus.inside.add(0);
  psm.update(7, 0, F, null);
  assert.deepEqual(psm.update(7, 0, null, G), [], 'queued behind the grace period');
  cpus.inside.clear();
  assert.deepEqual(psm.poll().map(brief), ['target:D->C', 'target:C->D', 'bypass:D->B']);
  assert.deepEqual(psm.view(p), { state: 'B', jumpsTo: G + 12n });
});

test('deleting an empty slot changes nothing and starts no grace period', () => {
  const { psm, poker, p, cpus } = setup();
  psm.track([p], () => null);
  cpus.inside.add(0);
  assert.deepEqual(psm.update(7, 0, null, null), []);
  assert.deepEqual(psm.pendingGrace(), []);
  assert.deepEqual(poker.writes, []);
});

test('sites of other maps or keys are left alone', () => {
  const { psm, poker, p } = setup();
  psm.track([p], () => null);
  assert.deepEqual(psm.update(7, 1, null, F), []);
  assert.deepEqual(psm.update(8, 0, null, F), []);
  assert.equal(poker.writes.length, 0);
});

test('tracking a program whose slot is already populated arms it (the JIT fix-up)', () => {
  const { psm, p } = setup();
  const ev = psm.track([p], (mapId, key) => (mapId === 7 && key === 0 ? F : null));
  assert.deepEqual(ev.map(brief), ['target:C->D', 'bypass:D->B']);
  assert.deepEqual(
    ev.map((e) => e.reason),
    ['fixup', 'fixup'],
  );
  assert.deepEqual(psm.view(p), { state: 'B', jumpsTo: F + 12n });
});

test('an untracked program is no longer poked', () => {
  const { psm, poker, p } = setup();
  psm.track([p], () => null);
  psm.untrack('caller');
  assert.deepEqual(psm.update(7, 0, null, F), []);
  assert.equal(poker.writes.length, 0);
});

test('every event of a long update sequence is between legal states (never A)', () => {
  const { psm, p, cpus } = setup();
  const seen: PokeEvent[] = [];
  psm.onEvent((e) => seen.push(e));
  psm.track([p], () => null);
  const progs = [F, G, null, F, null, null, G, F, null];
  let cur: bigint | null = null;
  for (const [i, next] of progs.entries()) {
    if (i % 3 === 0) cpus.inside.add(0);
    psm.update(7, 0, cur, next);
    cur = next;
    cpus.inside.clear();
    psm.poll();
  }
  assert.ok(seen.length > 0);
  for (const e of seen) {
    assert.notEqual(e.from, 'A');
    assert.notEqual(e.to, 'A');
  }
  assert.deepEqual(psm.view(p), { state: 'C' });
});

test('a site whose bytes disagree with the slot history is an error (the kernel BUG()s)', () => {
  const { psm, p } = setup();
  psm.track([p], () => null);
  assert.throws(() => psm.update(7, 0, F, G), /-EBUSY/);
});

test('bpf_arch_text_poke: -EBUSY on unexpected bytes, 1 when already new, 0 after writing', () => {
  const poker = new ArrayTextPoker();
  poker.place(0x1000n, Uint8Array.from([...NOP5, 0xcc]));
  assert.equal(bpfArchTextPoke(poker, 0x1000n, 0x2000n, null).ret, -EBUSY);
  assert.equal(bpfArchTextPoke(poker, 0x1000n, null, null).ret, 1);
  const r = bpfArchTextPoke(poker, 0x1000n, null, 0x2000n);
  assert.equal(r.ret, 0);
  assert.deepEqual([...r.after], jmpBytes(0x1000n, 0x2000n));
  assert.deepEqual([...poker.readText(0x1000n, 6)], [...jmpBytes(0x1000n, 0x2000n), 0xcc]);
});

test('classification covers all four states from the bytes alone', () => {
  const ip = 0x1000n;
  const site = (target: bigint | null): Uint8Array => {
    const r = patchBytes('jump', ip, target);
    assert.ok(r.ok);
    return r.value;
  };
  const nop = decodeSite(ip, site(null));
  const jmp = decodeSite(ip, site(0x3000n));
  assert.deepEqual(classify(nop, nop), { state: 'A' });
  assert.deepEqual(classify(nop, jmp), { state: 'B', jumpsTo: 0x3000n });
  assert.deepEqual(classify(jmp, nop), { state: 'C' });
  assert.deepEqual(classify(jmp, jmp), { state: 'D', jumpsTo: 0x3000n });
  assert.deepEqual(classify(decodeSite(ip, Uint8Array.from([0xcc, 0, 0, 0, 0])), nop), { state: 'corrupt' });
});
