// Which kfunc arguments the verifier checks as memory of a known size (check_kfunc_args,
// v6.18): when such an argument is a stack pointer, check_mem_access /
// check_helper_mem_access grow the caller's stack_depth over the bytes touched. Read from
// the kfunc's prototype in the kernel's BTF, by the kernel's argument-name conventions:
//  - `__ign` arguments are not checked;
//  - a pointer followed by a `__sz` / `__szk` argument is memory of that (constant) size;
//  - `struct bpf_dynptr *` touches BPF_DYNPTR_SIZE (16) bytes only when `__uninit`
//    (process_dynptr_func: initialising a dynptr writes both slots);
//  - `struct bpf_iter_* *` touches the iterator's size only in the iterator's `_new`
//    kfunc (process_iter_arg for KF_ITER_NEW);
//  - pointers to scalars or structs made only of scalars (KF_ARG_PTR_TO_MEM,
//    __btf_type_is_scalar_struct) touch the pointee's size; other struct pointers are
//    ctx or kernel objects (KF_ARG_PTR_TO_CTX / _BTF_ID), never stack memory.
import { BPF_DYNPTR_SIZE } from '../common/kernelLimits.ts';
import { BTF_KIND, protoParams, resolveSize, skipModsAndTypedefs, type Btf, type BtfType } from './btf.ts';

/** An argument register (1-5) pointing at `size` bytes, or at as many as register `sizeReg` holds. */
export interface KfuncMemArg {
  reg: number;
  size?: number;
  sizeReg?: number;
}

export function kfuncMemArgs(btf: Btf, func: BtfType): KfuncMemArg[] {
  const params = protoParams(btf, func);
  const out: KfuncMemArg[] = [];
  params.slice(0, 5).forEach((p, i) => {
    const reg = i + 1;
    const t = skipModsAndTypedefs(btf, p.type);
    if (t?.kind !== BTF_KIND.PTR || p.name.endsWith('__ign')) return;
    const next = params[i + 1];
    if (next && (next.name.endsWith('__sz') || next.name.endsWith('__szk'))) {
      out.push({ reg, sizeReg: reg + 1 });
      return;
    }
    const pointee = skipModsAndTypedefs(btf, t.sizeOrType);
    if (!pointee) return;
    if (pointee.kind === BTF_KIND.STRUCT && pointee.name === 'bpf_dynptr') {
      if (p.name.endsWith('__uninit')) out.push({ reg, size: BPF_DYNPTR_SIZE });
      return;
    }
    if (pointee.kind === BTF_KIND.STRUCT && pointee.name.startsWith('bpf_iter_')) {
      if (func.name.endsWith('_new')) out.push({ reg, size: pointee.sizeOrType });
      return;
    }
    if (!isScalarOrScalarStruct(btf, pointee, 0)) return;
    const size = resolveSize(btf, t.sizeOrType);
    if (size) out.push({ reg, size });
  });
  return out;
}

const isScalar = (t: BtfType): boolean => t.kind === BTF_KIND.INT || t.kind === BTF_KIND.ENUM || t.kind === BTF_KIND.ENUM64 || t.kind === BTF_KIND.FLOAT;

/** btf_type_is_scalar, or __btf_type_is_scalar_struct (nesting limited as the kernel's MAX_RESOLVE_DEPTH). */
function isScalarOrScalarStruct(btf: Btf, t: BtfType, depth: number): boolean {
  if (isScalar(t)) return true;
  if (t.kind !== BTF_KIND.STRUCT || depth > 32) return false;
  return (t.members ?? []).every((m) => {
    let mt = skipModsAndTypedefs(btf, m.type);
    while (mt?.kind === BTF_KIND.ARRAY) mt = skipModsAndTypedefs(btf, mt.array!.type);
    return mt !== undefined && isScalarOrScalarStruct(btf, mt, depth + 1);
  });
}

/**
 * A global function's pointer arguments that the verifier checks as memory at each call
 * (btf_prepare_func_args: ARG_PTR_TO_MEM with mem_size = the pointee's resolved size; a
 * `struct bpf_dynptr *` is a dynptr, not memory). Pointers to ctx or kernel types are never
 * stack pointers, so counting them does not change a frame.
 */
export function globalFuncMemArgs(btf: Btf, func: BtfType): KfuncMemArg[] {
  const params = protoParams(btf, func);
  const out: KfuncMemArg[] = [];
  params.slice(0, 5).forEach((p, i) => {
    const t = skipModsAndTypedefs(btf, p.type);
    if (t?.kind !== BTF_KIND.PTR) return;
    const pointee = skipModsAndTypedefs(btf, t.sizeOrType);
    if (!pointee || (pointee.kind === BTF_KIND.STRUCT && pointee.name === 'bpf_dynptr')) return;
    const size = resolveSize(btf, t.sizeOrType);
    if (size) out.push({ reg: i + 1, size });
  });
  return out;
}

/**
 * KF_ACQUIRE kfuncs returning a kernel struct: R0 is a plain PTR_TO_BTF_ID (loads through
 * it are PROBE_MEM) that holds a reference, so walking its fields follows the trusted rules
 * (is_trusted_reg; analysis/btfTrust.ts).
 */
const ACQUIRE_RET_KFUNCS: ReadonlySet<string> = new Set([
  'bpf_task_acquire',
  'bpf_task_from_pid',
  'bpf_task_from_vpid',
  'bpf_task_get_cgroup1',
  'bpf_cgroup_acquire',
  'bpf_cgroup_ancestor',
  'bpf_cgroup_from_id',
  'bpf_cpumask_create',
  'bpf_cpumask_acquire',
]);

/**
 * kfuncs whose returned pointer loads are plain: bpf_obj_new's MEM_ALLOC objects and the
 * graph kfuncs' owning/non-owning references (6.18 kfunc flag sets; the flags are not in
 * BTF, so they are listed by name). A KF_ACQUIRE kfunc returning a kernel struct (task,
 * cgroup, cpumask) is not listed: check_kfunc_call types R0 plain PTR_TO_BTF_ID with a
 * ref_obj_id, trusted for kfunc arguments but, by its type, PROBE_MEM for loads
 * (convert_ctx_accesses), as the 6.18 JIT of test_task_under_cgroup.o shows.
 */
const TRUSTED_RET_KFUNCS: ReadonlySet<string> = new Set([
  'bpf_obj_new_impl',
  'bpf_percpu_obj_new_impl',
  'bpf_refcount_acquire_impl',
  'bpf_list_pop_front',
  'bpf_list_pop_back',
  'bpf_list_front',
  'bpf_list_back',
  'bpf_rbtree_remove',
  'bpf_rbtree_first',
  'bpf_rbtree_root',
  'bpf_rbtree_left',
  'bpf_rbtree_right',
  'bpf_get_task_exe_file',
  'bpf_crypto_ctx_create',
  'bpf_crypto_ctx_acquire',
]);

/**
 * What a kfunc's returned pointer is to the verifier: 'trusted' (plain loads), 'acquired'
 * (a KF_ACQUIRE kernel struct: PROBE_MEM loads, trusted field walks), or 'untrusted' (a
 * plain PTR_TO_BTF_ID, or bpf_rdonly_cast's PTR_UNTRUSTED, whose loads may fault).
 */
export type KfuncRet = 'trusted' | 'acquired' | 'untrusted';

/** The KfuncRet of kfunc `func`, or undefined when it returns no struct pointer. */
export function kfuncRetBtf(btf: Btf, func: BtfType): KfuncRet | undefined {
  if (func.name === 'bpf_rdonly_cast') return 'untrusted';
  if (ACQUIRE_RET_KFUNCS.has(func.name)) return 'acquired';
  // An open-coded iterator's _next hands out trusted (or RCU-protected) elements.
  if (TRUSTED_RET_KFUNCS.has(func.name) || (func.name.startsWith('bpf_iter_') && func.name.endsWith('_next'))) return 'trusted';
  const proto = btf.types[func.sizeOrType];
  const ret = proto?.kind === BTF_KIND.FUNC_PROTO ? skipModsAndTypedefs(btf, proto.sizeOrType) : undefined;
  if (ret?.kind !== BTF_KIND.PTR) return undefined;
  const pointee = skipModsAndTypedefs(btf, ret.sizeOrType);
  return pointee?.kind === BTF_KIND.STRUCT ? 'untrusted' : undefined;
}
