// StepExits: the `until` a single step passes Unicorn. Straight-line code gets an exit just
// past the instruction (so Unicorn translates one instruction, not a page); within a few
// instructions of a branch, at the end of executable memory and on undecodable bytes it
// gets none.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadCapstone } from '../../src/machine/capstone.ts';
import { StepExits } from '../../src/machine/stepExits.ts';

before(async () => {
  await loadCapstone();
});

const BASE = 0x10000n;
const ADD = [0x48, 0x83, 0xc0, 0x01]; // add rax, 1 (4 bytes)

/** `n` adds, then `tail`; exits asked for at every add. */
function exitsOver(n: number, tail: number[], memEnd?: bigint): bigint[] {
  const code = Uint8Array.from([...Array.from({ length: n }, () => ADD).flat(), ...tail]);
  const end = memEnd ?? BASE + BigInt(code.length) + 0x100n;
  const read = (a: bigint, len: number): Uint8Array => {
    const off = Number(a - BASE);
    const out = new Uint8Array(len);
    out.set(code.subarray(off, off + len));
    return out;
  };
  const ex = new StepExits('x86_64');
  return Array.from({ length: n }, (_, k) => ex.exitFor(BASE + BigInt(4 * k), end, read));
}

test('straight-line code: the exit is just past each instruction', () => {
  const exits = exitsOver(100, []);
  exits.forEach((e, k) => assert.equal(e, BASE + BigInt(4 * k + 4), `add ${k}`));
});

test('instructions whose block ends at a branch within 8 instructions get no exit', () => {
  const exits = exitsOver(20, [0xeb, 0xfe]); // ...; jmp $
  const none = exits.map((e, k) => (e === 0n ? k : -1)).filter((k) => k >= 0);
  assert.deepEqual(none, [13, 14, 15, 16, 17, 18, 19]); // add 13..19 + jmp: at most 8
  assert.equal(exits[12], BASE + 52n);
});

test('at the end of executable memory an exit is kept (translating past it would fault)', () => {
  const exits = exitsOver(10, [], BASE + 40n);
  exits.forEach((e, k) => assert.equal(e, BASE + BigInt(4 * k + 4), `add ${k}`));
});

test('undecodable bytes get no exit', () => {
  const ex = new StepExits('x86_64');
  assert.equal(
    ex.exitFor(BASE, BASE + 0x100n, (_a, len) => new Uint8Array(len).fill(0x06)),
    0n,
  ); // 0x06: invalid in 64-bit mode
});
