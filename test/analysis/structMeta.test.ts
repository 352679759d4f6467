// btf_parse_struct_metas (v6.18): only a struct with a member whose type is one of the
// special structs (by id, no typedef followed) gets a btf_struct_meta; fixup_kfunc_call
// loads NULL for the others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasStructMeta } from '../../src/analysis/structMeta.ts';
import { BTF_KIND, type Btf, type BtfType } from '../../src/object/btf.ts';

const t = (id: number, kind: number, name: string, size: number, members: [string, number][] = []): BtfType => ({
  id,
  kind,
  name,
  vlen: members.length,
  kflag: false,
  sizeOrType: size,
  members: members.map(([n, type], k) => ({ name: n, type, bitOffset: k * 64, bitSize: 0 })),
});

const btf: Btf = {
  le: true,
  strings: new Uint8Array(),
  strFileOff: 0,
  types: [
    t(0, 0, '', 0),
    t(1, BTF_KIND.INT, 'long', 8),
    t(2, BTF_KIND.STRUCT, 'bpf_refcount', 4),
    t(3, BTF_KIND.STRUCT, 'node', 16, [
      ['key', 1],
      ['ref', 2],
    ]),
    t(4, BTF_KIND.STRUCT, 'plain', 16, [
      ['a', 1],
      ['b', 1],
    ]),
    t(5, BTF_KIND.TYPEDEF, 'refcount_t', 2),
    t(6, BTF_KIND.STRUCT, 'through_typedef', 16, [
      ['key', 1],
      ['ref', 5],
    ]),
  ],
};

test('a struct holding a bpf_refcount has a meta; a plain one has none', () => {
  assert.equal(hasStructMeta(btf, 3), true);
  assert.equal(hasStructMeta(btf, 4), false);
});

test('a special struct reached through a typedef does not count (the kernel compares member type ids)', () => {
  assert.equal(hasStructMeta(btf, 6), false);
});

test('a non-struct id has no meta', () => {
  assert.equal(hasStructMeta(btf, 1), false);
  assert.equal(hasStructMeta(btf, 99), false);
});
