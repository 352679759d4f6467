// Stack pointers with a variable offset (kernel/bpf/verifier.c, 6.18): r10 plus or minus a
// bounded scalar is a PTR_TO_STACK whose offset lies in [lo, hi] (adjust_ptr_min_max_vals
// refuses bounds beyond BPF_MAX_VAR_OFF). check_stack_access_within_bounds takes
// min_off = smin + insn off, and grow_stack_state sizes the frame by -min_off (6.8+), so
// the stack depth counts the lowest byte such an access may touch.
import { BPF_ADD, BPF_SUB } from '../bpf/opcodes.ts';
import { BPF_MAX_VAR_OFF } from '../common/kernelLimits.ts';
import type { Val } from './absintVal.ts';
import { isScalar, rangeOf } from './scalarVals.ts';

type StackPtr = Extract<Val, { k: 'fp' } | { k: 'fpvar' }>;
/** One frame's part of a stack pointer that is not a single fixed offset: offsets lo..hi of frame `owner`. */
export interface StackSpan {
  owner: number;
  lo: number;
  hi: number;
}
/** At most this many fixed stack pointers are kept when paths join (more: unknown). */
const MAX_SET = 8;
const isStackPtr = (v: Val): v is StackPtr => v.k === 'fp' || v.k === 'fpvar';
const LIM = BigInt(BPF_MAX_VAR_OFF);

/** The lowest and highest offset a stack pointer may hold. */
const stackPtrBounds = (p: StackPtr): [number, number] => (p.k === 'fp' ? [p.off, p.off] : [p.lo, p.hi]);

/** `dst op src` (64-bit ADD/SUB) when it is a stack pointer moved by a scalar; else undefined. */
export function moveStackPtr(op: number, dst: Val, src: Val): Val | undefined {
  if (op !== BPF_ADD && op !== BPF_SUB) return undefined;
  let [p, q] = [dst, src];
  if (op === BPF_ADD && !isStackPtr(dst) && isStackPtr(src)) [p, q] = [src, dst];
  if (!isStackPtr(p) || !isScalar(q)) return undefined;
  const r = rangeOf(q);
  if (r.smin <= -LIM || r.smax >= LIM) return undefined;
  const [a, b] = op === BPF_SUB ? [-Number(r.smax), -Number(r.smin)] : [Number(r.smin), Number(r.smax)];
  const [lo, hi] = stackPtrBounds(p);
  return lo + a === hi + b ? { k: 'fp', owner: p.owner, off: lo + a } : { k: 'fpvar', owner: p.owner, lo: lo + a, hi: hi + b };
}

/**
 * The spans of a variable-offset stack pointer, or of a set of fixed ones (the join of
 * paths, or of call sites passing different frames' buffers to one static callee: the
 * verifier explores each, so each frame grows by what the callee touches); else undefined.
 */
export function stackSpans(v: Val): StackSpan[] | undefined {
  if (v.k === 'fpvar') return [{ owner: v.owner, lo: v.lo, hi: v.hi }];
  if (v.k === 'fpset') return v.ptrs.map((p) => ({ owner: p.owner, lo: p.off, hi: p.off }));
  return undefined;
}

const fixedPtrs = (v: Val): { owner: number; off: number }[] | undefined =>
  v.k === 'fp' ? [{ owner: v.owner, off: v.off }] : v.k === 'fpset' ? v.ptrs : undefined;

/** The join of two fixed stack pointers (or sets of them) that differ; undefined when either is not one. */
export function joinStackPtrs(a: Val, b: Val): Val | undefined {
  const x = fixedPtrs(a);
  const y = fixedPtrs(b);
  if (!x || !y) return undefined;
  const all = new Map<string, { owner: number; off: number }>();
  for (const p of [...x, ...y]) all.set(`${p.owner}:${p.off}`, p);
  if (all.size > MAX_SET) return { k: 'unk' };
  const ptrs = [...all.values()].sort((p, q) => p.owner - q.owner || p.off - q.off);
  return ptrs.length === 1 ? { k: 'fp', ...ptrs[0]! } : { k: 'fpset', ptrs };
}

/** A set of stack pointers moved by a constant. */
export function moveStackSet(v: Val, delta: number): Val | undefined {
  return v.k === 'fpset' ? { k: 'fpset', ptrs: v.ptrs.map((p) => ({ owner: p.owner, off: p.off + delta })) } : undefined;
}
