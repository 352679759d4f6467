// Linked scalars (kernel/bpf/verifier.c, 6.18): assign_scalar_id_before_mov gives a scalar
// an id when a 64-bit mov copies it or a spill saves it to the stack (a narrow spill only
// when the value fits, check_stack_write_fixed_off); the copy, the spilled slot and a fill
// of it share the id, and after a conditional jump sync_linked_regs gives every register
// and spilled slot holding that id the bounds the jump learnt for one of them. A fill
// narrower than the value it reads breaks the link (check_stack_read_fixed_off) and keeps
// the low bytes (coerce_reg_to_size).
// Ids here are the index of the instruction that made the link, plus one, so the fixpoint
// sees the same id on every visit; making a link first takes that id from the values a
// previous visit of the same instruction left behind (they are other values now).
import type { AbsState, Val } from './absintVal.ts';
import { fromUnsigned, mov32Range, type Range } from './scalarRanges.ts';
import { isScalar, rangeOf, scalarOf } from './scalarVals.ts';

export const scalarId = (v: Val): number | undefined => (v.k === 'scalar' ? v.id : undefined);

/** Every register and spilled slot of `s` passed through `f`. */
function mapHolders(s: AbsState, f: (v: Val) => Val): void {
  for (let r = 0; r < s.regs.length; r++) s.regs[r] = f(s.regs[r]!);
  for (const [off, v] of s.stack) s.stack.set(off, f(v));
  for (const [off, n] of s.narrow ?? []) if (n.val) s.narrow!.set(off, { ...n, val: f(n.val) });
}

/** assign_scalar_id_before_mov: `v` (about to be copied or spilled at insn `i`) with an id. */
export function linkScalar(s: AbsState, v: Val, i: number): Val {
  if (v.k !== 'scalar' || v.id !== undefined) return v;
  const id = i + 1;
  mapHolders(s, (x) => (x.k === 'scalar' && x.id === id ? { k: 'scalar', r: x.r } : x));
  return { ...v, id };
}

/** sync_linked_regs: the refined value `v` of a scalar that had id `id`, given to all its holders. */
export function syncLinked(s: AbsState, id: number | undefined, v: Val): Val {
  if (id === undefined || !isScalar(v)) return v;
  const w: Val = v.k === 'scalar' ? { ...v, id } : v;
  mapHolders(s, (x) => (x.k === 'scalar' && x.id === id ? w : x));
  return w;
}

/** fls64(umax): the bits a value needs (get_reg_width). */
const width = (r: Range): number => r.umax.toString(2).length - (r.umax === 0n ? 1 : 0);

/** coerce_reg_to_size (zero-extending): the low `bytes` bytes of a value. */
function coerce(r: Range, bytes: number): Range {
  if (bytes === 4) return mov32Range(r);
  const bits = BigInt(bytes * 8);
  const mask = (1n << bits) - 1n;
  return r.umin >> bits === r.umax >> bits ? fromUnsigned(r.umin & mask, r.umax & mask) : fromUnsigned(0n, mask);
}

/**
 * A fill of `size` < 8 bytes from the 8-aligned offset `at` of a slot holding a spilled
 * scalar of at least that size (bpf_stack_narrow_access_ok on little endian): the spilled
 * value's low bytes, still linked when the value fits them. undefined: not such a fill.
 */
export function narrowFill(s: AbsState, at: number, size: number): Val | undefined {
  if (at % 8 !== 0) return undefined;
  const full = s.stack.get(at);
  const nw = s.narrow?.get(at);
  let v: Val | undefined;
  if (full && isScalar(full)) v = full;
  else if (nw && !nw.zero && nw.size >= size) v = nw.val ?? { k: 'const', v: nw.v };
  if (!v || !isScalar(v)) return undefined;
  const r = rangeOf(v);
  const out = scalarOf(coerce(r, size));
  return out.k === 'scalar' && v.k === 'scalar' && v.id !== undefined && width(r) <= size * 8 ? { ...out, id: v.id } : out;
}

/** A narrow aligned spill of a scalar that fits its size keeps the value (and its link). */
export const fitsSpill = (v: Val, size: number): boolean => v.k === 'scalar' && width(v.r) <= size * 8;
