// Every example and kernel-selftest object JITs under every profile, and Capstone decodes
// every byte of every function: no invalid instruction, no instruction straddling the end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { present } from '../support/required.ts';
import { join } from 'node:path';
import { openObject } from '../../src/cli/compose.ts';
import { jitPrograms } from '../../src/cli/jitAll.ts';
import { X86_PROFILES } from '../../src/jit/profiles.ts';
import { disasm, loadCapstone } from '../../src/machine/index.ts';

const ROOT = join(import.meta.dirname, '../..');
const SELFTESTS = join(ROOT, '../shared/testdata/kernel-selftests/obj');
const objects = [
  ...readdirSync(join(ROOT, 'examples'))
    .filter((f) => f.endsWith('.o'))
    .map((f) => join(ROOT, 'examples', f)),
  ...(present(SELFTESTS, 'kernel selftest objects')
    ? readdirSync(SELFTESTS)
        .filter((f) => f.endsWith('.o'))
        .map((f) => join(SELFTESTS, f))
    : []),
];

test('every object JITs under every x86-64 profile and disassembles cleanly', async (t) => {
  if (!existsSync(SELFTESTS)) t.diagnostic('../shared/testdata is absent: only the examples are checked');
  await loadCapstone();
  let functions = 0;
  for (const path of objects) {
    const obj = openObject(path);
    const progs = obj.programs.filter((p) => p.autoload);
    for (const profile of X86_PROFILES) {
      for (const j of jitPrograms(obj, progs, profile)) {
        j.code.forEach((code, i) => {
          const insns = disasm('x86_64', code, j.funcAddrs[i]!);
          const bad = insns.filter((x) => x.mnemonic === '(bad)');
          assert.deepEqual(
            bad.map((x) => x.addr.toString(16)),
            [],
            `${path} ${j.program.name}/${j.jit.funcs[i]!.name} under ${profile.name}`,
          );
          assert.equal(
            insns.reduce((n, x) => n + x.size, 0),
            code.length,
          );
          functions++;
        });
      }
    }
  }
  assert.ok(functions > 100, `${functions} functions checked`);
  t.diagnostic(`${functions} functions disassembled without an invalid instruction`);
});
