// Compares what `bpfdbg dump OBJ --jited --json` gives with the real kernel's JIT bytes for
// every object of ../shared/testdata/kernel-wide (or a folder given with --dir), function by
// function, masking only address fields, found by decoding each kernel instruction
// (test/support/fidelityCompare.ts). Runs in one process (test/support/kernelWide.ts).
//
//   node --import tsx scripts/fidelity.ts [--profile P] [--dir D] [--only SUBSTR] [--verbose] [--json OUT]
//
// Prints the objects `bpfdbg list` refuses, each mismatching function with the first
// differing instruction on both sides, and a summary line. docs/fidelity.md explains it.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BpfdbgError, formatDiag } from '../src/common/diag.ts';
import { requireProfile } from '../src/cli/jitAll.ts';
import { identicalCount, measureCorpus } from '../test/support/kernelWide.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = path.resolve(opt('--dir') ?? path.join(repo, '../shared/testdata/kernel-wide'));
const verbose = args.includes('--verbose');
const jsonOut = opt('--json');

if (!existsSync(path.join(dir, 'kernel_jited.json'))) {
  console.error(`fidelity: ${path.join(dir, 'kernel_jited.json')} is absent`);
  process.exit(2);
}
let profile;
try {
  profile = requireProfile('x86_64', opt('--profile'));
} catch (e) {
  console.error(`fidelity: ${e instanceof BpfdbgError ? formatDiag(e.diag) : String(e)}`);
  process.exit(2);
}
const r = measureCorpus(dir, profile, opt('--only'));
for (const l of r.listFailures) console.log(`list fails: ${l.obj}: ${l.message}`);
for (const o of r.outcomes) {
  if (o.identical) continue;
  console.log(`${o.obj} ${o.prog}#${o.index}${o.name ? ` (${o.name})` : ''}: ${o.cause}`);
  if (verbose && o.detail) console.log(o.detail.replace(/^/gm, '    '));
}
const same = identicalCount(r);
console.log(`profile: ${profile.name}`);
console.log(`objects: ${r.objects.length}, list failures: ${r.listFailures.length}`);
console.log(`functions identical: ${same} of ${r.outcomes.length} (${((100 * same) / Math.max(1, r.outcomes.length)).toFixed(1)}%)`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ profile: profile.name, listFailures: r.listFailures, outcomes: r.outcomes }, null, 1));
