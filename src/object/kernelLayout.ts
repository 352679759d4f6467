// Kernel struct layouts read from a kernel BTF: the byte offset of a (possibly nested)
// field, found through anonymous struct/union members as C name lookup does. For the
// offsets the JIT and the ctx rewrites hard-code (common/kernelStructs.ts) and their tests.
import { BTF_KIND, findByNameKind, skipModsAndTypedefs, type Btf, type BtfType } from './btf.ts';

function findMember(btf: Btf, t: BtfType, name: string): { bitOffset: number; type: number } | undefined {
  for (const m of t.members ?? []) {
    if (m.name === name) return { bitOffset: m.bitOffset, type: m.type };
    if (m.name === '') {
      const inner = skipModsAndTypedefs(btf, m.type);
      const r = inner && inner.members ? findMember(btf, inner, name) : undefined;
      if (r) return { bitOffset: m.bitOffset + r.bitOffset, type: r.type };
    }
  }
  return undefined;
}

/** offsetof(struct `struct`, `path`) in bytes (`path` like "map.max_entries"), or undefined. */
export function fieldOffset(btf: Btf, struct: string, path: string): number | undefined {
  let t = findByNameKind(btf, struct, BTF_KIND.STRUCT) ?? findByNameKind(btf, struct, BTF_KIND.UNION);
  let bits = 0;
  for (const name of path.split('.')) {
    if (!t) return undefined;
    const m = findMember(btf, t, name);
    if (!m) return undefined;
    bits += m.bitOffset;
    t = skipModsAndTypedefs(btf, m.type);
  }
  return bits % 8 === 0 ? bits / 8 : undefined;
}
