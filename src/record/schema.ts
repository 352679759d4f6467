// The JSON shapes of a recording's sections as checkable schemas. A recording's hashes
// only prove it was not damaged, not that its writer was bpfdbg: every field a replay
// reads is checked here for type and range before anything trusts it, and the first
// problem is named by its field path (`options.cpu: expected an integer in 0..1`).
import { NR_CPUS } from '../common/layout.ts';
import { ENGINE_IDS } from './format.ts';

/** Returns why `v` does not fit, naming the field, or undefined when it fits. */
export type Schema = (v: unknown, path: string) => string | undefined;

const at = (path: string, why: string): string => `${path || 'value'}: ${why}`;
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}…` : s;
};

export const str: Schema = (v, p) => (typeof v === 'string' ? undefined : at(p, `expected a string, got ${show(v)}`));
export const bool: Schema = (v, p) => (typeof v === 'boolean' ? undefined : at(p, `expected true or false, got ${show(v)}`));
export const int =
  (min: number, max = Number.MAX_SAFE_INTEGER): Schema =>
  (v, p) =>
    Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? undefined : at(p, `expected an integer in ${min}..${max}, got ${show(v)}`);
export const pattern =
  (re: RegExp, what: string): Schema =>
  (v, p) =>
    typeof v === 'string' && re.test(v) ? undefined : at(p, `expected ${what}, got ${show(v)}`);
export const literal =
  <T extends string | number>(...vals: T[]): Schema =>
  (v, p) =>
    vals.includes(v as T) ? undefined : at(p, `expected ${vals.map((x) => show(x)).join(' or ')}, got ${show(v)}`);
export const nullable =
  (s: Schema): Schema =>
  (v, p) =>
    v === null ? undefined : s(v, p);
export const arr =
  (item: Schema, max = Number.MAX_SAFE_INTEGER): Schema =>
  (v, p) => {
    if (!Array.isArray(v)) return at(p, `expected a list, got ${show(v)}`);
    if (v.length > max) return at(p, `more than ${max} entries`);
    for (let k = 0; k < v.length; k++) {
      const e = item(v[k], `${p}[${k}]`);
      if (e) return e;
    }
    return undefined;
  };
/** An object with these fields (`?` suffix: optional); other fields are ignored. */
export const obj =
  (fields: Record<string, Schema>): Schema =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return at(p, `expected an object, got ${show(v)}`);
    const o = v as Record<string, unknown>;
    for (const [key, s] of Object.entries(fields)) {
      const opt = key.endsWith('?');
      const name = opt ? key.slice(0, -1) : key;
      const fp = p ? `${p}.${name}` : name;
      if (!Object.hasOwn(o, name) || o[name] === undefined) {
        if (opt) continue;
        return at(fp, 'missing');
      }
      const e = s(o[name], fp);
      if (e) return e;
    }
    return undefined;
  };
/** One of several object shapes told apart by a tag field. */
export const tagged =
  (tag: string, shapes: Record<string, Schema>): Schema =>
  (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return at(p, `expected an object, got ${show(v)}`);
    const t = (v as Record<string, unknown>)[tag];
    const s = typeof t === 'string' && Object.hasOwn(shapes, t) ? shapes[t] : undefined;
    if (!s)
      return at(
        p ? `${p}.${tag}` : tag,
        `expected ${Object.keys(shapes)
          .map((x) => `'${x}'`)
          .join(', ')}, got ${show(t)}`,
      );
    return s(v, p);
  };
export const either =
  (what: string, ...alts: Schema[]): Schema =>
  (v, p) => {
    return alts.some((s) => s(v, p) === undefined) ? undefined : at(p, `expected ${what}, got ${show(v)}`);
  };

/** sha256 in hex. */
const sha = pattern(/^[0-9a-f]{64}$/, 'a sha256 in hex');
/** A state hash (sha256 hex; compared, never decoded), '' when there was no checkpoint. */
const stateHash = pattern(/^[0-9a-f]{0,64}$/, 'a state hash in hex');
const hexBytes = pattern(/^(?:[0-9a-fA-F]{2})*$/, 'bytes in hex');
const u64Dec = (v: unknown, p: string): string | undefined =>
  typeof v === 'string' && /^\d{1,20}$/.test(v) && BigInt(v) < 1n << 64n ? undefined : at(p, `expected a decimal u64 string, got ${show(v)}`);
const count = int(0);
const u32 = int(0, 0xffff_ffff);

const targetRef = obj({ prog: str, func: str });
const setupStep = tagged('op', {
  load: obj({
    file: str,
    'name?': str,
    'programs?': arr(str),
    'targets?': arr(obj({ prog: str, target: targetRef })),
    'reuse?': arr(obj({ map: str, path: str })),
    'attach?': either("a list of programs or 'all'", arr(str), literal('all')),
  }),
  attach: obj({ prog: str, 'target?': targetRef }),
  detach: obj({ 'prog?': str, 'link?': count }),
  mapUpdate: obj({ map: str, key: u32, prog: str }),
  pin: obj({ map: str, path: str }),
  unpin: obj({ path: str }),
  unload: obj({ object: str }),
});

export const metaSchema: Schema = obj({
  format: literal('bpfrec'),
  version: int(1),
  engine: str,
  createdAt: str,
  object: obj({ name: str, path: str, size: count, sha256: sha }),
  objects: arr(either('{path, size, sha256} or {path, error}', obj({ path: str, size: count, sha256: sha }), obj({ path: str, error: str }))),
  options: obj({
    prog: nullable(str),
    arch: literal(...(Object.keys(ENGINE_IDS) as (keyof typeof ENGINE_IDS)[])),
    profile: str,
    mapUpdates: arr(obj({ map: str, key: u32, prog: str })),
    setup: arr(setupStep),
    clockStart: u64Dec,
    cpu: int(0, NR_CPUS - 1),
  }),
  // A checkpoint every N instructions: 0 or less would never advance.
  checkpointInterval: int(1),
});

export const inputSchema: Schema = obj({ data: nullable(hexBytes), ctx: nullable(hexBytes) });

export const eventSchema: Schema = tagged('t', {
  cmd: obj({ n: count, at: count, text: str, ok: bool, after: count, hash: stateHash }),
  nondet: obj({ at: count, kind: literal('ktime', 'prandom', 'cpu'), value: u64Dec }),
  map: obj({ at: count, op: literal('update', 'delete'), map: str, key: hexBytes, value: nullable(hexBytes) }),
});

export const checkpointsSchema: Schema = arr(obj({ n: count, at: count, cause: str, hash: stateHash }));

export const finalSchema: Schema = obj({ at: count, hash: stateHash, commands: count });
