// What every accepted BpfObject promises its consumers (analysis, JIT, kernel model).
// Returns the first broken promise, or undefined. Used on fuzzed objects that loaded.
import type { BpfObject } from '../../src/object/index.ts';

export function brokenInvariant(o: BpfObject): string | undefined {
  for (const p of o.programs) {
    const n = p.insns.length;
    if (p.funcs.length === 0 || p.funcs[0]!.start !== 0 || p.funcs[0]!.name !== p.name) return `${p.name}: funcs[0] is not the entry`;
    let next = 0;
    for (const f of p.funcs) {
      if (f.start !== next || f.len <= 0) return `${p.name}: ${f.name} does not follow the previous function`;
      next = f.start + f.len;
    }
    if (next !== n) return `${p.name}: functions do not cover the program`;
    const starts = new Set(p.funcs.map((f) => f.start as number));
    for (let i = 0; i < n; i++) {
      const x = p.insns[i]!;
      if (x.code === 0x85 && x.src === 1 && !starts.has(i + x.imm + 1)) return `${p.name}: call at ${i} misses every function start`;
      if (x.code !== 0x18) continue;
      if (i + 1 >= n || p.insns[i + 1]!.code !== 0) return `${p.name}: ld_imm64 at ${i} lacks its second slot`;
      if (x.src === 4 && !starts.has(i + x.imm + 1)) return `${p.name}: function address at ${i} misses every function start`;
      if ((x.src === 1 || x.src === 2) && !(x.imm >= 0 && x.imm < o.maps.length)) return `${p.name}: map index ${x.imm} at ${i} out of range`;
      if (x.src === 2 && o.maps[x.imm]!.kind === 'user') return `${p.name}: PSEUDO_MAP_VALUE at ${i} names a BTF-defined map`;
      if (x.src !== 0 && x.src !== 1 && x.src !== 2 && x.src !== 3 && x.src !== 4) return `${p.name}: ld_imm64 at ${i} has src ${x.src}`;
      i++;
    }
    for (const l of p.lineInfo) if (l.insn < 0 || l.insn >= n) return `${p.name}: line info at ${l.insn} outside the program`;
  }
  for (const [k, m] of o.maps.entries()) {
    if (m.index !== k) return `map ${m.name}: index ${m.index} at position ${k}`;
    for (const s of m.initSlots ?? []) {
      if (s.slot < 0 || s.slot >= m.maxEntries) return `map ${m.name}: slot ${s.slot} out of range`;
      if (!o.programs.some((p) => p.name === s.prog)) return `map ${m.name}: slot ${s.slot} names unknown program ${s.prog}`;
    }
    if (m.kind !== 'user' && m.initialValue?.length !== m.valueSize) return `map ${m.name}: initial value size`;
  }
  for (const g of o.globals) {
    const m = o.maps[g.mapIndex];
    if (!m || m.section !== g.section || g.offset + g.size > m.valueSize) return `global ${g.name} outside its map`;
  }
  return undefined;
}
