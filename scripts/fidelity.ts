// Compares `bpfdbg dump OBJ --jited --json` with the real kernel's JIT bytes for every object
// of ../shared/testdata/kernel-wide (or a folder given with --dir), function by function,
// masking only address fields, found by decoding each kernel instruction (see addressMask.ts).
//
//   node --import tsx scripts/fidelity.ts [--profile P] [--dir D] [--only SUBSTR] [--verbose] [--json OUT]
//
// Prints the objects `bpfdbg list` refuses, each mismatching function with the first
// differing instruction on both sides, and a summary line.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareFunction, type FuncOutcome } from './fidelity/compare.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dir = path.resolve(opt('--dir') ?? path.join(repo, '../shared/testdata/kernel-wide'));
const profile = opt('--profile');
const only = opt('--only');
const verbose = args.includes('--verbose');
const jsonOut = opt('--json');

interface KernelProg { funcs: { len: number; ksym: string }[]; bytes: string }
const kernelPath = path.join(dir, 'kernel_jited.json');
if (!existsSync(kernelPath)) {
  console.error(`fidelity: ${kernelPath} is absent`);
  process.exit(2);
}
const kernel = JSON.parse(readFileSync(kernelPath, 'utf8')) as { objects: Record<string, Record<string, KernelProg>> };
const bin = path.join(repo, 'bin/bpfdbg');

const listFailures: string[] = [];
const outcomes: (FuncOutcome & { obj: string; prog: string; index: number })[] = [];
const objects = Object.keys(kernel.objects).filter((o) => !only || o.includes(only)).sort();
for (const obj of objects) {
  const file = path.join(dir, 'obj', obj);
  const list = spawnSync(bin, ['list', file], { encoding: 'utf8' });
  if (list.status !== 0) listFailures.push(`${obj}: ${(list.stderr || list.stdout).trim().split('\n')[0]}`);
  const dumpArgs = ['dump', file, '--jited', '--json', ...(profile ? ['--profile', profile] : [])];
  const dump = spawnSync(bin, dumpArgs, { encoding: 'utf8', maxBuffer: 1 << 28 });
  let ours: { programs: { name: string; error?: string; functions: { name: string; bytes: string }[] }[] } | undefined;
  let dumpError = '';
  if (dump.status === 0) ours = JSON.parse(dump.stdout);
  else dumpError = (dump.stderr || dump.stdout).trim().split('\n')[0] ?? 'dump failed';
  for (const [prog, k] of Object.entries(kernel.objects[obj]!)) {
    const all = Buffer.from(k.bytes, 'hex');
    const mine = ours?.programs.find((p) => p.name === prog);
    let off = 0;
    k.funcs.forEach((f, index) => {
      const kb = all.subarray(off, (off += f.len));
      const base = { obj, prog, index };
      if (!ours) return outcomes.push({ ...base, identical: false, cause: `dump: ${dumpError}` });
      if (!mine) return outcomes.push({ ...base, identical: false, cause: 'program missing from dump' });
      if (mine.error) return outcomes.push({ ...base, identical: false, cause: `program: ${mine.error}` });
      const fn = mine.functions[index];
      if (!fn) return outcomes.push({ ...base, identical: false, cause: `we produced ${mine.functions.length} functions` });
      outcomes.push({ ...base, ...compareFunction(Buffer.from(fn.bytes, 'hex'), kb), name: fn.name });
    });
  }
}

for (const l of listFailures) console.log(`list fails: ${l}`);
for (const o of outcomes) {
  if (o.identical) continue;
  console.log(`${o.obj} ${o.prog}#${o.index}${o.name ? ` (${o.name})` : ''}: ${o.cause}`);
  if (verbose && o.detail) console.log(o.detail.replace(/^/gm, '    '));
}
const same = outcomes.filter((o) => o.identical).length;
console.log(`objects: ${objects.length}, list failures: ${listFailures.length}`);
console.log(`functions identical: ${same} of ${outcomes.length} (${((100 * same) / Math.max(1, outcomes.length)).toFixed(1)}%)`);
if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ listFailures, outcomes }, null, 1));
