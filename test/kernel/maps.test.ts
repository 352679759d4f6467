import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapType } from '../../src/object/types.ts';
import { AddressSpace } from '../../src/kernel/addressSpace.ts';
import { MapPlacer, keyBytes } from '../../src/kernel/maps/base.ts';
import { createMap } from '../../src/kernel/maps/createMap.ts';
import { type ArrayMap } from '../../src/kernel/maps/array.ts';
import { type ProgArrayMap, type ProgRef } from '../../src/kernel/maps/progArray.ts';
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF } from '../../src/common/kernelStructs.ts';
import { E2BIG, EEXIST, EINVAL, ENOENT } from '../../src/kernel/errors.ts';
import { mapDef } from './fixture.ts';
import { NR_CPUS } from '../../src/common/layout.ts';
import { thisCpuOff } from '../../src/kernel/privStack.ts';

const placer = () => new MapPlacer(new AddressSpace());
const val = (...b: number[]) => Uint8Array.from(b);

test('every map struct carries max_entries at 0x4c, where the JIT reads it', () => {
  const p = placer();
  const m = createMap(mapDef(0, 'h', MapType.HASH, 4, 4, 77), 1, p);
  assert.equal(p.space.load(m.addr + BigInt(BPF_ARRAY_MAX_ENTRIES_OFF), 4), 77n);
});

test('array values sit inline at 0x138, round_up(value_size, 8) apart, as inlined lookups compute', () => {
  const p = placer();
  const m = createMap(mapDef(0, 'a', MapType.ARRAY, 4, 12, 4), 1, p) as ArrayMap;
  assert.equal(m.lookup(keyBytes(2), 0), m.addr + BigInt(BPF_ARRAY_PTRS_OFF) + 32n);
  assert.equal(m.lookup(keyBytes(4), 0), 0n);
  assert.equal(m.update(keyBytes(1), val(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 0n, 0), 0);
  assert.deepEqual(m.lookupValue(keyBytes(1)), val(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12));
  assert.equal(m.update(keyBytes(1), val(0), 1n, 0), -EEXIST, 'BPF_NOEXIST: array elements always exist');
  assert.equal(m.update(keyBytes(9), val(0), 0n, 0), -E2BIG);
  assert.equal(m.update(keyBytes(0), val(0), 3n, 0), -EINVAL);
  assert.equal(m.delete(keyBytes(0)), -EINVAL);
});

test('global-data maps hold their initial value; .rodata is read-only to programs', () => {
  const p = placer();
  const ro = createMap(mapDef(0, 'x.rodata', MapType.ARRAY, 4, 4, 1, { kind: 'rodata', initialValue: val(9, 8, 7, 6) }), 1, p);
  assert.equal(p.space.load(ro.valueAddr, 4), 0x06070809n);
  assert.equal(p.space.store(ro.valueAddr, 4, 0n)?.fault, 'readonly');
});

test('per-CPU arrays give each CPU its own copy', () => {
  const m = createMap(mapDef(0, 'pc', MapType.PERCPU_ARRAY, 4, 8, 2), 1, placer());
  assert.notEqual(m.lookup(keyBytes(1), 0), m.lookup(keyBytes(1), 1));
  m.update(keyBytes(1), val(5), 0n, 1);
  assert.deepEqual(m.lookupValue(keyBytes(1), 1)?.[0], 5);
  assert.deepEqual(m.lookupValue(keyBytes(1), 0)?.[0], 0);
});

test("a per-CPU array holds per-CPU pointers at 0x138: pptrs[i] + this_cpu_off(c) is CPU c's copy", () => {
  const p = placer();
  const m = createMap(mapDef(0, 'pc', MapType.PERCPU_ARRAY, 4, 12, 3), 1, p) as ArrayMap;
  for (let i = 0; i < 3; i++) {
    const pptr = p.space.mustLoad(m.addr + BigInt(BPF_ARRAY_PTRS_OFF + 8 * i), 8);
    for (let c = 0; c < NR_CPUS; c++) assert.equal(BigInt.asUintN(64, pptr + thisCpuOff(c)), m.lookup(keyBytes(i), c));
  }
  assert.equal(m.lookup(keyBytes(1), 0) - m.lookup(keyBytes(0), 0), 16n, 'round_up(value_size, 8) apart');
});

test('hash maps: NOEXIST/EXIST flags, -E2BIG when full, -ENOENT deletes, slots reused', () => {
  const m = createMap(mapDef(0, 'h', MapType.HASH, 4, 4, 2), 1, placer());
  assert.equal(m.update(keyBytes(1), val(1), 2n, 0), -ENOENT);
  assert.equal(m.update(keyBytes(1), val(1), 1n, 0), 0);
  assert.equal(m.update(keyBytes(1), val(2), 1n, 0), -EEXIST);
  assert.equal(m.update(keyBytes(1), val(3), 2n, 0), 0);
  assert.equal(m.update(keyBytes(2), val(4), 0n, 0), 0);
  assert.equal(m.update(keyBytes(3), val(5), 0n, 0), -E2BIG);
  const p1 = m.lookup(keyBytes(1), 0);
  assert.notEqual(p1, 0n);
  assert.deepEqual(m.lookupValue(keyBytes(1)), val(3, 0, 0, 0));
  assert.equal(m.delete(keyBytes(1)), 0);
  assert.equal(m.delete(keyBytes(1)), -ENOENT);
  assert.equal(m.lookup(keyBytes(1), 0), 0n);
  assert.equal(m.update(keyBytes(3), val(5), 0n, 0), 0);
  assert.equal(m.lookup(keyBytes(3), 0), p1, 'the freed slot is reused');
});

test('LRU hash evicts the least recently used key instead of failing', () => {
  const m = createMap(mapDef(0, 'l', MapType.LRU_HASH, 4, 4, 2), 1, placer());
  m.update(keyBytes(1), val(1), 0n, 0);
  m.update(keyBytes(2), val(2), 0n, 0);
  m.lookup(keyBytes(1), 0); // 2 is now the oldest
  assert.equal(m.update(keyBytes(3), val(3), 0n, 0), 0);
  assert.equal(m.lookup(keyBytes(2), 0), 0n);
  assert.notEqual(m.lookup(keyBytes(1), 0), 0n);
});

test('prog_array stores struct bpf_prog pointers at 0x138 and tells listeners before returning', () => {
  const p = placer();
  const m = createMap(mapDef(3, 'jmp_table', MapType.PROG_ARRAY, 4, 4, 2), 1, p) as ProgArrayMap;
  const a: ProgRef = { name: 'a', structAddr: 0xffff888200000000n };
  const b: ProgRef = { name: 'b', structAddr: 0xffff888200000100n };
  const log: string[] = [];
  m.onChange((idx, key, oldP, newP) => log.push(`${idx}:${key}:${oldP?.name ?? '-'}>${newP?.name ?? '-'}:${p.space.load(m.slotAddr(key), 8)}`));
  assert.equal(m.setProg(0, a), 0);
  assert.equal(m.setProg(0, b), 0);
  assert.equal(m.clear(0), 0);
  assert.equal(m.clear(0), -ENOENT);
  assert.equal(m.setProg(1, a, 2n), -ENOENT);
  assert.equal(m.setProg(2, a), -E2BIG);
  // Each notification already sees the slot it describes.
  assert.deepEqual(log, [`3:0:->a:${a.structAddr}`, `3:0:a>b:${b.structAddr}`, '3:0:b>-:0']);
  assert.equal(p.space.load(m.addr + BigInt(BPF_ARRAY_PTRS_OFF), 8), 0n);
});

test('an array of maps has empty inner-map slots after its header, so inlined lookups miss', () => {
  const p = placer();
  const m = createMap(mapDef(0, 'outer', MapType.ARRAY_OF_MAPS, 4, 4, 3), 1, p);
  // array_of_map_gen_lookup loads the slot at 0x138 + index * 8: mapped, and NULL.
  for (let k = 0; k < 3; k++) assert.equal(p.space.load(m.addr + BigInt(BPF_ARRAY_PTRS_OFF + 8 * k), 8), 0n);
  assert.equal(m.lookup(keyBytes(0), 0), 0n, 'the helper path misses too');
});
