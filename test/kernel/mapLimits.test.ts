// map_create's limits (issue 15 item 1): a crafted map definition gets the kernel's errno
// and the map's name at load, never a host allocation of many GiB (a native abort) or an
// internal "region overlaps" error; all maps share a guest-memory budget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfdbgError } from '../../src/common/diag.ts';
import { KernelModel } from '../../src/kernel/kernelModel.ts';
import { MapType, type BpfObject, type MapDef } from '../../src/object/types.ts';

const def = (o: Partial<MapDef>): MapDef => ({
  index: 0,
  name: 'm',
  type: MapType.ARRAY,
  keySize: 4,
  valueSize: 8,
  maxEntries: 1,
  flags: 0,
  kind: 'user',
  ...o,
});
const objWith = (maps: MapDef[]): BpfObject => ({
  path: 't.o',
  name: 't',
  bytes: new Uint8Array(),
  license: 'GPL',
  littleEndian: true,
  maps,
  globals: [],
  programs: [],
  subprograms: [],
  sources: new Map(),
});

function refusal(maps: MapDef[], opts: { maxMapMemory?: number } = {}): string {
  const model = new KernelModel(opts);
  try {
    model.loadObject(objWith(maps), []);
  } catch (e) {
    assert.ok(e instanceof BpfdbgError, `a Diag, not ${String(e)}`);
    assert.equal(e.diag.code, 'kernel.map-create');
    return e.diag.message;
  }
  assert.fail('the map must be refused');
}

test('an array value above KMALLOC_MAX_SIZE is E2BIG naming the map', () => {
  assert.equal(
    refusal([def({ name: 'huge', valueSize: 8 << 20 })]),
    "map 'huge': failed to create: E2BIG (value_size 8388608 is above KMALLOC_MAX_SIZE (4194304))",
  );
});

test('max_entries that round past a u32 are E2BIG; a zero value size or wrong key size is EINVAL', () => {
  assert.match(
    refusal([def({ name: 'jmp_table', type: MapType.PROG_ARRAY, valueSize: 4, maxEntries: 0x8000_0001 })]),
    /^map 'jmp_table': failed to create: E2BIG \(max_entries 2147483649 rounds up to 2\^32\)$/,
  );
  assert.match(refusal([def({ valueSize: 0 })]), /EINVAL/);
  assert.match(refusal([def({ keySize: 8 })]), /EINVAL \(an array's key_size must be 4, not 8\)/);
  assert.match(refusal([def({ type: MapType.PERCPU_ARRAY, valueSize: 64 * 1024 })]), /E2BIG \(per-CPU value_size/);
  assert.match(refusal([def({ type: MapType.HASH, keySize: 1024 })]), /E2BIG \(key_size 1024 is above MAX_BPF_STACK/);
});

test('maps beyond the guest-memory budget are ENOMEM naming the map, before host memory is taken', () => {
  // 1 << 28 u64 elements: 2 GiB, above the default 1 GiB budget.
  assert.match(
    refusal([def({ name: 'big', maxEntries: 1 << 28 })]),
    /^map 'big': failed to create: ENOMEM \(needs 2048\.0 MiB of guest memory, .* of the 1024\.0 MiB budget left; raise it with --max-memory\)$/,
  );
  // The budget is shared: two 600 MiB... here two 5 MiB maps under a 8 MiB budget.
  assert.match(
    refusal([def({ name: 'a', maxEntries: 5 << 17 }), def({ index: 1, name: 'b', maxEntries: 5 << 17 })], { maxMapMemory: 8 << 20 }),
    /^map 'b': failed to create: ENOMEM/,
  );
  // A prog_array as large as the whole map window is refused, not laid over the ctx region.
  assert.match(
    refusal([def({ name: 'jmp_table', type: MapType.PROG_ARRAY, valueSize: 4, maxEntries: 0x8000_0000 })], { maxMapMemory: 2 ** 40 }),
    /^map 'jmp_table': failed to create: ENOMEM \(needs .* more than the map struct window has left\)$/,
  );
});

test('maps within the limits load', () => {
  const model = new KernelModel();
  const o = model.loadObject(objWith([def({ maxEntries: 1024 }), def({ index: 1, type: MapType.PROG_ARRAY, valueSize: 4, maxEntries: 8 })]), []);
  assert.equal(o.maps.length, 2);
});

test('bpfdbg run --max-memory sets the budget on every engine: one line, exit 1', () => {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  for (const engine of ['interp', 'x86_64', 'riscv64']) {
    const r = spawnSync(path.join(root, 'bin/bpfdbg'), ['run', 'examples/tailchain.o', '--engine', engine, '--max-memory', '4K'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 1, engine);
    assert.equal(
      r.stderr.trim(),
      "bpfdbg: map 'tailchai.bss': failed to create: ENOMEM (needs 4 KiB of guest memory, 0 KiB of the 4 KiB budget left; raise it with --max-memory)",
      engine,
    );
  }
});

test('zero sizes are per map type, as each map_alloc_check has them: ring buffers, arenas and local storage load', () => {
  const model = new KernelModel();
  const loaded = model.loadObject(
    objWith([
      def({ index: 0, name: 'rb', type: MapType.RINGBUF, keySize: 0, valueSize: 0, maxEntries: 4096 }),
      def({ index: 1, name: 'sk_stg', type: 24 /* BPF_MAP_TYPE_SK_STORAGE */, keySize: 4, valueSize: 8, maxEntries: 0, flags: 1 }),
    ]),
    [],
  );
  assert.deepEqual(
    loaded.maps.map((m) => m?.def.name),
    ['rb', 'sk_stg'],
  );
  assert.match(refusal([def({ type: MapType.HASH, maxEntries: 0 })]), /EINVAL \(max_entries 0\)/);
  assert.match(refusal([def({ type: MapType.PROG_ARRAY, valueSize: 4, maxEntries: 0 })]), /EINVAL \(max_entries 0\)/);
});
