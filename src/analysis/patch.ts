// Instruction patching with the kernel's bookkeeping (bpf_patch_insn_data and
// bpf_remove_insns, kernel/bpf/{core,verifier}.c): replacing insn `off` by `cnt` insns
// shifts every jump that crosses the patch (bpf_adj_branches: a jump to `off` lands on the
// first patched insn), bpf2bpf call and callback imm offsets, subprogram starts after
// `off`, poke descriptor insn indexes after `off` and line-info records after `off`
// (bpf_adj_linfo). The patched insn's aux data moves to the last insn of the patch
// (adjust_insn_aux_data), so later passes still find it there.
import type { Insn } from '../bpf/insn.ts';
import { pcRelField } from '../bpf/opcodes.ts';
import type { LineInfoRec } from '../object/types.ts';

export interface WorkProg<A> {
  insns: Insn[];
  /** Original (linked) insn index each xlated insn came from. */
  orig: number[];
  /** Per-insn verifier facts; inserted insns get undefined (zeroed aux in the kernel). */
  aux: (A | undefined)[];
  /** Line info with xlated insn offsets. */
  linfo: LineInfoRec[];
  /** Subprogram starts (xlated), sorted; sentinel excluded. */
  subStarts: number[];
  /** Poke descriptor insn indexes (xlated). */
  pokeInsns: number[];
}

export function newWorkProg<A>(insns: readonly Insn[], aux: (A | undefined)[], linfo: readonly LineInfoRec[], subStarts: number[]): WorkProg<A> {
  return {
    insns: insns.slice(),
    orig: insns.map((_, i) => i),
    aux: aux.slice(),
    linfo: linfo.map((r) => ({ ...r })),
    subStarts: subStarts.slice(),
    pokeInsns: [],
  };
}

/** Replaces insn `off` by `patch` (which usually contains a rewritten copy of it). */
export function patchInsn<A>(p: WorkProg<A>, off: number, patch: readonly Insn[]): void {
  const cnt = patch.length;
  if (cnt === 1) {
    p.insns[off] = patch[0]!;
    return;
  }
  const delta = cnt - 1;
  const origin = p.orig[off]!;
  const oldAux = p.aux[off];
  p.insns.splice(off, 1, ...patch);
  p.orig.splice(off, 1, ...new Array<number>(cnt).fill(origin));
  p.aux.splice(off, 1, ...new Array<A | undefined>(delta).fill(undefined), oldAux);
  adjBranches(p.insns, off, off + 1, off + cnt);
  for (const r of p.linfo) if (r.insn > off) (r as { insn: number }).insn += delta;
  p.subStarts = p.subStarts.map((s) => (s > off ? s + delta : s));
  p.pokeInsns = p.pokeInsns.map((s) => (s > off ? s + delta : s));
}

/**
 * add_hidden_subprog (6.7+): `patch` becomes a new last subprogram after the program's last
 * insn; its insns come from that last insn (orig) and carry no aux or line info.
 */
export function appendHiddenSubprog<A>(p: WorkProg<A>, patch: readonly Insn[]): void {
  const origin = p.orig[p.orig.length - 1]!;
  p.subStarts.push(p.insns.length);
  for (const x of patch) {
    p.insns.push(x);
    p.orig.push(origin);
    p.aux.push(undefined);
  }
}

/**
 * bpf_adj_branches (non-probe pass) on the already patched image: jumps from before the
 * patch to at/after its old end move by delta; jumps from after it back to before its
 * new end move by -delta. Insns inside the patch keep their own offsets.
 */
function adjBranches(insns: Insn[], pos: number, endOld: number, endNew: number): void {
  const delta = endNew - endOld;
  for (let i = 0; i < insns.length; i++) {
    const ins = insns[i]!;
    const field = pcRelField(ins);
    if (field === null) continue;
    const off = ins[field];
    let next = off;
    if (i < pos && i + off + 1 >= endOld) next = off + delta;
    else if (i >= endNew && i + off + 1 < endNew) next = off - delta;
    if (next !== off) insns[i] = { ...ins, [field]: next };
  }
}

/**
 * bpf_remove_insns + the verifier's bookkeeping (opt_remove_dead_code / opt_remove_nops):
 * jumps over the removed range shrink, line info inside it moves to `off` (keeping the
 * first record there), subprogram starts after it move back.
 */
export function removeInsns<A>(p: WorkProg<A>, off: number, cnt: number): void {
  if (cnt <= 0) return;
  // Jumps crossing the range (kernel bpf_adj_branches with end_new = off).
  const end = off + cnt;
  for (let i = 0; i < p.insns.length; i++) {
    if (i >= off && i < end) continue;
    const ins = p.insns[i]!;
    const field = pcRelField(ins);
    if (field === null) continue;
    const v = ins[field];
    const tgt = i + v + 1;
    const ni = i >= end ? i - cnt : i;
    const nt = tgt >= end ? tgt - cnt : tgt > off ? off : tgt;
    const nv = nt - ni - 1;
    if (nv !== v) p.insns[i] = { ...ins, [field]: nv };
  }
  p.insns.splice(off, cnt);
  p.orig.splice(off, cnt);
  p.aux.splice(off, cnt);
  // bpf_adj_linfo_after_remove: records in the range collapse onto `off` (keep the last one
  // that started inside when none starts at/after end), later ones shift back.
  const kept: LineInfoRec[] = [];
  let pendingInRange: LineInfoRec | undefined;
  for (const r of p.linfo) {
    if (r.insn < off) kept.push(r);
    else if (r.insn < end) pendingInRange = r;
    else {
      if (pendingInRange && r.insn !== end) kept.push({ ...pendingInRange, insn: off as LineInfoRec['insn'] });
      pendingInRange = undefined;
      kept.push({ ...r, insn: (r.insn - cnt) as LineInfoRec['insn'] });
    }
  }
  if (pendingInRange && off < p.insns.length) kept.push({ ...pendingInRange, insn: off as LineInfoRec['insn'] });
  p.linfo = kept;
  p.subStarts = adjustSubprogStartsAfterRemove(p.subStarts, off, cnt, p.insns.length + cnt);
  p.pokeInsns = p.pokeInsns.map((s) => (s >= end ? s - cnt : s));
}

/** Marks a subprogram that dead-code removal deleted entirely (kernel: it leaves the table). */
export const REMOVED_SUBPROG = -1;

/**
 * adjust_subprog_starts_after_remove: a subprogram wholly inside the removed range goes
 * away (REMOVED_SUBPROG; its only callers were dead too), one that starts inside it now
 * starts at `off`, later ones move back. Subprogram 0 is never removed.
 */
function adjustSubprogStartsAfterRemove(starts: number[], off: number, cnt: number, oldLen: number): number[] {
  const end = off + cnt;
  return starts.map((s, k) => {
    if (s === REMOVED_SUBPROG) return s;
    let next = oldLen;
    for (let j = k + 1; j < starts.length; j++)
      if (starts[j] !== REMOVED_SUBPROG) {
        next = starts[j]!;
        break;
      }
    if (s >= end) return s - cnt;
    if (s < off) return s;
    if (k > 0 && next <= end) return REMOVED_SUBPROG;
    return off;
  });
}
