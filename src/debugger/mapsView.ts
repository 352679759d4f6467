// View.maps: every map of the object; prog_arrays as slots, arrays as every entry (zero
// ones too), global data maps split into their variables, hashes as their entries (bounded).
import { mapTypeName } from '../object/types.ts';
import { ProgArrayMap, ArrayMap, keyBytes, type KernelProgram, type BpfMap } from '../kernel/index.ts';
import type { MapEntry, MapView } from './view.ts';
import { hexBytes } from '../common/hex.ts';

/** How the view names a map and the programs in prog_array slots (objects.ts's display names). */
export interface MapNames {
  map(m: BpfMap): string;
  object(m: BpfMap): string | undefined;
  prog(p: KernelProgram): string;
  /** The variables a global data map holds (offset and size in its value). */
  vars?(m: BpfMap): readonly { name: string; offset: number; size: number }[];
}

const plain: MapNames = { map: (m) => m.name, object: () => undefined, prog: (p) => p.name };

const MAX_ENTRIES_SHOWN = 16;

const leNum = (b: Uint8Array): string | null => ([1, 2, 4, 8].includes(b.length) ? b.reduceRight((v, x) => (v << 8n) | BigInt(x), 0n).toString() : null);

export function buildMaps(maps: readonly (BpfMap | undefined)[], prev: readonly MapView[], names: MapNames = plain): MapView[] {
  const out: MapView[] = [];
  for (const m of maps) {
    if (!m) continue;
    const d = m.def;
    const name = names.map(m);
    const object = names.object(m);
    const before = prev.find((p) => p.index === d.index && p.name === name);
    const base = {
      index: d.index,
      name,
      ...(object !== undefined ? { object } : {}),
      type: mapTypeName(d.type),
      keySize: d.keySize,
      valueSize: d.valueSize,
      maxEntries: d.maxEntries,
    };
    if (m instanceof ProgArrayMap) {
      const pa = m as ProgArrayMap<KernelProgram>;
      const progSlots = Array.from({ length: d.maxEntries }, (_, key) => {
        const slot = pa.get(key);
        const program = slot ? names.prog(slot) : null;
        const was = before?.progSlots?.[key]?.program;
        return { key, program, changed: before !== undefined && was !== program };
      });
      out.push({ ...base, progSlots, entries: null, totalEntries: progSlots.filter((s) => s.program).length, truncated: false });
      continue;
    }
    const entries: MapEntry[] = [];
    let total = 0;
    // Every element of an array exists: its first entries are its first keys, and listing
    // all keys of a 3M-entry array to count them cost seconds per View (bench/record.ts).
    const keys = m instanceof ArrayMap ? Array.from({ length: Math.min(d.maxEntries, MAX_ENTRIES_SHOWN) }, (_, i) => keyBytes(i)) : m.keys();
    if (m instanceof ArrayMap) total = d.maxEntries - keys.length;
    const vs = m instanceof ArrayMap ? (names.vars?.(m) ?? []) : [];
    for (const k of keys) {
      const v = m.lookupValue(k);
      if (!v) continue;
      total++;
      if (entries.length >= MAX_ENTRIES_SHOWN) continue;
      const key = hexBytes(k);
      const value = hexBytes(v);
      const was = before?.entries?.find((e) => e.key === key);
      const vars = vs.map((g) => {
        const b = v.subarray(g.offset, g.offset + g.size);
        const n = leNum(b);
        return { name: g.name, type: n !== null ? `u${g.size * 8}` : `u8[${g.size}]`, value: n ?? hexBytes(b) };
      });
      entries.push({
        key,
        value,
        keyNum: leNum(k),
        valueNum: vars.length ? null : leNum(v),
        changed: before !== undefined && was?.value !== value,
        ...(vars.length ? { vars } : {}),
      });
    }
    out.push({ ...base, progSlots: null, entries, totalEntries: total, truncated: total > entries.length });
  }
  return out;
}
