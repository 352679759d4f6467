// Deterministic loader fuzzing: >= 10,000 mutated selftest objects, each must load or be
// rejected with a Diag that names the file; no exception may escape, none may be an
// internal error, and every accepted object must keep the BpfObject invariants.
// bench/fuzz-loader.ts runs the same mutator for millions of files.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadObject, ObjCode } from '../../src/object/index.ts';
import { brokenInvariant } from './invariants.ts';
import { layoutOf, mutate } from './mutate.ts';
import { fuzzCorpusPaths, haveTestdata, readBytes, SKIP_REASON } from './testdata.ts';

const SEED = 20261122;
const PER_OBJECT = 420; // x 24 objects = 10,080 files

describe('loader fuzzing', { skip: haveTestdata ? false : SKIP_REASON }, () => {
  it(`loads or rejects with a Diag every one of ${PER_OBJECT} mutations of each test object`, () => {
    const counts = new Map<string, number>();
    let files = 0;
    for (const p of fuzzCorpusPaths()) {
      const layout = layoutOf(readBytes(p));
      for (let i = 0; i < PER_OBJECT; i++) {
        const bytes = mutate(layout, SEED, files);
        let r;
        try {
          r = loadObject(bytes, 'fuzz.o');
        } catch (e) {
          assert.fail(`seed ${SEED} index ${files} (${p}): loadObject threw ${String(e)}`);
        }
        files++;
        const code = r.ok ? 'ok' : r.error.code;
        counts.set(code, (counts.get(code) ?? 0) + 1);
        if (r.ok) {
          const broken = brokenInvariant(r.value);
          assert.equal(broken, undefined, `seed ${SEED} index ${files - 1} (${p}) loaded but ${broken}`);
        } else {
          assert.notEqual(r.error.code, ObjCode.internal, `seed ${SEED} index ${files - 1} (${p}): ${r.error.message}`);
          assert.equal(r.error.place.file, 'fuzz.o', `index ${files - 1}: place names the file`);
          assert.ok(r.error.message.length > 0 && !r.error.message.includes('\n'), `index ${files - 1}: one-line message`);
        }
      }
    }
    assert.ok(files >= 10_000, `ran ${files} files`);
    // The mutator must reach past the ELF header: both outcomes and several reject codes occur.
    assert.ok((counts.get('ok') ?? 0) > 0, 'some mutations still load');
    assert.ok(counts.size > 10, `rejections spread over codes: ${[...counts.keys()].join(', ')}`);
  });
});
