// Every bundled example, on every engine, gives the results its C source defines: the
// interpreter (the oracle) and the JITed x86-64 code under every profile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openObject, selectProgram } from '../../src/cli/compose.ts';
import { createRunner, type EngineName } from '../../src/cli/engines.ts';
import { applyMapUpdates } from '../../src/cli/loadForRun.ts';
import { X86_PROFILES } from '../../src/jit/profiles.ts';
import { EXAMPLE_CASES } from './expectations.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const ENGINES: { engine: EngineName; profile?: string }[] = [
  { engine: 'interp' },
  { engine: 'interp', profile: 'tcc-by-value' },
  ...X86_PROFILES.map((p) => ({ engine: 'x86_64' as const, profile: p.name })),
];

for (const { engine, profile } of ENGINES) {
  const label = profile ? `${engine}/${profile}` : engine;
  test(`examples on ${label}`, async (t) => {
    for (const c of EXAMPLE_CASES) {
      await t.test(c.name, async () => {
        const obj = openObject(join(EXAMPLES, c.object));
        const runner = await createRunner(obj, selectProgram(obj, c.prog), engine, profile);
        try {
          applyMapUpdates(runner, c.mapUpdates ?? []);
          const res = runner.testRun({ data: c.data ?? new Uint8Array(0) });
          assert.equal(res.error, undefined);
          assert.equal(res.retval, c.retval);
          if (c.tailCalls !== undefined) assert.equal(res.tailCalls, c.tailCalls);
          for (const [name, want] of Object.entries(c.globals ?? {})) {
            const got = runner.model.readGlobalInt(name, runner.loaded.name);
            assert.ok(got.ok, name);
            assert.equal(got.value, want, name);
          }
        } finally {
          runner.dispose();
        }
      });
    }
  });
}
