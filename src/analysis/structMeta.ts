// What fixup_kfunc_call (v6.18) needs to know about a program's allocated objects
// (bpf_obj_new and the graph kfuncs): the object's size, its btf_struct_meta, and where a
// graph node sits inside it.
//  - btf_parse_struct_metas: a struct of the program's BTF gets a meta when one of its
//    members' type is (by id) one of the structs bpf_spin_lock, bpf_res_spin_lock,
//    bpf_list_head, bpf_list_node, bpf_rb_root, bpf_rb_node or bpf_refcount; other
//    structs have none (the rewrite loads NULL).
//  - A graph root (bpf_list_head / bpf_rb_root) names the type and node field it holds
//    with the decl tag `contains:TYPE:FIELD` (`__contains(TYPE, FIELD)`), on the global
//    variable that is the root or on the struct member that is.
import { STRUCT_META_BASE, STRUCT_META_STRIDE } from '../common/layout.ts';
import { BTF_KIND, skipModsAndTypedefs, type Btf, type BtfType } from '../object/btf.ts';
import type { BpfObject } from '../object/types.ts';

const META_FIELDS = ['bpf_spin_lock', 'bpf_res_spin_lock', 'bpf_list_head', 'bpf_list_node', 'bpf_rb_root', 'bpf_rb_node', 'bpf_refcount'];

/** Model address of the btf_struct_meta of program BTF struct `typeId` (the kernel's is kmalloc'ed). */
export const structMetaAddr = (typeId: number): bigint => STRUCT_META_BASE + BigInt(typeId) * STRUCT_META_STRIDE;

/** Whether struct `typeId` of the object's BTF has a btf_struct_meta. */
export function hasStructMeta(btf: Btf, typeId: number): boolean {
  const t = btf.types[typeId];
  if (!t || t.kind !== BTF_KIND.STRUCT) return false;
  const special = new Set(btf.types.filter((x) => x.kind === BTF_KIND.STRUCT && META_FIELDS.includes(x.name)).map((x) => x.id));
  return (t.members ?? []).some((m) => special.has(m.type));
}

/** The node type and the byte offset of its node field a graph root holds. */
export interface GraphNode {
  typeId: number;
  nodeOff: number;
}

/** The `contains:` target of decl tags on `id` (component -1) or on its member `member`. */
function containsTag(btf: Btf, id: number, member: number): GraphNode | undefined {
  const tag = btf.types.find((t) => t.kind === BTF_KIND.DECL_TAG && t.sizeOrType === id && t.componentIdx === member && t.name.startsWith('contains:'));
  if (!tag) return undefined;
  const [, typeName, field] = tag.name.split(':');
  const type = btf.types.find((t) => t.kind === BTF_KIND.STRUCT && t.name === typeName);
  const m = type?.members?.find((x) => x.name === field);
  return type && m ? { typeId: type.id, nodeOff: m.bitOffset / 8 } : undefined;
}

/** The graph node a root at byte `off` of global-data map `mapIndex` holds. */
export function rootInGlobal(obj: BpfObject, mapIndex: number, off: number): GraphNode | undefined {
  const btf = obj.btf;
  const section = obj.maps[mapIndex]?.section;
  if (!btf || !section) return undefined;
  const sec = btf.types.find((t) => t.kind === BTF_KIND.DATASEC && t.name === section);
  for (const v of sec?.vars ?? []) {
    if (off < v.offset || off >= v.offset + v.size) continue;
    const varType = btf.types[v.type]!;
    if (v.offset === off) {
      const direct = containsTag(btf, varType.id, -1);
      if (direct) return direct;
    }
    const st: BtfType | undefined = skipModsAndTypedefs(btf, varType.sizeOrType);
    const k = st?.members?.findIndex((m) => v.offset + m.bitOffset / 8 === off) ?? -1;
    if (st && k >= 0) return containsTag(btf, st.id, k);
  }
  return undefined;
}

/** Every root's target of the object whose node field is a struct named `nodeStruct`. */
export function rootsOfKind(btf: Btf, nodeStruct: string): GraphNode[] {
  const out: GraphNode[] = [];
  for (const t of btf.types) {
    if (t.kind !== BTF_KIND.DECL_TAG || !t.name.startsWith('contains:')) continue;
    const n = containsTag(btf, t.sizeOrType, t.componentIdx ?? -1);
    if (!n) continue;
    const m = btf.types[n.typeId]!.members!.find((x) => x.bitOffset / 8 === n.nodeOff)!;
    if (skipModsAndTypedefs(btf, m.type)?.name === nodeStruct && !out.some((o) => o.typeId === n.typeId && o.nodeOff === n.nodeOff)) out.push(n);
  }
  return out;
}
