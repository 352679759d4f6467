// One refused program does not sink its object: `list` names it with the reason and
// `dump --jited --json` gives it as {name, error} while the other programs are dumped,
// `?`-prefixed (no autoload) ones included (issue 13).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { haveKernelWide, kernelWideDir, skipUnless } from '../object/testdata.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const bpfdbg = (...args: string[]) => spawnSync(path.join(repoRoot, 'bin/bpfdbg'), args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 1 << 26 });
const obj = (name: string) => path.join(kernelWideDir, 'obj', name);

describe('per-program refusals', { skip: skipUnless(haveKernelWide, 'kernel-wide test data') }, () => {
  it('list shows the rejected program with its one-line reason and the others as usual', () => {
    // Two programs the kernel's verifier rejects too (the selftest marks them __failure).
    const r = bpfdbg('list', obj('verifier_basic_stack.o'));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.trimStart().startsWith('stack_out_of_bounds '));
    assert.match(
      lines[at + 1]!,
      /^ {4}rejected: .*socket\/stack_out_of_bounds insn 1 \(.*verifier_basic_stack\.c:21\): invalid write to stack R10 off=8 size=8$/,
    );
    assert.ok(
      lines.some((l) => /^ {4}main uninitialized_stack1 /.test(l)),
      'another program is listed with its subprograms',
    );
  });

  it('dump --jited --json gives {name, error} for it and functions for the others, no-autoload programs too', () => {
    const r = bpfdbg('dump', obj('verifier_basic_stack.o'), '--jited', '--json');
    assert.equal(r.status, 0, r.stderr);
    const { programs } = JSON.parse(r.stdout) as { programs: { name: string; error?: string; functions?: { name: string; bytes: string }[] }[] };
    const bad = programs.filter((p) => p.error);
    assert.deepEqual(bad.map((p) => p.name).sort(), ['misaligned_read_from_stack', 'stack_out_of_bounds']);
    assert.ok(bad.every((p) => !p.error!.includes('\n')));
    assert.equal(programs.filter((p) => p.functions?.length).length, 4, 'the others are dumped');
    const list = bpfdbg('list', obj('dynptr_success.o'));
    const noAutoload = [...list.stdout.matchAll(/^ {2}(\S+) +\[.*\(no-autoload\)/gm)].map((m) => m[1]!);
    assert.ok(noAutoload.length > 0, 'dynptr_success has ? programs');
    const dump = JSON.parse(bpfdbg('dump', obj('dynptr_success.o'), '--jited', '--json').stdout) as { programs: { name: string }[] };
    for (const n of noAutoload)
      assert.ok(
        dump.programs.some((p) => p.name === n),
        `${n} is dumped`,
      );
  });
});
