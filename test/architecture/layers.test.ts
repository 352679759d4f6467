// The rules of the house, enforced: imports go down the layer chain only, every top-level
// folder of src/ is a known layer, layers import one another without cycles, koffi and
// Capstone are imported in src/machine/ alone, and the emulator (machine/) imports common/
// alone while engine/ composes jit + kernel + machine (ARCHITECTURE.md, docs/CONTRIBUTING.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { files, layerOf, SRC } from './srcFiles.ts';

/** Lower layers first; a file may import its own layer or any earlier one. The front ends (tui, dap, gdbstub) are peers below cli. */
const RANK: Record<string, number> = {
  common: 0,
  bpf: 1,
  object: 2,
  analysis: 3,
  jit: 4,
  kernel: 5,
  machine: 6,
  engine: 7,
  debugger: 8,
  record: 9,
  tui: 10,
  dap: 10,
  gdbstub: 10,
  cli: 11,
};

const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm)].map(
    (m) => m[1] ?? m[2]!,
  );

test('every import points to the same layer or a lower one', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = layerOf(f);
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) continue;
      const to = layerOf(resolve(dirname(f), spec));
      if (!(to in RANK) || !(from in RANK)) continue;
      // The front ends are launched by the CLI only, and never import one another.
      if (RANK[to]! === RANK.tui && RANK[from]! === RANK.tui && to !== from) bad.push(`${relative(SRC, f)} imports ${spec} (front end ${from} -> ${to})`);
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

test('jit and the front ends (tui, dap, gdbstub) never import machine or engine', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    const from = layerOf(f);
    if (!['jit', 'tui', 'dap', 'gdbstub'].includes(from)) continue;
    for (const spec of importsOf(f))
      if (spec.startsWith('.') && ['machine', 'engine'].includes(layerOf(resolve(dirname(f), spec)))) bad.push(`${relative(SRC, f)} imports ${spec}`);
  }
  assert.deepEqual(bad, []);
});

// machine/ is the emulator (Unicorn, Capstone, snapshots, stepping) and knows nothing of BPF:
// it imports common/ alone. What composes a JIT's image, the kernel model and the machine is
// engine/ (JitEngine, X86Engine, RiscvEngine, the Attacher), one layer above it.
test('machine (the emulator) imports common alone; jit and kernel meet the machine in engine', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    if (layerOf(f) !== 'machine') continue;
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) continue;
      const to = layerOf(resolve(dirname(f), spec));
      if (to !== 'machine' && to !== 'common') bad.push(`${relative(SRC, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(bad, []);
});

test('every top-level folder of src/ is a layer of the chain (a new one needs its rank here)', () => {
  const unknown = readdirSync(SRC).filter((n) => !(n in RANK));
  assert.deepEqual(unknown, [], 'add the folder to RANK (and to docs/CONTRIBUTING.md) or move its files into a layer');
});

/** Layer -> layers its files import (other than itself). */
function layerGraph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const f of files(SRC)) {
    const from = layerOf(f);
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) continue;
      const to = layerOf(resolve(dirname(f), spec));
      if (to === from) continue;
      if (!g.has(from)) g.set(from, new Set());
      g.get(from)!.add(to);
    }
  }
  return g;
}

/** One cycle of `g` as its path (first node repeated at the end), or null. */
function findCycle(g: ReadonlyMap<string, ReadonlySet<string>>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...path.slice(path.indexOf(n)), n];
    state.set(n, 'open');
    path.push(n);
    for (const m of g.get(n) ?? []) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of g.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

test('layers import one another without cycles', () => {
  assert.equal(findCycle(layerGraph())?.join(' -> ') ?? null, null);
});

test('the cycle check finds a cycle when there is one', () => {
  const g = new Map([
    ['a', new Set(['b'])],
    ['b', new Set(['c'])],
    ['c', new Set(['a'])],
  ]);
  assert.deepEqual(findCycle(g), ['a', 'b', 'c', 'a']);
  assert.equal(
    findCycle(
      new Map([
        ['a', new Set(['b'])],
        ['b', new Set<string>()],
      ]),
    ),
    null,
  );
});

/** File -> files of its own layer it imports (type-only imports and re-exports included). */
function fileGraph(): Map<string, Set<string>> {
  const g = new Map<string, Set<string>>();
  for (const f of files(SRC)) {
    const layer = layerOf(f);
    const to = new Set<string>();
    for (const spec of importsOf(f)) {
      if (!spec.startsWith('.')) continue;
      const t = resolve(dirname(f), spec);
      if (layerOf(t) === layer) to.add(relative(SRC, t));
    }
    g.set(relative(SRC, f), to);
  }
  return g;
}

test('files import one another without cycles (type-only imports count)', () => {
  const g = fileGraph();
  assert.ok(g.has('debugger/session.ts') && g.has('analysis/absint.ts'), 'every layer is checked');
  assert.equal(findCycle(g)?.join(' -> ') ?? null, null);
});

test('command handlers see the session as a CommandContext: only the session entry points import session.ts', () => {
  const allowed = new Set(['debugger/index.ts', 'debugger/openSession.ts']);
  const bad: string[] = [];
  for (const f of files(join(SRC, 'debugger')))
    for (const spec of importsOf(f))
      if (spec.startsWith('.') && relative(SRC, resolve(dirname(f), spec)) === 'debugger/session.ts' && !allowed.has(relative(SRC, f)))
        bad.push(`${relative(SRC, f)} imports ${spec} (take a CommandContext, commandContext.ts)`);
  assert.deepEqual(bad, []);
});

test('the debugger decodes machine code through its Disassembler: only its wiring imports machine/capstone.ts', () => {
  // disassembler.ts names Capstone's instruction type; jitTarget.ts hands each target the
  // Capstone Disassembler; target/launch.ts loads the wasm module before a target starts
  // (every session, recording and replay launches through it).
  const allowed = new Set(['debugger/disassembler.ts', 'debugger/target/jitTarget.ts', 'debugger/target/launch.ts']);
  const bad: string[] = [];
  for (const f of files(join(SRC, 'debugger')))
    for (const spec of importsOf(f))
      if (spec.startsWith('.') && /\/capstone\.ts$/.test(spec) && !allowed.has(relative(SRC, f)))
        bad.push(`${relative(SRC, f)} imports ${spec} (use the target's Disassembler, disassembler.ts)`);
  assert.deepEqual(bad, []);
});
