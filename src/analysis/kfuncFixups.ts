// The verifier's fixup_kfunc_call (v6.18, run from do_misc_fixups). Every kfunc call stays a
// call (its imm becomes the kfunc's address relative to __bpf_call_base in the kernel; here
// the JIT links it to the model kallsyms address of its BTF id), except that:
//  - bpf_cast_to_kern_ctx(ctx) and bpf_rdonly_cast(obj, btf_id) return their first argument
//    and become `r0 = r1`;
//  - the allocation kfuncs get their hidden arguments loaded just before the call:
//    bpf_obj_new_impl / bpf_percpu_obj_new_impl: r1 = object size, r2 = btf_struct_meta
//    (ld_imm64; NULL for percpu); bpf_obj_drop_impl / bpf_percpu_obj_drop_impl /
//    bpf_refcount_acquire_impl: r2 = meta; bpf_list_push_{front,back}_impl: r3 = meta,
//    r4 = node offset; bpf_rbtree_add_impl (which has `less` in r3): r4 = meta, r5 = node offset.
// kfuncs are named through the object's resolved externs.
import type { Insn } from '../bpf/insn.ts';
import { BPF_PSEUDO_KFUNC_CALL, CALL, LD_DW_IMM } from '../bpf/opcodes.ts';
import { resolveSize } from '../object/btf.ts';
import type { BpfObject } from '../object/types.ts';
import type { Val } from './absint.ts';
import { mov64Imm, mov64Reg } from './ctxInsns.ts';
import { patchInsn, type WorkProg } from './patch.ts';
import { hasStructMeta, rootInGlobal, rootsOfKind, structMetaAddr, type GraphNode } from './structMeta.ts';

/** kfuncs the verifier rewrites to `r0 = r1`. */
const CAST_KFUNCS = new Set(['bpf_cast_to_kern_ctx', 'bpf_rdonly_cast']);
const NEW_KFUNCS = new Set(['bpf_obj_new_impl', 'bpf_percpu_obj_new_impl']);
const META_KFUNCS = new Set(['bpf_obj_drop_impl', 'bpf_percpu_obj_drop_impl', 'bpf_refcount_acquire_impl']);
/** Graph insertions: [meta register, node-offset register, the node struct their root holds]. */
const INSERT_KFUNCS: Record<string, [number, number, string]> = {
  bpf_list_push_front_impl: [3, 4, 'bpf_list_node'],
  bpf_list_push_back_impl: [3, 4, 'bpf_list_node'],
  bpf_rbtree_add_impl: [4, 5, 'bpf_rb_node'],
};

/** What the abstract interpreter knew of R1 at a kfunc call (its aux). */
export interface KfuncAux {
  kfuncR1?: Val;
}

/** The kfunc a call's imm (vmlinux BTF id) names, from the object's resolved externs. */
export function kfuncName(obj: BpfObject, btfId: number): string | undefined {
  return obj.externs?.find((e) => e.kind === 'kfunc' && e.kernelBtfId === btfId)?.name;
}

const ldImm64 = (dst: number, v: bigint): Insn[] => [
  { code: LD_DW_IMM, dst, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v)) },
  { code: 0, dst: 0, src: 0, off: 0, imm: Number(BigInt.asIntN(32, v >> 32n)) },
];

export function fixupKfuncCalls<A extends KfuncAux>(p: WorkProg<A>, obj: BpfObject): void {
  const names = new Map<number, string>();
  for (const e of obj.externs ?? []) if (e.kind === 'kfunc' && e.kernelBtfId !== undefined) names.set(e.kernelBtfId, e.name);
  if (names.size === 0) return;
  const calls: { i: number; name: string; r1: Val | undefined }[] = [];
  p.insns.forEach((x, i) => {
    const name = x.code === CALL && x.src === BPF_PSEUDO_KFUNC_CALL ? names.get(x.imm) : undefined;
    if (name) calls.push({ i, name, r1: p.aux[i]?.kfuncR1 });
  });
  const btf = obj.btf;
  const meta = (typeId: number | undefined): bigint => (btf && typeId !== undefined && hasStructMeta(btf, typeId) ? structMetaAddr(typeId) : 0n);
  const nodeOf = (c: (typeof calls)[number], nodeStruct: string): GraphNode | undefined => {
    if (!btf) return undefined;
    if (c.r1?.k === 'mapval') return rootInGlobal(obj, c.r1.idx, c.r1.off);
    const all = rootsOfKind(btf, nodeStruct);
    return all.length === 1 ? all[0] : undefined;
  };
  // The object type of a drop / refcount_acquire: what the verifier tracks on its pointer
  // argument; we take the one allocated type with a meta this program creates or inserts.
  const allocTypes = new Set<number>();
  for (const c of calls) {
    if (NEW_KFUNCS.has(c.name) && c.r1?.k === 'const') allocTypes.add(Number(c.r1.v));
    const ins = INSERT_KFUNCS[c.name];
    const n = ins && nodeOf(c, ins[2]);
    if (n) allocTypes.add(n.typeId);
  }
  const withMeta = [...allocTypes].filter((t) => meta(t) !== 0n);
  const dropType = withMeta.length === 1 ? withMeta[0] : undefined;

  // Highest first: each patch shifts only what follows it.
  for (const c of calls.reverse()) {
    const call = p.insns[c.i]!;
    let patch: Insn[] | undefined;
    if (CAST_KFUNCS.has(c.name)) patch = [mov64Reg(0, 1)];
    else if (NEW_KFUNCS.has(c.name)) {
      const typeId = c.r1?.k === 'const' ? Number(c.r1.v) : undefined;
      const size = btf && typeId !== undefined ? resolveSize(btf, typeId) : undefined;
      if (size === undefined) continue; // the verifier refuses a non-constant type id
      const m = c.name === 'bpf_percpu_obj_new_impl' ? 0n : meta(typeId);
      patch = [mov64Imm(1, size), ...ldImm64(2, m), call];
    } else if (META_KFUNCS.has(c.name)) {
      const m = c.name === 'bpf_percpu_obj_drop_impl' ? 0n : meta(dropType);
      patch = [...ldImm64(2, m), call];
    } else if (INSERT_KFUNCS[c.name]) {
      const [metaReg, offReg, nodeStruct] = INSERT_KFUNCS[c.name]!;
      const n = nodeOf(c, nodeStruct);
      if (!n) continue; // root not found in BTF: left as the plain call
      patch = [...ldImm64(metaReg, meta(n.typeId)), mov64Imm(offReg, n.nodeOff), call];
    }
    if (patch) patchInsn(p, c.i, patch);
  }
}
