// A small abstract interpreter standing in for the verifier's symbolic execution, for the
// facts the JIT depends on: which registers hold the ctx, a map, a frame-pointer-derived
// pointer (r10 +/- const, copies, spills, bpf2bpf arguments) or a known constant. Each
// subprogram is a forward data-flow fixpoint over its instructions; states from different
// paths are joined (a value survives only when equal on every path), which is what the
// verifier's per-path map/key recording ("poisoning") amounts to for tail calls.
// Results: per-subprog stack high-water marks (grow_stack_state: round_up(-min_off, 8),
// v6.8+), per-insn states for the rewrites, seen insns (for dead-code removal), tail-call
// sites, callback and async-callback subprogs.
import type { Diag } from '../common/diag.ts';
import { BPF_FUNC, helperId } from '../bpf/helperIds.ts';
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ALU,
  BPF_ALU64,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_ST,
  BPF_STX,
  BPF_K,
  BPF_MEMSX,
  BPF_ATOMIC,
  BPF_JA,
  BPF_CALL,
  BPF_EXIT,
  BPF_JEQ,
  BPF_JNE,
  BPF_MOV,
  BPF_ADD,
  BPF_SUB,
  BPF_DIV,
  BPF_MOD,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_FUNC_tail_call,
  insnClass,
  aluOp,
  jmpOp,
  srcBit,
  memMode,
  memSize,
  sizeBytes,
  isPseudoCall,
  isHelperCall,
  isLdAbsInd,
  calleeTarget,
  branchTarget,
  LD_DW_IMM,
  JCOND,
  isCondJump,
} from '../bpf/opcodes.ts';
import { MapType, type BpfObject, type BpfProgram, type ProgType } from '../object/types.ts';
import { evalAlu, evalCond } from './constEval.ts';
import { isCtxSockOff } from './ctxRewrite.ts';
import * as E from './errors.ts';
import { CALLBACK_HELPERS, FIXED_MEM_ARGS, MAP_MEM_ARGS, SIZED_MEM_ARGS, UNINIT_DYNPTR_ARGS } from './helperArgs.ts';
import { findSubprogAt, type SubprogBase } from './subprogs.ts';
import type { Range } from './scalarRanges.ts';
import { pktEndCompare, type PktEnd } from './pktEnd.ts';
import { joinStackPtrs, moveStackPtr, moveStackSet, stackSpans } from './stackPtr.ts';
import { fieldTrusted, kfuncRetStruct, ptrFieldAt } from './btfTrust.ts';
import type { Btf } from '../object/btf.ts';
import { shippedKernelBtf, type KernelBtf } from '../object/kernelBtf.ts';
import { isSleepableSection } from '../object/progType.ts';
import { clobberCallerSlots, eqFrames, framesForCallee, joinFrames, readCallerSlot, type CallerFrames } from './callerFrames.ts';
import { fitsSpill, linkScalar, narrowFill, scalarId, syncLinked } from './linkedScalars.ts';
import { UNKNOWN_SCALAR, eqScalar, helperResult, isScalar, joinScalar, scalarAlu, scalarBranch, scalarOf, scalarRefine } from './scalarVals.ts';
import { sextRange, zextRange } from './scalarRanges.ts';
import { BPF_DYNPTR_SIZE, MAX_BPF_STACK } from '../common/kernelLimits.ts';

/** offsetof(struct __sk_buff, data / data_end / data_meta). */
const SKB_DATA_OFF = 76;
const SKB_DATA_END_OFF = 80;
const SKB_DATA_META_OFF = 140;
const FP = 10;
/** bpf_sk_lookup_tcp/udp, bpf_sk_fullsock, bpf_get_listener_sock, bpf_skc_lookup_tcp. */
const SOCK_RETURNING: ReadonlySet<number> = new Set(
  ['sk_lookup_tcp', 'sk_lookup_udp', 'sk_fullsock', 'get_listener_sock', 'skc_lookup_tcp'].map((n) => helperId(n)!),
);
/** bpf_tcp_sock: returns PTR_TO_TCP_SOCK_OR_NULL. */
const TCP_SOCK_HELPER = helperId('tcp_sock')!;

export type Val =
  | { k: 'unk' }
  | { k: 'const'; v: bigint }
  /** A scalar within a range (scalarRanges.ts); never a single value (that is 'const'). `id`: linkedScalars.ts. */
  | { k: 'scalar'; r: Range; id?: number }
  | { k: 'fp'; owner: number; off: number }
  /** A stack pointer whose offset is anywhere in [lo, hi] (stackPtr.ts). */
  | { k: 'fpvar'; owner: number; lo: number; hi: number }
  /** One of several fixed stack pointers (sorted; stackPtr.ts). */
  | { k: 'fpset'; ptrs: { owner: number; off: number }[] }
  | { k: 'map'; idx: number }
  | { k: 'mapval'; idx: number; off: number }
  | { k: 'ctx' }
  /** A pointer into skb packet data (from __sk_buff.data/data_meta), any offset. */
  | { k: 'pkt'; end?: PktEnd }
  /** __sk_buff.data_end (PTR_TO_PACKET_END). */
  | { k: 'pktend' }
  /** A socket pointer read from the ctx (PTR_TO_SOCKET/SOCK_COMMON, maybe NULL): a struct bpf_sock. */
  | { k: 'sock' }
  /** PTR_TO_TCP_SOCK (maybe NULL) from bpf_tcp_sock: a struct bpf_tcp_sock. */
  | { k: 'tcpsock' }
  /**
   * PTR_TO_BTF_ID: a kernel object pointer. `trusted` (PTR_TRUSTED, a reference, MEM_RCU)
   * loads through it are plain; other loads become BPF_PROBE_MEM (convert_ctx_accesses).
   */
  | { k: 'btf'; trusted: boolean; walk?: boolean; type?: string }
  | { k: 'func'; sub: number };

export const UNK: Val = { k: 'unk' };
const eqVal = (a: Val, b: Val): boolean => {
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
const joinVal = (a: Val, b: Val): Val => {
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
/** After many changes at a join point a loop's scalars become unknown (ranges have long chains). */
const widenVal = (old: Val, next: Val): Val => (next.k === 'scalar' && !(isScalar(old) && eqScalar(old, { k: 'scalar', r: next.r })) ? UNKNOWN_SCALAR : next);
function widenState(old: AbsState, next: AbsState): AbsState {
  const stack = new Map<number, Val>();
  for (const [off, v] of next.stack) stack.set(off, widenVal(old.stack.get(off) ?? UNK, v));
  return { regs: next.regs.map((v, i) => widenVal(old.regs[i]!, v)), stack, narrow: next.narrow, outer: next.outer };
}
const WIDEN_AFTER = 24;

export interface AbsState {
  regs: Val[];
  /** Spilled 8-byte values in the subprog's own frame, by (negative) offset. */
  stack: Map<number, Val>;
  /**
   * Known stack bytes narrower than a spill, by offset: a constant spilled with a narrow
   * aligned store (STACK_SPILL of `size` bytes), or single STACK_ZERO bytes. What
   * get_constant_map_key (6.13+) reads to find a constant map key.
   */
  narrow?: Map<number, NarrowSlot>;
  /** Pointers spilled in the callers' frames (callerFrames.ts). */
  outer?: CallerFrames;
}
export interface NarrowSlot {
  size: number;
  v: bigint;
  zero: boolean;
  /** A spilled scalar that is not a constant (then `v` is unused). */
  val?: Val;
}
const eqNarrow = (a: NarrowSlot | undefined, b: NarrowSlot | undefined): boolean =>
  !!a && !!b && a.size === b.size && a.v === b.v && a.zero === b.zero && (a.val === b.val || (!!a.val && !!b.val && eqVal(a.val, b.val)));
const cloneState = (s: AbsState): AbsState => ({ regs: s.regs.slice(), stack: new Map(s.stack), narrow: new Map(s.narrow ?? []), outer: s.outer });
function joinState(a: AbsState, b: AbsState): AbsState {
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
function eqState(a: AbsState, b: AbsState): boolean {
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

export interface TailCallFact {
  insn: number;
  subprog: number;
  map: Val;
  key: Val;
}

export interface AbsResult {
  /** aux->stack_depth per subprog before fixups: grow_stack_state rounds to 8 (v6.8+). */
  stackDepth: number[];
  /** The unrounded high-water mark (update_stack_depth of older kernels, e.g. 6.1). */
  rawStackDepth: number[];
  /** State before each insn (joined over paths); undefined = never seen. */
  before: (AbsState | undefined)[];
  tailCalls: TailCallFact[];
  /** Subprogs referenced as callbacks, and those registered as async (timer) callbacks. */
  asyncCbs: Set<number>;
  /** env->seen_direct_write: a store into skb packet data (tc programs). */
  seenDirectWrite: boolean;
  /** env->seen_exception: a reached bpf_throw call (6.7+). */
  seenException: boolean;
}

export interface AbsInput {
  w: E.Where;
  obj: BpfObject;
  insns: readonly Insn[];
  subprogs: readonly SubprogBase[];
  progType: ProgType;
  /** The linked program (global functions' argument facts). */
  prog?: BpfProgram;
  /** The target kernel's BTF (struct field walks, btfTrust.ts). */
  kernelBtf?: KernelBtf;
}

const SKB_LD_ABS_TYPES: ReadonlySet<ProgType> = new Set(['socket_filter', 'sched_cls', 'sched_act']);

export function interpret(inp: AbsInput): { ok: true; value: AbsResult } | { ok: false; error: Diag } {
  const { insns, subprogs, obj, w } = inp;
  const n = insns.length;
  const before: (AbsState | undefined)[] = new Array(n).fill(undefined);
  const entry: (AbsState | undefined)[] = subprogs.map(() => undefined);
  const stackDepth = subprogs.map(() => 0);
  const rawStackDepth = subprogs.map(() => 0);
  const asyncCbs = new Set<number>();
  let seenDirectWrite = false;
  let seenException = false;
  // Whether a subprogram has a reachable exit: a static callee whose every path throws
  // never returns, so the verifier never sees its caller's next insn (dead code, 6.7+).
  const returns = subprogs.map(() => false);
  const retVals: Val[] = subprogs.map(() => UNK);
  // A tail call (or an LD_ABS that fails) in a callee returns to its caller from elsewhere:
  // R0 after such a call is unknown.
  const otherReturns = subprogs.map((sp) => sp.hasTailCall || insns.slice(sp.start, sp.end).some((x) => isLdAbsInd(x.code)));
  const throwId = kfuncBtfId(obj, 'bpf_throw');
  const skbPkt = inp.progType === 'sched_cls' || inp.progType === 'sched_act' || inp.progType === 'sk_skb' || inp.progType === 'lwt_xmit';
  let error: Diag | undefined;
  const fail = (d: Diag): void => {
    if (!error) error = d;
  };

  const fresh = (sub: number): AbsState => {
    const regs: Val[] = new Array(11).fill(UNK);
    regs[FP] = { k: 'fp', owner: sub, off: 0 };
    return { regs, stack: new Map() };
  };
  const mainEntry = fresh(0);
  mainEntry.regs[1] = { k: 'ctx' };
  entry[0] = mainEntry;

  const btfArgs = btfCtxArgs(inp.progType, inp.prog);
  // The kernel's BTF for field walks (6.18.44's when the caller gives none); in an RCU read
  // section unless the program is sleepable (in_rcu_cs; bpf_rcu_read_lock is not modelled).
  let kb: Btf | null | undefined;
  const kbtf = (): Btf | undefined => {
    if (kb === undefined) {
      try {
        kb = (inp.kernelBtf ?? shippedKernelBtf()).btf;
      } catch {
        kb = null;
      }
    }
    return kb ?? undefined;
  };
  const inRcu = !isSleepableSection(inp.prog?.section ?? '');
  const kfuncRets = new Map((obj.externs ?? []).filter((e) => e.retBtf).map((e) => [e.kernelBtfId!, e.retBtf!]));
  const kfuncMemArgs = new Map((obj.externs ?? []).filter((e) => e.memArgs).map((e) => [e.kernelBtfId!, e.memArgs!]));
  const work = new Set<number>([0]);
  // The exception callback is verified on its own, its one argument a scalar cookie.
  subprogs.forEach((sp, k) => {
    if (sp.isExceptionCb) {
      entry[k] = fresh(k);
      work.add(k);
    }
  });
  const feedEntry = (sub: number, args: Val[], outer?: CallerFrames): void => {
    const s = fresh(sub);
    if (!subprogs[sub]!.isGlobal) s.outer = outer;
    for (let r = 1; r <= 5; r++) s.regs[r] = args[r] ?? UNK;
    if (subprogs[sub]!.isGlobal) {
      // Global functions are verified on their own, from BTF argument types: only a ctx
      // argument stays known; scalars and pointers become unknown.
      for (let r = 1; r <= 5; r++) if (s.regs[r]!.k !== 'ctx') s.regs[r] = UNK;
    }
    const old = entry[sub];
    const next = old ? joinState(old, s) : s;
    if (!old || !eqState(old, next)) {
      entry[sub] = next;
      work.add(sub);
    }
  };

  const stackAccess = (i: number, reg: number, base: Val, off: number, size: number, extra: string): void => {
    const spans = stackSpans(base);
    if (spans) {
      // A variable offset, or one of several: each frame grows to its lowest byte (stackPtr.ts).
      for (const sp of spans) {
        const need = Math.ceil(-(sp.lo + off) / 8) * 8;
        if (need > stackDepth[sp.owner]! && need <= MAX_BPF_STACK) stackDepth[sp.owner] = need;
        if (-(sp.lo + off) > rawStackDepth[sp.owner]! && need <= MAX_BPF_STACK) rawStackDepth[sp.owner] = -(sp.lo + off);
      }
      return;
    }
    if (base.k !== 'fp') return;
    const lo = base.off + off;
    if (lo < -MAX_BPF_STACK || lo + size > 0 || size < 0) {
      fail(E.invalidStackAccess(w, i, extra, reg, lo, size));
      return;
    }
    const need = Math.ceil(-lo / 8) * 8;
    if (need > stackDepth[base.owner]!) stackDepth[base.owner] = need;
    if (-lo > rawStackDepth[base.owner]!) rawStackDepth[base.owner] = -lo;
  };

  const clobberSlots = (s: AbsState, lo: number, size: number): void => {
    for (const off of [...s.stack.keys()]) if (off < lo + size && off + 8 > lo) s.stack.delete(off);
    const nw = s.narrow ?? (s.narrow = new Map());
    for (const [off, n] of [...nw]) if (off < lo + size && off + n.size > lo) nw.delete(off);
  };

  const forgetScalars = (s: AbsState, lo: number, size: number): void => {
    for (const [off, v] of [...s.stack]) if (off < lo + size && off + 8 > lo && isScalar(v)) s.stack.delete(off);
    for (const [off, n] of [...(s.narrow ?? [])]) if (off < lo + size && off + n.size > lo) s.narrow!.delete(off);
  };

  /** Transfer function of insn i for subprog `sub`; returns [successor, state] pairs. */
  const step = (sub: number, i: number, s0: AbsState): [number, AbsState][] => {
    const ins = insns[i]!;
    const s = cloneState(s0);
    const R = s.regs;
    const cls = insnClass(ins.code);
    if (ins.code === LD_DW_IMM) {
      const hi = insns[i + 1]!;
      if (ins.src === 0) R[ins.dst] = { k: 'const', v: (BigInt(hi.imm >>> 0) << 32n) | BigInt(ins.imm >>> 0) };
      else if (ins.src === BPF_PSEUDO_MAP_FD || ins.src === BPF_PSEUDO_MAP_IDX) {
        if (!obj.maps[ins.imm]) fail(E.badMapRef(w, i, ins.imm));
        R[ins.dst] = { k: 'map', idx: ins.imm };
      } else if (ins.src === BPF_PSEUDO_MAP_VALUE || ins.src === BPF_PSEUDO_MAP_IDX_VALUE) {
        if (!obj.maps[ins.imm]) fail(E.badMapRef(w, i, ins.imm));
        R[ins.dst] = { k: 'mapval', idx: ins.imm, off: hi.imm };
      } else if (ins.src === BPF_PSEUDO_FUNC) {
        R[ins.dst] = { k: 'func', sub: findSubprogAt(subprogs, calleeTarget(i, ins)) };
      } else R[ins.dst] = UNK;
      return [[i + 2, s]];
    }
    switch (cls) {
      case BPF_LD: {
        // LD_ABS / LD_IND: R6 must hold the skb; clobbers R0-R5 like a helper call.
        if (!SKB_LD_ABS_TYPES.has(inp.progType)) fail(E.ldAbsNotAllowed(w, i));
        else if (R[6]!.k !== 'ctx') fail(E.ldAbsNoCtx(w, i));
        for (let r = 0; r <= 5; r++) R[r] = UNK;
        return [[i + 1, s]];
      }
      case BPF_LDX: {
        const base = R[ins.src]!;
        const size = sizeBytes(memSize(ins.code));
        // A narrow load is a scalar to the verifier, except the ctx fields it rewrites into
        // pointers (skb/xdp data, data_end, data_meta).
        const sx = memMode(ins.code) === BPF_MEMSX;
        let v: Val = size < 8 && base.k !== 'ctx' ? scalarOf(sx ? sextRange(size) : zextRange(size)) : UNK;
        if (base.k === 'fpvar' || base.k === 'fpset') stackAccess(i, ins.src, base, ins.off, size, ' read from');
        if (base.k === 'fp') {
          stackAccess(i, ins.src, base, ins.off, size, ' read from');
          const at = base.off + ins.off;
          if (base.owner === sub && size === 8 && memMode(ins.code) !== BPF_MEMSX) v = s.stack.get(at) ?? UNK;
          else if (base.owner === sub && memMode(ins.code) !== BPF_MEMSX) v = narrowFill(s, at, size) ?? v;
          else if (size === 8 && memMode(ins.code) !== BPF_MEMSX) v = readCallerSlot(s, base.owner, at) ?? v;
        } else if (base.k === 'mapval') {
          const c = readRodata(obj, base.idx, base.off + ins.off, size, memMode(ins.code) === BPF_MEMSX);
          if (c.k !== 'unk') v = c;
        } else if (base.k === 'ctx' && skbPkt && size === 4 && (ins.off === SKB_DATA_OFF || ins.off === SKB_DATA_META_OFF)) {
          v = { k: 'pkt' };
        } else if (base.k === 'ctx' && skbPkt && size === 4 && ins.off === SKB_DATA_END_OFF) {
          v = { k: 'pktend' };
        } else if (base.k === 'ctx' && size === 8 && isCtxSockOff(inp.progType, ins.off)) {
          v = { k: 'sock' };
        } else if (base.k === 'ctx' && size === 8 && btfArgs) {
          const trusted = btfArgs(ins.off);
          const type = trusted && ins.off === 8 ? ITER_ARG_STRUCT[inp.prog?.section.split('/')[1] ?? ''] : undefined;
          v = { k: 'btf', trusted, walk: trusted, ...(type ? { type } : {}) };
        } else if (base.k === 'btf' && size === 8 && base.walk && base.type && kbtf()) {
          // A field of a known struct walked from a trusted or RCU pointer (btfTrust.ts).
          const f = ptrFieldAt(kbtf()!, base.type, ins.off);
          if (f)
            v = fieldTrusted(base.type, f, inRcu) ? { k: 'btf', trusted: true, walk: true, type: f.pointee } : { k: 'btf', trusted: false, type: f.pointee };
          else v = { k: 'btf', trusted: false };
        } else if (base.k === 'btf' && size === 8) {
          // Walking a pointer field: no longer trusted (check_ptr_to_btf_access; bpfdbg does
          // not model the BTF_TYPE_SAFE_* fields that keep trust).
          v = { k: 'btf', trusted: false };
        }
        R[ins.dst] = v;
        return [[i + 1, s]];
      }
      case BPF_ST:
      case BPF_STX: {
        const base = R[ins.dst]!;
        const size = sizeBytes(memSize(ins.code));
        if (base.k === 'pkt') seenDirectWrite = true;
        if (base.k === 'ctx' && memMode(ins.code) === BPF_ATOMIC) fail(E.atomicIntoCtx(w, i, ins.dst));
        if (stackSpans(base)) stackAccess(i, ins.dst, base, ins.off, size, ' write to');
        for (const sp of stackSpans(base) ?? []) {
          if (sp.owner === sub) clobberSlots(s, sp.lo + ins.off, sp.hi - sp.lo + size);
          else clobberCallerSlots(s, sp.owner, sp.lo + ins.off, sp.hi - sp.lo + size);
        }
        if (base.k === 'fp') {
          stackAccess(i, ins.dst, base, ins.off, size, ' write to');
          if (base.owner !== sub) clobberCallerSlots(s, base.owner, base.off + ins.off, size);
          if (base.owner === sub) {
            const at = base.off + ins.off;
            clobberSlots(s, at, size);
            if (size === 8 && (at & 7) === 0 && memMode(ins.code) !== BPF_ATOMIC) {
              const v: Val = cls === BPF_ST ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : (R[ins.src] = linkScalar(s, R[ins.src]!, i));
              if (v.k !== 'unk') s.stack.set(at, v);
            }
            if (size < 8 && memMode(ins.code) !== BPF_ATOMIC) {
              const v: Val = cls === BPF_ST ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : R[ins.src]!;
              const nw = s.narrow ?? (s.narrow = new Map());
              // check_stack_write_fixed_off: an aligned narrow store of a scalar is a spill
              // of that size; an unaligned store of zero makes STACK_ZERO bytes.
              if ((at & 7) === 0 && v.k === 'const') nw.set(at, { size, v: BigInt.asUintN(size * 8, v.v), zero: false });
              else if ((at & 7) === 0 && cls === BPF_STX && fitsSpill(v, size))
                nw.set(at, { size, v: 0n, zero: false, val: (R[ins.src] = linkScalar(s, v, i)) });
              else if ((at & 7) !== 0 && v.k === 'const' && v.v === 0n) for (let b = 0; b < size; b++) nw.set(at + b, { size: 1, v: 0n, zero: true });
            }
          }
        }
        if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC && ins.imm & 1) {
          // Fetching atomics write the old value into src (cmpxchg: into r0).
          if (ins.imm === 0xf1) R[0] = UNK;
          else R[ins.src] = UNK;
        }
        return [[i + 1, s]];
      }
      case BPF_ALU:
      case BPF_ALU64:
        if (cls === BPF_ALU64 && aluOp(ins.code) === BPF_MOV && srcBit(ins.code) !== BPF_K && ins.off === 0) R[ins.src] = linkScalar(s, R[ins.src]!, i);
        R[ins.dst] = aluStep(ins, R[ins.dst]!, srcBit(ins.code) === BPF_K ? undefined : R[ins.src]!);
        return [[i + 1, s]];
      case BPF_JMP:
      case BPF_JMP32: {
        const op = jmpOp(ins.code);
        if (op === BPF_EXIT) {
          // A static callee's R0 reaches its caller (prepare_func_exit): scalars joined over its exits.
          const r0 = R[0]!;
          const ret: Val = isScalar(r0) ? (r0.k === 'scalar' ? { k: 'scalar', r: r0.r } : r0) : UNK;
          const joined = returns[sub] ? joinVal(retVals[sub]!, ret) : ret;
          if (!returns[sub] || !eqVal(retVals[sub]!, joined)) {
            returns[sub] = true;
            retVals[sub] = joined;
            // Callers that stopped at a call to `sub` continue now.
            subprogs.forEach((_, k) => {
              if (entry[k] && k !== sub) work.add(k);
            });
          }
          return [];
        }
        if (op === BPF_CALL) return callStep(sub, i, ins, s);
        if (ins.code === JCOND)
          return [
            [i + 1, s],
            [branchTarget(i, ins), cloneState(s)],
          ];
        if (op === BPF_JA) return [[branchTarget(i, ins), s]];
        if (!isCondJump(ins.code)) return [[i + 1, s]];
        const a = R[ins.dst]!;
        const b: Val = srcBit(ins.code) === BPF_K ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : R[ins.src]!;
        const is32 = cls === BPF_JMP32;
        const taken = isScalar(a) && isScalar(b) ? scalarBranch(op, is32, a, b) : branchKnown(op, is32, a, b);
        const tgt = branchTarget(i, ins);
        const pk = cls === BPF_JMP && srcBit(ins.code) !== BPF_K ? pktEndCompare(op, ins.dst, ins.src, a, b) : undefined;
        if (pk?.taken === true) return [[tgt, s]];
        if (pk?.taken === false) return [[i + 1, s]];
        if (pk?.mark) {
          const t = cloneState(s);
          for (const [st, m] of [
            [s, pk.mark.fall],
            [t, pk.mark.taken],
          ] as const)
            if (m) st.regs[pk.mark.reg] = { k: 'pkt', end: m };
          return [
            [i + 1, s],
            [tgt, t],
          ];
        }
        if (taken === true) return [[tgt, s]];
        if (taken === false) return [[i + 1, s]];
        const t = cloneState(s);
        if (isScalar(a) && isScalar(b)) {
          // reg_set_min_max: each side learns the compare's outcome (a path may turn out impossible).
          const out: [number, AbsState][] = [];
          for (const [st, tk, at] of [
            [s, false, i + 1],
            [t, true, tgt],
          ] as const) {
            const r = scalarRefine(op, is32, tk, a, b);
            if (r === null) continue;
            if (r) {
              st.regs[ins.dst] = syncLinked(st, scalarId(a), r[0]);
              if (srcBit(ins.code) !== BPF_K) st.regs[ins.src] = syncLinked(st, scalarId(b), r[1]);
            }
            out.push([at, st]);
          }
          return out;
        }
        // Refine on equality with a constant (64-bit compares only), as reg_set_min_max does.
        if (cls === BPF_JMP && b.k === 'const' && a.k === 'unk') {
          if (op === BPF_JEQ) t.regs[ins.dst] = b;
          if (op === BPF_JNE) s.regs[ins.dst] = b;
        }
        return [
          [i + 1, s],
          [tgt, t],
        ];
      }
    }
    return [[i + 1, s]];
  };

  /**
   * Stack bytes a call may write through a pointer into this frame are no longer known
   * (helpers mark them STACK_MISC; a callee, callback or kfunc writes what it likes). The
   * helpers' read-only memory arguments (map keys, update values, sized input buffers)
   * keep them; any other pointer into the frame forgets the slots from it upwards, and a
   * bpf2bpf call, kfunc or callback-taking helper forgets the whole frame. Those last two
   * forget only scalars: spilled pointers (a ctx saved across a call) stay, as the
   * verifier keeps them unless the callee overwrites them, which compilers do not emit.
   */
  const clobberCallWrites = (sub: number, ins: Insn, s: AbsState): void => {
    const R = s.regs;
    for (let r = 1; r <= 5; r++) {
      const v = R[r]!;
      for (const sp of stackSpans(v) ?? []) if (sp.owner === sub) forgetScalars(s, sp.lo, -sp.lo);
    }
    const own = (r: number): boolean => R[r]!.k === 'fp' && (R[r] as { owner: number }).owner === sub;
    const args = [1, 2, 3, 4, 5].filter(own);
    if (!args.length) return;
    if (!isHelperCall(ins) || CALLBACK_HELPERS[ins.imm]) {
      forgetScalars(s, -MAX_BPF_STACK, MAX_BPF_STACK);
      return;
    }
    const readOnly = new Set<number>();
    for (const a of MAP_MEM_ARGS[ins.imm] ?? []) if (!a.write) readOnly.add(a.reg);
    for (const [pr, sr, write] of SIZED_MEM_ARGS[ins.imm] ?? []) {
      const sz = R[sr]!;
      if (!write) readOnly.add(pr);
      else if (own(pr) && sz.k === 'const' && sz.v > 0n && sz.v <= BigInt(MAX_BPF_STACK)) {
        clobberSlots(s, (R[pr] as { off: number }).off, Number(sz.v));
        readOnly.add(pr);
      }
    }
    for (const r of args) {
      if (readOnly.has(r)) continue;
      const off = (R[r] as { off: number }).off;
      forgetScalars(s, off, -off);
    }
  };

  const callStep = (sub: number, i: number, ins: Insn, s: AbsState): [number, AbsState][] => {
    const R = s.regs;
    const known = isHelperCall(ins) && ins.imm === BPF_FUNC.map_lookup_elem ? knownArrayElem(obj, sub, s) : undefined;
    let retFrom = -1;
    if (isPseudoCall(ins)) {
      const callee = findSubprogAt(subprogs, calleeTarget(i, ins));
      if (callee >= 0 && subprogs[callee]!.isGlobal) {
        // btf_check_subprog_call: pointer arguments are checked as memory of their BTF size.
        const start = subprogs[callee]!.start;
        for (const a of inp.prog?.funcs.find((f) => f.start === start)?.memArgs ?? []) {
          stackAccess(i, a.reg, R[a.reg]!, 0, a.size!, ' indirect access to');
        }
      }
      if (callee >= 0) {
        feedEntry(callee, R, framesForCallee(sub, s));
        // A global callee is verified apart and always returns a scalar to its caller.
        if (!subprogs[callee]!.isGlobal && !returns[callee]) return [];
        if (!subprogs[callee]!.isGlobal && !otherReturns[callee]) retFrom = callee;
      }
    } else if (ins.src === BPF_PSEUDO_KFUNC_CALL && throwId !== undefined && ins.imm === throwId) {
      // bpf_throw unwinds to the exception boundary: nothing after it runs on this path.
      seenException = true;
      return [];
    } else if (isHelperCall(ins)) {
      const id = ins.imm;
      for (const a of MAP_MEM_ARGS[id] ?? []) {
        const m = R[a.mapReg]!;
        const def = m.k === 'map' ? obj.maps[m.idx] : undefined;
        if (def) stackAccess(i, a.reg, R[a.reg]!, 0, a.what === 'key' ? def.keySize : def.valueSize, ' indirect access to');
      }
      for (const [pr, sr] of SIZED_MEM_ARGS[id] ?? []) {
        const sz = R[sr]!;
        // A zero size still checks the pointer's offset (check_mem_size_reg with umax 0).
        if (sz.k === 'const' && sz.v <= 512n) stackAccess(i, pr, R[pr]!, 0, Number(sz.v), ' indirect access to');
      }
      for (const [pr, bytes] of FIXED_MEM_ARGS[id] ?? []) stackAccess(i, pr, R[pr]!, 0, bytes, ' indirect access to');
      const dyn = UNINIT_DYNPTR_ARGS[id];
      if (dyn !== undefined) stackAccess(i, dyn, R[dyn]!, 0, BPF_DYNPTR_SIZE, ' indirect access to');
      const cb = CALLBACK_HELPERS[id];
      if (cb) {
        const f = R[cb.cbReg]!;
        if (f.k === 'func' && f.sub >= 0) {
          if (cb.async) {
            subprogs[f.sub]!.isAsyncCb = true;
            asyncCbs.add(f.sub);
          }
          const args: Val[] = new Array(6).fill(UNK);
          if (cb.ctxFrom !== undefined && cb.ctxTo !== undefined) args[cb.ctxTo] = R[cb.ctxFrom]!;
          feedEntry(f.sub, args);
        }
      }
    } else if (ins.src === BPF_PSEUDO_KFUNC_CALL) {
      for (const a of kfuncMemArgs.get(ins.imm) ?? []) {
        const sz = a.size !== undefined ? BigInt(a.size) : R[a.sizeReg!]!.k === 'const' ? (R[a.sizeReg!] as { v: bigint }).v : -1n;
        if (sz >= 0n && sz <= 512n) stackAccess(i, a.reg, R[a.reg]!, 0, Number(sz), ' indirect access to');
      }
      // A kfunc given a subprogram (bpf_rbtree_add_impl's `less`, bpf_wq_set_callback_impl)
      // calls it back: the verifier explores it (push_callback_call), so it is live code.
      for (let r = 1; r <= 5; r++) {
        const f = R[r]!;
        if (f.k === 'func' && f.sub >= 0) feedEntry(f.sub, new Array(6).fill(UNK));
      }
    }
    clobberCallWrites(sub, ins, s);
    for (let r = 0; r <= 5; r++) R[r] = UNK;
    if (retFrom >= 0) R[0] = retVals[retFrom]!;
    // Helpers returning PTR_TO_SOCKET/SOCK_COMMON (or NULL): loads through them are converted.
    if (isHelperCall(ins)) R[0] = SOCK_RETURNING.has(ins.imm) ? { k: 'sock' } : (known ?? helperResult(ins.imm));
    if (isHelperCall(ins) && ins.imm === TCP_SOCK_HELPER) R[0] = { k: 'tcpsock' };
    if (isHelperCall(ins) && BTF_RETURNING[ins.imm] !== undefined) {
      const trusted = BTF_RETURNING[ins.imm]!;
      R[0] = { k: 'btf', trusted, walk: trusted, ...(ins.imm === GET_CURRENT_TASK_BTF ? { type: 'task_struct' } : {}) };
    }
    if (ins.src === BPF_PSEUDO_KFUNC_CALL) {
      const ret = kfuncRets.get(ins.imm);
      const type = ret && kbtf() ? kfuncRetStruct(kbtf()!, ins.imm) : undefined;
      if (ret) R[0] = { k: 'btf', trusted: ret === 'trusted', walk: ret !== 'untrusted', ...(type ? { type } : {}) };
    }
    return [[i + 1, s]];
  };

  // Outer fixpoint: analyse subprogs whose entry state changed.
  let guard = 0;
  while (work.size && !error) {
    if (++guard > 10000) break;
    const sub = work.values().next().value as number;
    work.delete(sub);
    const sp = subprogs[sub]!;
    const inState = new Map<number, AbsState>([[sp.start, entry[sub]!]]);
    const wl = [sp.start];
    const queued = new Set(wl);
    const changes = new Map<number, number>();
    while (wl.length) {
      const i = wl.pop()!;
      queued.delete(i);
      for (const [t, st] of step(sub, i, inState.get(i)!)) {
        if (t < sp.start || t >= sp.end) continue;
        const old = inState.get(t);
        let next = old ? joinState(old, st) : st;
        if (old && !eqState(old, next)) {
          const n = (changes.get(t) ?? 0) + 1;
          changes.set(t, n);
          if (n > WIDEN_AFTER) next = widenState(old, next);
        }
        if (!old || !eqState(old, next)) {
          inState.set(t, next);
          if (!queued.has(t)) {
            queued.add(t);
            wl.push(t);
          }
        }
      }
    }
    for (let i = sp.start; i < sp.end; i++) before[i] = inState.get(i);
  }
  if (error) return { ok: false, error };

  // Facts read from the final states.
  const tailCalls: TailCallFact[] = [];
  subprogs.forEach((sp, k) => {
    for (let i = sp.start; i < sp.end; i++) {
      const ins = insns[i]!;
      const st = before[i];
      if (st && isHelperCall(ins) && ins.imm === BPF_FUNC_tail_call) {
        tailCalls.push({ insn: i, subprog: k, map: st.regs[2]!, key: st.regs[3]! });
      }
      if (isLdAbsInd(ins.code)) sp.hasLdAbs = true;
    }
  });
  return { ok: true, value: { stackDepth, rawStackDepth, before, tailCalls, asyncCbs, seenDirectWrite, seenException } };
}

/** vmlinux BTF id of the kfunc `name` as the object's resolved externs give it. */
function kfuncBtfId(obj: BpfObject, name: string): number | undefined {
  return obj.externs?.find((e) => e.kind === 'kfunc' && e.name === name)?.kernelBtfId;
}

/**
 * A lookup in an array map with a constant in-range key returns a non-NULL value pointer
 * (6.13+: can_elide_value_nullness, get_constant_map_key): the key is all STACK_ZERO
 * bytes, or a constant spilled with exactly the key's size.
 */
function knownArrayElem(obj: BpfObject, sub: number, s: AbsState): Val | undefined {
  const m = s.regs[1]!;
  const k = s.regs[2]!;
  if (m.k !== 'map' || k.k !== 'fp' || k.owner !== sub) return undefined;
  const def = obj.maps[m.idx];
  if (!def || (def.type !== MapType.ARRAY && def.type !== MapType.PERCPU_ARRAY)) return undefined;
  const at = k.off;
  const size = def.keySize;
  let key: bigint | undefined;
  // STACK_ZERO bytes from the key's first byte to the end of its 8-byte slot.
  let zeros = 0;
  for (let b = at; b < Math.floor(at / 8) * 8 + 8 && s.narrow?.get(b)?.zero; b++) zeros++;
  if (zeros >= size) key = 0n;
  else {
    const sp = s.narrow?.get(at);
    const full = s.stack.get(at);
    if (sp && !sp.zero && !sp.val && sp.size === size) key = sp.v;
    else if (size === 8 && full?.k === 'const') key = full.v;
  }
  if (key === undefined || key >= BigInt(def.maxEntries)) return undefined;
  return { k: 'mapval', idx: m.idx, off: Number(key) * Math.ceil(def.valueSize / 8) * 8 };
}

const cst = (v: bigint | undefined): Val => (v === undefined ? UNK : { k: 'const', v });

function aluStep(ins: Insn, dst: Val, src: Val | undefined): Val {
  const is64 = insnClass(ins.code) === BPF_ALU64;
  const op = aluOp(ins.code);
  const srcVal: Val = src ?? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) };
  if (op === BPF_MOV) {
    if (src === undefined) return { k: 'const', v: is64 ? BigInt.asUintN(64, BigInt(ins.imm)) : BigInt(ins.imm >>> 0) };
    if (is64 && ins.off === 0) return src;
    return scalarAlu(ins, dst, src) ?? UNK;
  }
  if (is64 && (op === BPF_ADD || op === BPF_SUB) && srcVal.k === 'const') {
    const delta = Number(BigInt.asIntN(64, srcVal.v)) * (op === BPF_SUB ? -1 : 1);
    if (dst.k === 'fp') return { k: 'fp', owner: dst.owner, off: dst.off + delta };
    if (dst.k === 'mapval') return { k: 'mapval', idx: dst.idx, off: dst.off + delta };
    if (dst.k === 'fpset') return moveStackSet(dst, delta)!;
    if (dst.k === 'btf') return delta === 0 ? dst : { k: 'btf', trusted: dst.trusted, ...(dst.walk ? { walk: true } : {}) };
  }
  if (is64 && (op === BPF_ADD || op === BPF_SUB) && dst.k === 'pkt') return { k: 'pkt' };
  const sp = is64 ? moveStackPtr(op, dst, srcVal) : undefined;
  if (sp) return sp;
  if (is64 && op === BPF_ADD && srcVal.k === 'pkt' && dst.k !== 'fp' && dst.k !== 'ctx') return { k: 'pkt' };
  const sc = scalarAlu(ins, dst, srcVal);
  if (sc) return sc;
  // The verifier (through 6.18) does not compute div/mod results: they become unknown
  // scalars, so folding them would resolve branches the kernel keeps.
  if (op === BPF_DIV || op === BPF_MOD) return UNK;
  if (dst.k === 'const' && srcVal.k === 'const') return cst(evalAlu(ins, dst.v, srcVal.v));
  if (dst.k === 'const' && aluOp(ins.code) === 0x80) return cst(evalAlu(ins, dst.v, 0n));
  return UNK;
}

/** is_branch_taken for the cases bpfdbg tracks: two constants, or a non-null pointer vs 0. */
function branchKnown(op: number, is32: boolean, a: Val, b: Val): boolean | undefined {
  if (a.k === 'const' && b.k === 'const') return evalCond(op, is32, a.v, b.v);
  const isPtr = (v: Val): boolean => v.k === 'fp' || v.k === 'map' || v.k === 'mapval' || v.k === 'ctx' || v.k === 'func';
  if (!is32 && isPtr(a) && b.k === 'const' && b.v === 0n) {
    if (op === BPF_JEQ) return false;
    if (op === BPF_JNE) return true;
  }
  return undefined;
}

/** Loads from a frozen read-only map (.rodata) are constants to the verifier (bpf_map_direct_read). */
function readRodata(obj: BpfObject, idx: number, off: number, size: number, signed: boolean): Val {
  const m = obj.maps[idx];
  if (!m || m.kind !== 'rodata' || !m.initialValue) return UNK;
  const b = m.initialValue;
  if (off < 0 || off + size > b.length) return UNK;
  let v = 0n;
  for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[off + k]!);
  if (signed) v = BigInt.asUintN(64, BigInt.asIntN(size * 8, v));
  return { k: 'const', v };
}

/**
 * Helpers returning PTR_TO_BTF_ID: bpf_get_current_task_btf and bpf_task_pt_regs are
 * PTR_TRUSTED; the bpf_skc_to_* casts and bpf_sock_from_file are plain (maybe NULL).
 */
const BTF_RETURNING: Record<number, boolean> = {
  158: true,
  175: true, // get_current_task_btf, task_pt_regs
  136: false,
  137: false,
  138: false,
  139: false,
  140: false,
  178: false,
  196: false, // skc_to_*
  162: false, // sock_from_file
};

/** The struct an iterator's first argument points to (struct bpf_iter__<target>, 6.18). */
const ITER_ARG_STRUCT: Record<string, string> = { task: 'task_struct', cgroup: 'cgroup' };
const GET_CURRENT_TASK_BTF = helperId('get_current_task_btf')!;

/** Iterator targets whose ctx_arg_info marks the arguments PTR_TRUSTED (6.18). */
const TRUSTED_ITER_ARGS: ReadonlySet<string> = new Set(['task', 'bpf_map', 'bpf_map_elem', 'cgroup', 'tcp', 'udp', 'kmem_cache']);

/**
 * Programs whose ctx holds BTF-typed arguments (btf_ctx_access), and whether a pointer read
 * from ctx offset `off` is trusted: prog_args_trusted (6.18) trusts tp_btf, iterator,
 * struct_ops and LSM arguments; fentry/fexit/fmod_ret arguments are plain PTR_TO_BTF_ID.
 * An iterator's own arguments come from its target's ctx_arg_info instead: PTR_TRUSTED for
 * the targets in TRUSTED_ITER_ARGS, plain PTR_TO_BTF_ID_OR_NULL for the others; the meta
 * pointer (offset 0) goes through the generic, trusted path.
 */
function btfCtxArgs(progType: ProgType, prog: BpfProgram | undefined): ((off: number) => boolean) | undefined {
  if (progType === 'struct_ops' || progType === 'lsm') return () => true;
  if (progType !== 'tracing' || !prog) return undefined;
  const head = prog.section.split('/')[0]!;
  if (head === 'iter' || head === 'iter.s') {
    const trusted = TRUSTED_ITER_ARGS.has(prog.section.split('/')[1] ?? '');
    return (off) => off === 0 || trusted;
  }
  if (head === 'tp_btf') return () => true;
  return () => false;
}

export { JCOND, BPF_JA };
