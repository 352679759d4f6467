// Every bundled example, on every engine, gives the results its C source defines: the
// interpreter (the oracle) and the JITed x86-64 and RISC-V 64 code under every profile.
// Where a profile's kernel rejects an example (riscv64 upstream: bpf2bpf calls mixed with
// tail calls), the rejection and its reason are what is checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { openObject, selectProgram } from '../../src/cli/compose.ts';
import { createRunner, type EngineName } from '../../src/cli/engines.ts';
import { applyMapUpdates } from '../../src/cli/mapUpdates.ts';
import { X86_PROFILES } from '../../src/jit/profiles.ts';
import { RV_PROFILES } from '../../src/jit/riscv64/index.ts';
import { BpfdbgError } from '../../src/common/diag.ts';
import { EXAMPLE_CASES } from './expectations.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const ENGINES: { engine: EngineName; profile?: string }[] = [
  { engine: 'interp' },
  { engine: 'interp', profile: 'tcc-by-value' },
  ...X86_PROFILES.map((p) => ({ engine: 'x86_64' as const, profile: p.name })),
  ...RV_PROFILES.map((p) => ({ engine: 'riscv64' as const, profile: p.name })),
];

/** Examples a profile's verifier rejects, with the reason it must give. */
const REJECTED: Record<string, { objects: string[]; code: string; message: RegExp }> = {
  'riscv64/upstream': {
    objects: ['subprog_tail.o'],
    code: 'verifier.tail-call-with-bpf2bpf',
    message: /tail_calls are not allowed in programs with bpf-to-bpf calls/,
  },
};

for (const { engine, profile } of ENGINES) {
  const label = profile ? `${engine}/${profile}` : engine;
  test(`examples on ${label}`, async (t) => {
    for (const c of EXAMPLE_CASES) {
      await t.test(c.name, async () => {
        const obj = openObject(join(EXAMPLES, c.object));
        const rejected = REJECTED[label];
        if (rejected?.objects.includes(c.object)) {
          await assert.rejects(createRunner(obj, selectProgram(obj, c.prog), engine, profile), (e: unknown) => {
            assert.ok(e instanceof BpfdbgError);
            assert.equal(e.diag.code, rejected.code);
            assert.match(e.diag.message, rejected.message);
            return true;
          });
          return;
        }
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
