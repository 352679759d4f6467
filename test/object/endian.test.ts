// fixtures/mix.c built for both byte orders: globals of every kind, a hash map, an
// initialised prog_array, a global and a static subprogram (one called without a
// relocation from inside .text). Both objects must load to the same BpfObject.
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadObject, MapType, type BpfObject } from '../../src/object/index.ts';
import { readBytes } from './testdata.ts';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

function load(name: string): BpfObject {
  const r = loadObject(readBytes(path.join(fixtures, name)), `fixtures/${name}`);
  assert.ok(r.ok, r.ok ? 'loaded' : `${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('mix.c in both byte orders', () => {
  const el = load('mix_el.o');
  const eb = load('mix_eb.o');

  it('reads the byte order from EI_DATA', () => {
    assert.deepEqual([el.littleEndian, eb.littleEndian], [true, false]);
  });

  it('decodes BTF-defined maps, internal data maps in section order and the prog_array initialiser', () => {
    assert.deepEqual(
      el.maps.map((m) => [m.name, m.type, m.keySize, m.valueSize, m.maxEntries, m.flags, m.kind]),
      [
        ['jmp', MapType.PROG_ARRAY, 4, 4, 2, 0, 'user'],
        ['h', MapType.HASH, 4, 8, 16, 0, 'user'],
        ['mix_el.data', MapType.ARRAY, 4, 4, 1, 0x400, 'data'],
        ['mix_el.bss', MapType.ARRAY, 4, 4, 1, 0x400, 'bss'],
        ['mix_el.rodata', MapType.ARRAY, 4, 4, 1, 0x80, 'rodata'],
      ],
    );
    assert.deepEqual(el.maps[0]!.initSlots, [{ slot: 1, prog: 'tgt' }]);
    assert.ok(el.maps[1]!.btfKeyTypeId && el.maps[1]!.btfValueTypeId, 'hash key/value BTF ids recorded');
    assert.deepEqual(
      el.globals.map((g) => [g.name, g.section, g.offset, g.size]),
      [
        ['counter', '.data', 0, 4],
        ['zeroed', '.bss', 0, 4],
        ['limit', '.rodata', 0, 4],
      ],
    );
  });

  it('keeps initial values in the object byte order', () => {
    assert.deepEqual([...el.maps[2]!.initialValue!], [3, 0, 0, 0]);
    assert.deepEqual([...eb.maps[2]!.initialValue!], [0, 0, 0, 3]);
    assert.deepEqual([...el.maps[4]!.initialValue!], [7, 0, 0, 0]);
  });

  it('appends subprograms depth-first in the order calls and callback loads are met, fixing every offset', () => {
    const p = el.programs.find((x) => x.name === 'main_prog')!;
    // loop_cb (bpf_loop callback, PSEUDO_FUNC), then gfunc, whose call without a relocation
    // (same section) appends helper before main_prog's own call to helper is reached.
    assert.deepEqual(
      p.funcs.map((f) => [f.name, f.start as number, f.global]),
      [
        ['main_prog', 0, true],
        ['loop_cb', 30, false],
        ['gfunc', 37, true],
        ['helper', 40, false],
      ],
    );
    const calls = p.insns.flatMap((x, i) => (x.code === 0x85 && x.src === 1 ? [[i, i + x.imm + 1]] : []));
    assert.deepEqual(calls, [
      [24, 37],
      [27, 40],
      [37, 40],
    ]);
    const funcLoads = p.insns.flatMap((x, i) => (x.code === 0x18 && x.src === 4 ? [[i, i + x.imm + 1]] : []));
    assert.deepEqual(funcLoads, [[18, 30]], 'the callback address load is PSEUDO_FUNC and points at loop_cb');
    const ro = p.insns.findIndex((x, i) => i >= 40 && x.code === 0x18 && x.imm === 4);
    assert.ok(ro > 0, 'helper loads .rodata through its section symbol');
    assert.deepEqual([p.insns[ro]!.src, p.insns[ro + 1]!.imm], [2, 0]);
    assert.deepEqual(
      el.subprograms.map((s) => [s.name, s.global]),
      [
        ['gfunc', true],
        ['helper', false],
        ['loop_cb', false],
      ],
    );
  });

  it('gives the big-endian object the same programs, maps, globals and line info', () => {
    const strip = (o: BpfObject) => ({
      programs: o.programs,
      maps: o.maps.map((m) => ({ ...m, name: m.name.replace('mix_eb', 'mix_el'), initialValue: undefined })),
      globals: o.globals,
      subprograms: o.subprograms,
      sources: o.sources,
      license: o.license,
    });
    assert.deepEqual(strip(eb), strip(el));
  });

  it('finds source text for the C lines of every function start', () => {
    const p = el.programs.find((x) => x.name === 'main_prog')!;
    for (const f of p.funcs) {
      const l = p.lineInfo.find((x) => x.insn === f.start);
      assert.ok(l && l.text.length > 0 && l.file.endsWith('mix.c'), `${f.name} has a source line`);
    }
    assert.ok(
      [...el.sources.get(p.lineInfo[0]!.file)!.values()].some((t) => t.includes('bpf_map_lookup_elem')),
      'lookup line is in sources',
    );
  });
});
