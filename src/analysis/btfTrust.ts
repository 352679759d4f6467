// Trust of a pointer loaded from a kernel struct field (check_ptr_to_btf_access, Linux
// 6.18). Walking a pointer that is trusted or RCU-protected (is_trusted_reg ||
// is_rcu_reg: PTR_TRUSTED, MEM_RCU, or a reference such as a KF_ACQUIRE kfunc's result)
// gives an untrusted pointer, unless the field is one the verifier lists as safe:
//  - BTF_TYPE_SAFE_TRUSTED(_OR_NULL) fields stay PTR_TRUSTED;
//  - inside an RCU read section (a non-sleepable program) BTF_TYPE_SAFE_RCU fields, and
//    `__rcu`-tagged or BTF_TYPE_SAFE_RCU_OR_NULL ones, become MEM_RCU.
// Loads through PTR_TRUSTED and MEM_RCU pointers stay plain; through a plain PTR_TO_BTF_ID
// they become BPF_PROBE_MEM (convert_ctx_accesses).
import { BTF_KIND, findByNameKind, skipModsAndTypedefs, type Btf, type BtfType } from '../object/btf.ts';

const SAFE_TRUSTED: Record<string, readonly string[]> = {
  bpf_iter_meta: ['seq'],
  bpf_iter__task: ['task'],
  linux_binprm: ['file'],
  file: ['f_inode'],
  dentry: ['d_inode'],
  socket: ['sk'],
  vm_area_struct: ['vm_mm', 'vm_file'],
};
const SAFE_RCU: Record<string, readonly string[]> = {
  task_struct: ['cpus_ptr', 'cgroups', 'real_parent', 'group_leader'],
  cgroup: ['kn'],
  css_set: ['dfl_cgrp'],
  cgroup_subsys_state: ['cgroup'],
  mm_struct: ['exe_file'],
  sk_buff: ['sk'],
  request_sock: ['sk'],
};

/** A pointer member of a kernel struct: its name, the struct it points to, whether it is `__rcu`. */
export interface PtrField {
  name: string;
  pointee: string;
  rcuTag: boolean;
}

/** What lies between a pointer and its pointee: typedefs, CV modifiers and type tags (`__rcu`). */
const MODS: ReadonlySet<number> = new Set([BTF_KIND.TYPEDEF, BTF_KIND.VOLATILE, BTF_KIND.CONST, BTF_KIND.RESTRICT, BTF_KIND.TYPE_TAG]);

/** The pointer member at byte `off` of struct `name` (looking into anonymous members), if any. */
export function ptrFieldAt(btf: Btf, name: string, off: number): PtrField | undefined {
  const st = findByNameKind(btf, name, BTF_KIND.STRUCT);
  return st ? memberAt(btf, st, off * 8) : undefined;
}

function memberAt(btf: Btf, st: BtfType, bit: number): PtrField | undefined {
  for (const m of st.members ?? []) {
    const t = skipModsAndTypedefs(btf, m.type);
    if (!t) continue;
    if (!m.name && (t.kind === BTF_KIND.STRUCT || t.kind === BTF_KIND.UNION) && bit >= m.bitOffset && bit < m.bitOffset + t.sizeOrType * 8) {
      const inner = memberAt(btf, t, bit - m.bitOffset);
      if (inner) return inner;
      continue;
    }
    if (m.bitOffset !== bit || t.kind !== BTF_KIND.PTR) continue;
    let p = btf.types[t.sizeOrType];
    let rcuTag = false;
    while (p && MODS.has(p.kind)) {
      if (p.kind === BTF_KIND.TYPE_TAG && p.name === 'rcu') rcuTag = true;
      p = btf.types[p.sizeOrType];
    }
    if (p?.kind !== BTF_KIND.STRUCT) return undefined;
    return { name: m.name, pointee: p.name, rcuTag };
  }
  return undefined;
}

/** Whether the pointer loaded from field `f` of struct `type` is trusted (PTR_TRUSTED or MEM_RCU). */
export function fieldTrusted(type: string, f: PtrField, inRcu: boolean): boolean {
  if (SAFE_TRUSTED[type]?.includes(f.name)) return true;
  return inRcu && (f.rcuTag || !!SAFE_RCU[type]?.includes(f.name));
}

/** The struct a kfunc's return pointer points to. */
export function kfuncRetStruct(btf: Btf, funcId: number): string | undefined {
  const fn = btf.types[funcId];
  const proto = fn ? btf.types[fn.sizeOrType] : undefined;
  const t = proto?.kind === BTF_KIND.FUNC_PROTO ? skipModsAndTypedefs(btf, proto.sizeOrType) : undefined;
  if (t?.kind !== BTF_KIND.PTR) return undefined;
  const p = skipModsAndTypedefs(btf, t.sizeOrType);
  return p?.kind === BTF_KIND.STRUCT ? p.name : undefined;
}
