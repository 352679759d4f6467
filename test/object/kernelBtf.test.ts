// The shipped kernel BTF parses with lazily decoded struct members, to the same types an
// eager parse gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { BTF_KIND, findByNameKind, parseBtf } from '../../src/object/btf.ts';
import { shippedKernelBtf } from '../../src/object/kernelBtf.ts';

test('lazily decoded members equal the eager parse (sk_buff, task_struct, bpf_array)', () => {
  const k = shippedKernelBtf();
  const eager = parseBtf(new Uint8Array(brotliDecompressSync(readFileSync(k.source))), 0, { file: k.source });
  assert.equal(k.btf.types.length, eager.types.length);
  for (const name of ['sk_buff', 'task_struct', 'bpf_array']) {
    const lazy = findByNameKind(k.btf, name, BTF_KIND.STRUCT)!;
    const full = findByNameKind(eager, name, BTF_KIND.STRUCT)!;
    assert.equal(lazy.id, full.id);
    assert.deepEqual(lazy.members, full.members, name);
  }
});
