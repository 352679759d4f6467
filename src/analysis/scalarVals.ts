// The abstract interpreter's scalar values: constants and ranges (scalarRanges.ts), and the
// rules for when the verifier knows a register holds a scalar rather than a pointer.
import type { Insn } from '../bpf/insn.ts';
import { BPF_ADD, BPF_ALU64, BPF_ARSH, BPF_DIV, BPF_END, BPF_MOD, BPF_MOV, BPF_NEG, BPF_SUB, insnClass, aluOp } from '../bpf/opcodes.ts';
import { HELPER_NAMES } from '../bpf/helperIds.ts';
import type { Val } from './absintVal.ts';
import { evalAlu, evalCond } from './constEval.ts';
import { FULL, aluRange, branchTaken, constRange, hull, mov32Range, rangeConst, rangeEq, refine, type Range } from './scalarRanges.ts';

export type ScalarVal = Extract<Val, { k: 'const' } | { k: 'scalar' }>;
export const UNKNOWN_SCALAR: Val = { k: 'scalar', r: FULL };

export const isScalar = (v: Val): v is ScalarVal => v.k === 'const' || v.k === 'scalar';

/** A range as a value: a constant when it holds one value. */
export function scalarOf(r: Range): Val {
  const c = rangeConst(r);
  return c === undefined ? { k: 'scalar', r } : { k: 'const', v: c };
}

export const rangeOf = (v: ScalarVal): Range => (v.k === 'const' ? constRange(v.v) : v.r);

const idOf = (v: ScalarVal): number | undefined => (v.k === 'scalar' ? v.id : undefined);

/** Same bounds and the same link (linkedScalars.ts). */
export const eqScalar = (a: ScalarVal, b: ScalarVal): boolean => rangeEq(rangeOf(a), rangeOf(b)) && idOf(a) === idOf(b);

/** The hull of two paths' values; linked only when linked on both. */
export function joinScalar(a: ScalarVal, b: ScalarVal): Val {
  const j = scalarOf(hull(rangeOf(a), rangeOf(b)));
  const id = idOf(a);
  return j.k === 'scalar' && id !== undefined && id === idOf(b) ? { ...j, id } : j;
}

/**
 * Helpers whose return value is a pointer (or NULL) to the verifier; every other helper
 * returns RET_INTEGER (include/uapi/linux/bpf.h return types, 6.18).
 */
const POINTER_HELPERS: ReadonlySet<number> = new Set(
  [
    'map_lookup_elem',
    'get_local_storage',
    'sk_lookup_tcp',
    'sk_lookup_udp',
    'sk_fullsock',
    'tcp_sock',
    'get_listener_sock',
    'skc_lookup_tcp',
    'sk_storage_get',
    'ringbuf_reserve',
    'skc_to_tcp6_sock',
    'skc_to_tcp_sock',
    'skc_to_tcp_timewait_sock',
    'skc_to_tcp_request_sock',
    'skc_to_udp6_sock',
    'inode_storage_get',
    'per_cpu_ptr',
    'this_cpu_ptr',
    'task_storage_get',
    'get_current_task_btf',
    'sock_from_file',
    'task_pt_regs',
    'skc_to_unix_sock',
    'kptr_xchg',
    'map_lookup_percpu_elem',
    'skc_to_mptcp_sock',
    'dynptr_data',
    'cgrp_storage_get',
  ].map((n) => HELPER_NAMES.indexOf(n)),
);

/** R0 after a call of helper `id`. */
export const helperResult = (id: number): Val => (id > 0 && id < HELPER_NAMES.length && !POINTER_HELPERS.has(id) ? UNKNOWN_SCALAR : { k: 'unk' });

/**
 * ALU on scalars (pointer arithmetic is the caller's). Ops other than ADD/SUB/MOV make a
 * scalar of anything: the verifier refuses them on pointers. Constants fold exactly
 * (the interpreter's semantics); DIV/MOD give an unknown scalar, as in the verifier.
 */
export function scalarAlu(ins: Insn, dst: Val, src: Val): Val | undefined {
  const op = aluOp(ins.code);
  const is64 = insnClass(ins.code) === BPF_ALU64;
  if (op === BPF_MOV) {
    if (!isScalar(src)) return undefined;
    if (src.k === 'const') return cstOr(evalAlu(ins, 0n, src.v));
    if (is64 && ins.off === 0) return src;
    return is64 ? UNKNOWN_SCALAR : ins.off === 0 ? scalarOf(mov32Range(src.r)) : UNKNOWN_SCALAR;
  }
  const ptrOp = op === BPF_ADD || op === BPF_SUB;
  if (ptrOp && is64 && (!isScalar(dst) || !isScalar(src))) return undefined;
  if (op === BPF_DIV || op === BPF_MOD) return UNKNOWN_SCALAR;
  if (dst.k === 'const' && src.k === 'const') return cstOr(evalAlu(ins, dst.v, src.v));
  if (op === BPF_NEG && dst.k === 'const') return cstOr(evalAlu(ins, dst.v, 0n));
  if (op === BPF_NEG || op === BPF_END || (op === BPF_ARSH && ins.off !== 0)) return UNKNOWN_SCALAR;
  const a = isScalar(dst) ? rangeOf(dst) : FULL;
  const b = isScalar(src) ? rangeOf(src) : FULL;
  return scalarOf(aluRange(op, is64, a, b));
}

const cstOr = (v: bigint | undefined): Val => (v === undefined ? UNKNOWN_SCALAR : { k: 'const', v });

/** is_branch_taken for two scalars. */
export function scalarBranch(op: number, is32: boolean, a: ScalarVal, b: ScalarVal): boolean | undefined {
  if (a.k === 'const' && b.k === 'const') return evalCond(op, is32, a.v, b.v);
  return branchTaken(op, is32, rangeOf(a), rangeOf(b));
}

/** The two scalars on the path where the compare went `taken`; null = impossible path. */
export function scalarRefine(op: number, is32: boolean, taken: boolean, a: ScalarVal, b: ScalarVal): [Val, Val] | null | undefined {
  const r = refine(op, is32, taken, rangeOf(a), rangeOf(b));
  if (!r) return r;
  return [scalarOf(r[0]), scalarOf(r[1])];
}
