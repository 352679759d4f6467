import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddressSpace } from '../../src/kernel/addressSpace.ts';

test('regions come from the injected allocator, page-sized, and listeners see each one', () => {
  const given: number[] = [];
  const space = new AddressSpace((n) => {
    given.push(n);
    return new Uint8Array(n);
  });
  const seen: string[] = [];
  space.onMap((r) => seen.push(r.name));
  const r = space.map('a', 0x10000n, 10);
  assert.equal(r.size, 0x1000);
  assert.deepEqual(given, [0x1000]);
  assert.deepEqual(seen, ['a']);
  assert.throws(() => space.map('b', 0x10010n, 10), /not page-aligned/);
  assert.throws(() => space.map('c', 0x10000n, 10), /overlaps a/);
});

test('typed loads and stores are little-endian and share bytes with the region', () => {
  const space = new AddressSpace();
  const r = space.map('a', 0xffff888100000000n, 0x2000);
  assert.equal(space.store(0xffff888100000ff8n, 8, 0x1122334455667788n), undefined);
  assert.equal(r.bytes[0xff8], 0x88);
  assert.equal(space.load(0xffff888100000ffcn, 4), 0x11223344n);
  assert.equal(space.load(0xffff888100000ff8n, 2), 0x7788n);
  assert.equal(space.load(0xffff888100000fffn, 1), 0x11n);
});

test('faults are values: unmapped addresses, accesses running off a region, read-only writes', () => {
  const space = new AddressSpace();
  space.map('ro', 0x20000n, 0x1000, false);
  assert.deepEqual(space.load(0x1000n, 4), { fault: 'unmapped', addr: 0x1000n, size: 4 });
  assert.deepEqual(space.load(0x20ffen, 4), { fault: 'unmapped', addr: 0x20ffen, size: 4 });
  assert.deepEqual(space.store(0x20000n, 1, 1n), { fault: 'readonly', addr: 0x20000n, size: 1 });
  assert.equal(space.write(0x20000n, Uint8Array.of(7), true), undefined, 'the kernel itself may write');
  assert.equal(space.load(0x20000n, 1), 7n);
});
