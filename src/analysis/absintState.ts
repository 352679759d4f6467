// The abstract values and states of the abstract interpreter (absint.ts) and the lattice
// operations on them: equality, join at merge points, widening in loops, and forgetting
// stack slots a store or a call overwrites.
import { UNKNOWN_SCALAR, eqScalar, isScalar, joinScalar, rangeOf } from './scalarVals.ts';
import { rangeEq } from './scalarRanges.ts';
import { joinStackPtrs } from './stackPtr.ts';
import { eqFrames, joinFrames } from './callerFrames.ts';
import type { AbsState, NarrowSlot, Val } from './absintVal.ts';

export type { AbsState, NarrowSlot, Successors, Val } from './absintVal.ts';

/** The frame pointer, R10. */
export const FP = 10;

export const UNK: Val = { k: 'unk' };
export const eqVal = (a: Val, b: Val): boolean => {
  if (isScalar(a) && isScalar(b)) return eqScalar(a, b);
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'pkt':
      return a.end === (b as typeof a).end;
    case 'unk':
    case 'ctx':
    case 'pktend':
    case 'sock':
    case 'tcpsock':
      return true;
    case 'const':
    case 'scalar':
      return false; // compared above
    case 'fp':
      return a.owner === (b as typeof a).owner && a.off === (b as typeof a).off;
    case 'fpvar':
      return a.owner === (b as typeof a).owner && a.lo === (b as typeof a).lo && a.hi === (b as typeof a).hi;
    case 'fpset': {
      const q = (b as typeof a).ptrs;
      return a.ptrs.length === q.length && a.ptrs.every((p, k) => p.owner === q[k]!.owner && p.off === q[k]!.off);
    }
    case 'map':
      return a.idx === (b as typeof a).idx;
    case 'mapval':
      return a.idx === (b as typeof a).idx && a.off === (b as typeof a).off;
    case 'func':
      return a.sub === (b as typeof a).sub;
    case 'btf':
      return a.trusted === (b as typeof a).trusted && a.walk === (b as typeof a).walk && a.type === (b as typeof a).type;
  }
};
const isNull = (v: Val): boolean => v.k === 'const' && v.v === 0n;
export const joinVal = (a: Val, b: Val): Val => {
  if (eqVal(a, b)) return a;
  if (isScalar(a) && isScalar(b)) return joinScalar(a, b);
  // A BTF pointer on every path (or NULL on some): untrusted if any path is, as
  // save_aux_ptr_type settles a trust mismatch at one load on PTR_UNTRUSTED.
  if (a.k === 'btf' && b.k === 'btf') {
    if (a.trusted !== b.trusted) return { k: 'btf', trusted: false };
    return { k: 'btf', trusted: a.trusted, ...(a.walk && b.walk ? { walk: true } : {}), ...(a.type === b.type && a.type ? { type: a.type } : {}) };
  }
  if (a.k === 'pkt' && b.k === 'pkt') return { k: 'pkt' };
  const sp = joinStackPtrs(a, b);
  if (sp) return sp;
  if (a.k === 'btf' && isNull(b)) return a;
  if (b.k === 'btf' && isNull(a)) return b;
  return UNK;
};
/**
 * After many changes at a join point a loop's scalars become unknown (ranges have long
 * chains). A scalar whose range held stays: its link id may be a fresh one each round.
 */
const widenVal = (old: Val, next: Val): Val => (next.k === 'scalar' && !(isScalar(old) && rangeEq(rangeOf(old), next.r)) ? UNKNOWN_SCALAR : next);
export function widenState(old: AbsState, next: AbsState): AbsState {
  const stack = new Map<number, Val>();
  for (const [off, v] of next.stack) stack.set(off, widenVal(old.stack.get(off) ?? UNK, v));
  return { regs: next.regs.map((v, i) => widenVal(old.regs[i]!, v)), stack, narrow: next.narrow, outer: next.outer };
}

const eqNarrow = (a: NarrowSlot | undefined, b: NarrowSlot | undefined): boolean =>
  !!a && !!b && a.size === b.size && a.v === b.v && a.zero === b.zero && (a.val === b.val || (!!a.val && !!b.val && eqVal(a.val, b.val)));
export const cloneState = (s: AbsState): AbsState => ({ regs: s.regs.slice(), stack: new Map(s.stack), narrow: new Map(s.narrow ?? []), outer: s.outer });
export function joinState(a: AbsState, b: AbsState): AbsState {
  const regs = a.regs.map((v, i) => joinVal(v, b.regs[i]!));
  const stack = new Map<number, Val>();
  for (const [off, v] of a.stack) {
    const w = b.stack.get(off);
    if (w) {
      const j = joinVal(v, w);
      if (j.k !== 'unk') stack.set(off, j);
    }
  }
  const narrow = new Map<number, NarrowSlot>();
  for (const [off, n] of a.narrow ?? []) if (eqNarrow(n, b.narrow?.get(off))) narrow.set(off, n);
  return { regs, stack, narrow, outer: joinFrames(a.outer, b.outer, eqVal) };
}
export function eqState(a: AbsState, b: AbsState): boolean {
  if (!a.regs.every((v, i) => eqVal(v, b.regs[i]!))) return false;
  if (a.stack.size !== b.stack.size) return false;
  for (const [off, v] of a.stack) {
    const w = b.stack.get(off);
    if (!w || !eqVal(v, w)) return false;
  }
  if ((a.narrow?.size ?? 0) !== (b.narrow?.size ?? 0)) return false;
  for (const [off, n] of a.narrow ?? []) if (!eqNarrow(n, b.narrow?.get(off))) return false;
  return eqFrames(a.outer, b.outer, eqVal);
}

/** Forgets every spill and narrow slot overlapping the `size` bytes at frame offset `lo`. */
export const clobberSlots = (s: AbsState, lo: number, size: number): void => {
  for (const off of [...s.stack.keys()]) if (off < lo + size && off + 8 > lo) s.stack.delete(off);
  const nw = s.narrow ?? (s.narrow = new Map());
  for (const [off, n] of [...nw]) if (off < lo + size && off + n.size > lo) nw.delete(off);
};

/** Forgets the scalar spills and narrow slots overlapping those bytes; spilled pointers stay. */
export const forgetScalars = (s: AbsState, lo: number, size: number): void => {
  for (const [off, v] of [...s.stack]) if (off < lo + size && off + 8 > lo && isScalar(v)) s.stack.delete(off);
  for (const [off, n] of [...(s.narrow ?? [])]) if (off < lo + size && off + n.size > lo) s.narrow!.delete(off);
};
