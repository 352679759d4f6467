// Structured mutations of a recording: change the decoded JSON (a field's value, type or
// presence, an array entry, a whole section), then encode it again with valid hashes, so
// the mutation reaches the schema checks and the replay instead of the checksum check.
// Deterministic in (seed, index): a failure names the pair that reproduces it.
import { encodeRecording, type Recording } from '../../src/record/index.ts';
import { prng as rng } from '../support/prng.ts';

type J = unknown;

/** Values that broke or could break a reader trusting types and ranges. */
const HOSTILE: readonly J[] = [
  null,
  true,
  false,
  0,
  -1,
  -5,
  1,
  2 ** 31,
  2 ** 32,
  2 ** 40,
  2 ** 53,
  -(2 ** 53),
  1.5,
  1e308,
  '',
  'abc',
  '-1',
  '0',
  '1e309',
  '18446744073709551616',
  '99999999999999999999999',
  'ff',
  'zz',
  'x86_64',
  'riscv64',
  'load',
  'cmd',
  'nondet',
  'map',
  [],
  [null],
  [{}],
  {},
  { at: 0 },
  { ctx: 5 },
  { hash: 3 },
  'a'.repeat(1000),
];

interface Parts {
  meta: J;
  input: J;
  events: J[];
  checkpoints: J;
  final: J;
}

function paths(v: J, prefix: (string | number)[], out: (string | number)[][]): void {
  out.push(prefix);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...prefix, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...prefix, k], out);
}

function setAt(root: Record<string, J>, path: (string | number)[], f: (old: J) => J | typeof DELETE): void {
  let o: J = root;
  for (let k = 0; k < path.length - 1; k++) o = (o as Record<string | number, J>)[path[k]!];
  const key = path.at(-1)!;
  const holder = o as Record<string | number, J>;
  const nv = f(holder[key]);
  if (nv === DELETE) {
    if (Array.isArray(holder)) holder.splice(Number(key), 1);
    else delete holder[key];
  } else holder[key] = nv;
}
const DELETE = Symbol('delete');

/** The (seed, index)th mutation of `base`, encoded. */
export function mutateRecording(base: Recording, seed: number, index: number): Uint8Array {
  const r = rng((seed * 0x9e3779b1) ^ (index * 0x85ebca6b));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const parts: Parts = structuredClone({ meta: base.meta, input: base.input, events: base.events, checkpoints: base.checkpoints, final: base.final }) as Parts;
  const root = parts as unknown as Record<string, J>;
  const n = 1 + Math.floor(r() * 3);
  for (let m = 0; m < n; m++) {
    const all: (string | number)[][] = [];
    paths(root, [], all);
    const targets = all.filter((p) => p.length >= 1 && !(p.length === 1 && p[0] === 'events'));
    const path = pick(targets);
    const kind = r();
    setAt(root, path, (old) => {
      if (kind < 0.45) return structuredClone(pick(HOSTILE)); // a copy: later mutations must not edit the pool
      if (kind < 0.55) return DELETE;
      if (kind < 0.75 && typeof old === 'number') return pick([old + 1, old - 1, -old, old * 2 ** 20, old + 0.5, String(old)]);
      if (kind < 0.85 && typeof old === 'string') return pick([old + 'x', old.slice(1), old.toUpperCase(), Number(old), '']);
      if (kind < 0.95 && Array.isArray(old) && old.length) return [...old, ...old.slice(0, 1)].reverse();
      return structuredClone(pick(all.length ? [old, null, {}] : [null]));
    });
  }
  const rec = { ...base, ...parts, events: Array.isArray(parts.events) ? parts.events : [parts.events] } as unknown as Recording;
  return encodeRecording(rec);
}
