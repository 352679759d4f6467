// What a subprogram knows of its callers' stacks: the verifier keeps every frame of the
// call chain, so a callee loading through a pointer into a caller's frame reads what the
// caller spilled there (e.g. test_cls_redirect_subprogs.o's `buf_t *pkt` whose first field
// is the skb: pkt->skb->data is then a ctx access, rewritten by convert_ctx_accesses).
// bpfdbg analyses each subprogram on its own, so the entry state carries the callers'
// spilled pointers (not their scalars), by frame owner and offset. Read-only maps: a store
// into a caller's frame replaces them (copy on write).
import type { AbsState, CallerFrames, Val } from './absintVal.ts';
import { isScalar } from './scalarVals.ts';

export type { CallerFrames };

/** The caller frames a callee of `sub` (in state `s`) starts with: `s`'s own, plus the spilled pointers of `sub`. */
export function framesForCallee(sub: number, s: AbsState): CallerFrames | undefined {
  const own = new Map<number, Val>();
  for (const [off, v] of s.stack) if (!isScalar(v) && v.k !== 'unk') own.set(off, v);
  if (!own.size && !s.outer) return s.outer;
  const out = new Map(s.outer ?? []);
  out.set(sub, own);
  return out;
}

/** The value spilled at `off` of caller frame `owner`, if known. */
export const readCallerSlot = (s: AbsState, owner: number, off: number): Val | undefined => s.outer?.get(owner)?.get(off);

/** A store of `size` bytes at `lo` in caller frame `owner`: the slots it overlaps are no longer known. */
export function clobberCallerSlots(s: AbsState, owner: number, lo: number, size: number): void {
  const f = s.outer?.get(owner);
  if (!f) return;
  const next = new Map([...f].filter(([off]) => !(off < lo + size && off + 8 > lo)));
  if (next.size === f.size) return;
  const out = new Map(s.outer!);
  out.set(owner, next);
  s.outer = out;
}

/** Slots equal on both paths (the join). */
export function joinFrames(a: CallerFrames | undefined, b: CallerFrames | undefined, eq: (x: Val, y: Val) => boolean): CallerFrames | undefined {
  if (a === b) return a;
  if (!a || !b) return undefined;
  const out = new Map<number, ReadonlyMap<number, Val>>();
  for (const [owner, fa] of a) {
    const fb = b.get(owner);
    if (!fb) continue;
    const f = new Map<number, Val>();
    for (const [off, v] of fa) {
      const w = fb.get(off);
      if (w && eq(v, w)) f.set(off, v);
    }
    out.set(owner, f);
  }
  return out;
}

export function eqFrames(a: CallerFrames | undefined, b: CallerFrames | undefined, eq: (x: Val, y: Val) => boolean): boolean {
  if (a === b) return true;
  const size = (f: CallerFrames | undefined): number => [...(f ?? new Map<number, ReadonlyMap<number, Val>>()).values()].reduce((n, m) => n + m.size, 0);
  if (size(a) !== size(b)) return false;
  for (const [owner, fa] of a ?? []) {
    for (const [off, v] of fa) {
      const w = b?.get(owner)?.get(off);
      if (!w || !eq(v, w)) return false;
    }
  }
  return true;
}
