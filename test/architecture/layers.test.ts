// The rules of the house, enforced: imports go down the layer chain only, and koffi and
// Capstone are imported in src/machine/ alone (ARCHITECTURE.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = join(import.meta.dirname, '../../src');
/** Lower layers first; a file may import its own layer or any earlier one. The front ends (tui, dap, gdbstub) are peers below cli. */
const RANK: Record<string, number> = {
  common: 0, bpf: 1, object: 2, analysis: 3, jit: 4, kernel: 5, machine: 6, debugger: 7, record: 8, tui: 9, dap: 9, gdbstub: 9, cli: 10,
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(n) ? [p] : [];
  });
}

const layerOf = (file: string): string => relative(SRC, file).split('/')[0]!;
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map((m) => m[1] ?? m[2]!);

test('every import points to the same layer or a lower one', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = layerOf(f);
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) continue;
      const to = layerOf(resolve(dirname(f), spec));
      if (!(to in RANK) || !(from in RANK)) continue;
      // The front ends are launched by the CLI only, and never import one another.
      if (RANK[to]! === 9 && RANK[from]! === 9 && to !== from) bad.push(`${relative(SRC, f)} imports ${spec} (front end ${from} -> ${to})`);
      if (RANK[to]! > RANK[from]!) bad.push(`${relative(SRC, f)} imports ${spec} (${from} -> ${to})`);
    }
  }
  assert.deepEqual(bad, []);
});

test('koffi and Capstone are imported only in src/machine', () => {
  const bad: string[] = [];
  for (const f of files(SRC))
    for (const spec of importsOf(f))
      if ((spec === 'koffi' || spec.startsWith('@alexaltea/capstone')) && layerOf(f) !== 'machine') bad.push(`${relative(SRC, f)} imports ${spec}`);
  assert.deepEqual(bad, []);
});

test('jit and the front ends (tui, dap, gdbstub) never import machine', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = layerOf(f);
    if (!['jit', 'tui', 'dap', 'gdbstub'].includes(from)) continue;
    for (const spec of importsOf(f)) if (spec.startsWith('.') && layerOf(resolve(dirname(f), spec)) === 'machine') bad.push(`${relative(SRC, f)} imports ${spec}`);
  }
  assert.deepEqual(bad, []);
});
