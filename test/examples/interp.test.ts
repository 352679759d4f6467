// Every bundled example runs on the reference interpreter with the results its C source defines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openObject, selectProgram } from '../../src/cli/compose.ts';
import { applyMapUpdates, loadForRun } from '../../src/cli/loadForRun.ts';
import { testRun } from '../../src/kernel/index.ts';
import { EXAMPLE_CASES } from './expectations.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');

for (const c of EXAMPLE_CASES) {
  test(`interp: ${c.name}`, () => {
    const obj = openObject(join(EXAMPLES, c.object));
    const run = loadForRun(obj, selectProgram(obj, c.prog), { privStack: 'adaptive' });
    applyMapUpdates(run, c.mapUpdates ?? []);
    const res = testRun(run.model, run.entry, { data: c.data ?? new Uint8Array(0) });
    assert.equal(res.error, undefined);
    assert.equal(res.retval, c.retval);
    if (c.tailCalls !== undefined) assert.equal(res.tailCalls, c.tailCalls);
    for (const [name, want] of Object.entries(c.globals ?? {})) {
      const got = run.model.readGlobalInt(name, run.loaded.name);
      assert.ok(got.ok, name);
      assert.equal(got.value, want, name);
    }
  });
}
