// Snapshot / restore of the kernel model's JavaScript-side state: what guest memory does
// not hold (the virtual clock, trace lines, timer table, hash-map key index, prog_array
// slots, the poke state machine's queues, the nondet cursor). Guest memory itself is
// handled by checkpoints.ts.
//
// The lower layers expose no save/restore of their own yet, so this walks the objects it
// is given: it records every field of each root, and the contents of the arrays, Maps,
// Sets and plain objects reachable from them (a few levels down), by reference. Restoring
// writes the same values back *into the same objects*, so identities other code holds
// (listeners, PlacedPoke references) stay valid. Class instances below the roots are kept
// by reference and not walked (programs, maps, the address space are either immutable
// during a run or roots of their own).
//
// Wanted instead (see the report): `saveState(): unknown` / `loadState(s)` on KernelModel,
// BpfMap, TimerTable and PokeStateMachine.

type Entry =
  | { kind: 'fields'; target: Record<string, unknown>; values: [string, unknown][] }
  | { kind: 'array'; target: unknown[]; values: unknown[] }
  | { kind: 'map'; target: Map<unknown, unknown>; values: [unknown, unknown][] }
  | { kind: 'set'; target: Set<unknown>; values: unknown[] };

export interface ModelState {
  readonly entries: readonly Entry[];
}

/** Fields never walked: big immutable inputs (objects, images, layouts) and the address space. */
const SKIP = new Set([
  'object',
  'objects',
  'image',
  'program',
  'programs',
  'def',
  'space',
  'placer',
  'desc',
  'loaded',
  'struct',
  'values',
  'bytes',
  'view',
  'jit',
  'kernel',
  'machine',
  'model',
  'sites',
  'outs',
  'landings',
  // The kernel struct layout (KernelLayout) and the JIT profile (JitProfile): fixed at
  // launch, and ~170 of the ~200 entries a capture made when walked (0.2-0.7 ms a checkpoint).
  'layout',
  'profile',
]);
const MAX_DEPTH = 4;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

export function captureModelState(roots: readonly object[]): ModelState {
  const entries: Entry[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || seen.has(v) || depth > MAX_DEPTH) return;
    if (v instanceof Uint8Array || ArrayBuffer.isView(v)) return;
    if (Array.isArray(v)) {
      seen.add(v);
      entries.push({ kind: 'array', target: v, values: v.slice() });
      for (const x of v) walk(x, depth + 1);
    } else if (v instanceof Map) {
      seen.add(v);
      entries.push({ kind: 'map', target: v, values: [...v.entries()] });
      for (const x of v.values()) walk(x, depth + 1);
    } else if (v instanceof Set) {
      seen.add(v);
      entries.push({ kind: 'set', target: v, values: [...v] });
    } else if (isPlain(v)) {
      seen.add(v);
      fields(v, depth);
    }
  };
  const fields = (o: Record<string, unknown>, depth: number): void => {
    const values = Object.entries(o).filter(([, x]) => typeof x !== 'function');
    entries.push({ kind: 'fields', target: o, values });
    for (const [k, x] of values) if (!SKIP.has(k)) walk(x, depth + 1);
  };
  for (const r of roots) {
    if (seen.has(r)) continue;
    if (Array.isArray(r) || r instanceof Map || r instanceof Set) walk(r, 0);
    else {
      seen.add(r);
      fields(r as Record<string, unknown>, 0);
    }
  }
  return { entries };
}

export function restoreModelState(s: ModelState): void {
  for (const e of s.entries) {
    switch (e.kind) {
      case 'fields':
        for (const [k, v] of e.values) if (e.target[k] !== v) e.target[k] = v;
        break;
      case 'array':
        e.target.length = 0;
        e.target.push(...e.values);
        break;
      case 'map':
        e.target.clear();
        for (const [k, v] of e.values) e.target.set(k, v);
        break;
      case 'set':
        e.target.clear();
        for (const v of e.values) e.target.add(v);
        break;
    }
  }
}

/** A short digest of the observable model state for state hashes (clock, trace, timers, slots). */
export function modelDigest(model: { clock: bigint; trace: readonly string[]; cpu: number }, extra: readonly unknown[]): string {
  const parts = [`clock=${model.clock}`, `cpu=${model.cpu}`, `trace=${model.trace.length}:${model.trace.at(-1) ?? ''}`];
  for (const x of extra) parts.push(JSON.stringify(x, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  return parts.join('|');
}
