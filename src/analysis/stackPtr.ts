// Stack pointers with a variable offset (kernel/bpf/verifier.c, 6.18): r10 plus or minus a
// bounded scalar is a PTR_TO_STACK whose offset lies in [lo, hi] (adjust_ptr_min_max_vals
// refuses bounds beyond BPF_MAX_VAR_OFF). check_stack_access_within_bounds takes
// min_off = smin + insn off, and grow_stack_state sizes the frame by -min_off (6.8+), so
// the stack depth counts the lowest byte such an access may touch.
import { BPF_ADD, BPF_SUB } from '../bpf/opcodes.ts';
import { BPF_MAX_VAR_OFF } from '../common/kernelLimits.ts';
import type { Val } from './absint.ts';
import { isScalar, rangeOf } from './scalarVals.ts';

type StackPtr = Extract<Val, { k: 'fp' } | { k: 'fpvar' }>;
const isStackPtr = (v: Val): v is StackPtr => v.k === 'fp' || v.k === 'fpvar';
const LIM = BigInt(BPF_MAX_VAR_OFF);

/** The lowest and highest offset a stack pointer may hold. */
export const stackPtrBounds = (p: StackPtr): [number, number] => (p.k === 'fp' ? [p.off, p.off] : [p.lo, p.hi]);

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
