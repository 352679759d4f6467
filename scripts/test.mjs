#!/usr/bin/env node
// Runs every test file under test/ (Node 20's --test does not expand globs) with tsx.
// Extra arguments filter files by substring: `npm test -- jit` runs test files whose path has "jit".
// After the results it lists the 10 slowest files (scripts/slowestFiles.mjs).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (/\.test\.tsx?$/.test(name)) out.push(relative(root, p));
  }
  return out;
}

const files = walk(join(root, 'test')).filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('no test files match');
  process.exit(1);
}
// One node --test process; the second reporter lists the slowest files at the end.
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/slowestFiles.mjs',
  '--test-reporter-destination=stdout',
];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporters, ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FORCE_COLOR: '0' },
});
process.exit(r.status ?? 1);
