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
    const r = bpfdbg('list', obj('verifier_spill_fill.o'));
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.trimStart().startsWith('scalar_offset_to_skb_data_2 '));
    assert.match(lines[at + 1]!, /^ {4}rejected: .*tc\/scalar_offset_to_skb_data_2 insn 2 \(.*verifier_spill_fill\.c:\d+\): bpfdbg does not model the __sk_buff field tstamp$/);
    assert.ok(lines.some((l) => /^ {4}main and_then_at_fp_8 /.test(l)), 'another program is listed with its subprograms');
  });

  it('dump --jited --json gives {name, error} for it and functions for the others, no-autoload programs too', () => {
    const r = bpfdbg('dump', obj('verifier_spill_fill.o'), '--jited', '--json');
    assert.equal(r.status, 0, r.stderr);
    const { programs } = JSON.parse(r.stdout) as { programs: { name: string; error?: string; functions?: { name: string; bytes: string }[] }[] };
    const bad = programs.filter((p) => p.error);
    assert.deepEqual(bad.map((p) => p.name), ['scalar_offset_to_skb_data_2']);
    assert.ok(!bad[0]!.error!.includes('\n'));
    assert.ok(programs.filter((p) => p.functions?.length).length > 30, 'the others are dumped');
    const list = bpfdbg('list', obj('dynptr_success.o'));
    const noAutoload = [...list.stdout.matchAll(/^ {2}(\S+) +\[.*\(no-autoload\)/gm)].map((m) => m[1]!);
    assert.ok(noAutoload.length > 0, 'dynptr_success has ? programs');
    const dump = JSON.parse(bpfdbg('dump', obj('dynptr_success.o'), '--jited', '--json').stdout) as { programs: { name: string }[] };
    for (const n of noAutoload) assert.ok(dump.programs.some((p) => p.name === n), `${n} is dumped`);
  });
});
