// Map variables in `.maps` by BTF linkage, as libbpf's bpf_object__init_user_btf_map
// takes them: global and static maps load, an extern map needs the static linker first.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadObject, ObjCode } from '../../src/object/index.ts';
import { BtfWriter } from './btfWriter.ts';
import { insnBytes, writeElf, type WSection, type WSymbol } from './elfWriter.ts';

const AX = 0x6;
const GLOBAL_FUNC = (1 << 4) | 2;
const EXIT = 0x95,
  MOV = 0xb7,
  LD_IMM64 = 0x18;
const R_BPF_64_64 = 1;

function rel(entries: [number, number, number][]): Uint8Array {
  const b = new Uint8Array(entries.length * 16);
  const dv = new DataView(b.buffer);
  entries.forEach(([off, type, sym], i) => {
    dv.setBigUint64(i * 16, BigInt(off), true);
    dv.setUint32(i * 16 + 8, type, true);
    dv.setUint32(i * 16 + 12, sym, true);
  });
  return b;
}

describe('map variables by linkage', () => {
  /** One `.maps` ARRAY map `m` whose VAR has `linkage`, used by one program. */
  const withMap = (linkage: number) => {
    const b = new BtfWriter();
    const int = b.int('int', 4, 1);
    const idx = b.int('__ARRAY_SIZE_TYPE__', 4);
    const field = (n: number) => b.ptr(b.array(int, idx, n));
    const st = b.struct('', 16, [
      { name: 'type', type: field(2), bitOffset: 0 },
      { name: 'max_entries', type: field(1), bitOffset: 64 },
    ]);
    const v = b.variable('m', st, linkage);
    b.datasec('.maps', [{ type: v, offset: 0, size: 16 }], 16);
    const code = insnBytes([
      [LD_IMM64, 1, 0, 0],
      [0, 0, 0, 0],
      [MOV, 0, 0, 0],
      [EXIT, 0, 0, 0],
    ]);
    const secs: WSection[] = [
      { name: 'xdp', type: 1, flags: AX, data: code },
      { name: '.maps', type: 1, flags: 3, data: new Uint8Array(16) },
      { name: '.relxdp', type: 9, data: rel([[0, R_BPF_64_64, 2]]), entsize: 16, info: 1, link: 6 },
      { name: '.BTF', type: 1, data: b.bytes() },
    ];
    const syms: WSymbol[] = [
      { name: 'prog', info: GLOBAL_FUNC, shndx: 1, size: code.length },
      { name: 'm', info: linkage === 0 ? 1 : (1 << 4) | 1, shndx: 2, size: 16 },
    ];
    return loadObject(writeElf(secs, syms), 'maps.o');
  };

  it('global and static maps load (libbpf accepts both)', () => {
    for (const linkage of [1, 0]) {
      const r = withMap(linkage);
      assert.ok(r.ok, r.ok ? '' : r.error.message);
      assert.deepEqual([r.value.maps[0]!.name, r.value.maps[0]!.type, r.value.maps[0]!.maxEntries], ['m', 2, 1]);
      assert.deepEqual([r.value.programs[0]!.insns[0]!.src, r.value.programs[0]!.insns[0]!.imm], [1, 0]);
    }
  });

  it('an extern map is refused, saying it needs the static linker', () => {
    const r = withMap(2);
    assert.ok(!r.ok);
    assert.equal(r.error.code, ObjCode.mapBad);
    assert.match(r.error.message, /^map 'm': extern map: link the object that defines it first/);
    assert.equal(r.error.place.section, '.maps');
  });
});
