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
import { helperId } from '../bpf/helperIds.ts';
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, BPF_K, BPF_MEMSX,
  BPF_ATOMIC, BPF_JA, BPF_CALL, BPF_EXIT, BPF_JEQ, BPF_JNE, BPF_MOV, BPF_ADD, BPF_SUB, BPF_DIV, BPF_MOD,
  BPF_PSEUDO_MAP_FD, BPF_PSEUDO_MAP_VALUE, BPF_PSEUDO_FUNC, BPF_PSEUDO_KFUNC_CALL, BPF_PSEUDO_MAP_IDX, BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_FUNC_tail_call, insnClass, aluOp, jmpOp, srcBit, memMode, memSize, sizeBytes, isPseudoCall,
  isHelperCall, isLdAbsInd, calleeTarget, branchTarget, LD_DW_IMM, JCOND, isCondJump,
} from '../bpf/opcodes.ts';
import type { BpfObject, ProgType } from '../object/types.ts';
import { evalAlu, evalCond } from './constEval.ts';
import { ctxSockOff } from './ctxRewrite.ts';
import * as E from './errors.ts';
import { CALLBACK_HELPERS, MAP_MEM_ARGS, SIZED_MEM_ARGS } from './helperArgs.ts';
import { findSubprogAt, type SubprogBase } from './subprogs.ts';
import { MAX_BPF_STACK } from '../common/kernelLimits.ts';

/** offsetof(struct __sk_buff, data / data_meta). */
const SKB_DATA_OFF = 76;
const SKB_DATA_META_OFF = 140;
const FP = 10;
/** bpf_sk_lookup_tcp/udp, bpf_sk_fullsock, bpf_get_listener_sock, bpf_skc_lookup_tcp. */
const SOCK_RETURNING: ReadonlySet<number> = new Set(
  ['sk_lookup_tcp', 'sk_lookup_udp', 'sk_fullsock', 'get_listener_sock', 'skc_lookup_tcp'].map((n) => helperId(n)!),
);

export type Val =
  | { k: 'unk' }
  | { k: 'const'; v: bigint }
  | { k: 'fp'; owner: number; off: number }
  | { k: 'map'; idx: number }
  | { k: 'mapval'; idx: number; off: number }
  | { k: 'ctx' }
  /** A pointer into skb packet data (from __sk_buff.data/data_meta), any offset. */
  | { k: 'pkt' }
  /** A socket pointer read from the ctx (PTR_TO_SOCKET/SOCK_COMMON, maybe NULL): a struct bpf_sock. */
  | { k: 'sock' }
  | { k: 'func'; sub: number };

export const UNK: Val = { k: 'unk' };
const eqVal = (a: Val, b: Val): boolean => {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'unk': case 'ctx': case 'pkt': case 'sock': return true;
    case 'const': return a.v === (b as typeof a).v;
    case 'fp': return a.owner === (b as typeof a).owner && a.off === (b as typeof a).off;
    case 'map': return a.idx === (b as typeof a).idx;
    case 'mapval': return a.idx === (b as typeof a).idx && a.off === (b as typeof a).off;
    case 'func': return a.sub === (b as typeof a).sub;
  }
};
const joinVal = (a: Val, b: Val): Val => (eqVal(a, b) ? a : UNK);

export interface AbsState {
  regs: Val[];
  /** Spilled 8-byte values in the subprog's own frame, by (negative) offset. */
  stack: Map<number, Val>;
}
const cloneState = (s: AbsState): AbsState => ({ regs: s.regs.slice(), stack: new Map(s.stack) });
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
  return { regs, stack };
}
function eqState(a: AbsState, b: AbsState): boolean {
  if (!a.regs.every((v, i) => eqVal(v, b.regs[i]!))) return false;
  if (a.stack.size !== b.stack.size) return false;
  for (const [off, v] of a.stack) {
    const w = b.stack.get(off);
    if (!w || !eqVal(v, w)) return false;
  }
  return true;
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
}

export interface AbsInput {
  w: E.Where;
  obj: BpfObject;
  insns: readonly Insn[];
  subprogs: readonly SubprogBase[];
  progType: ProgType;
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

  const work = new Set<number>([0]);
  const feedEntry = (sub: number, args: Val[]): void => {
    const s = fresh(sub);
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
    if (base.k !== 'fp') return;
    const lo = base.off + off;
    if (lo < -MAX_BPF_STACK || lo + size > 0 || size <= 0) {
      fail(E.invalidStackAccess(w, i, extra, reg, lo, size));
      return;
    }
    const need = Math.ceil(-lo / 8) * 8;
    if (need > stackDepth[base.owner]!) stackDepth[base.owner] = need;
    if (-lo > rawStackDepth[base.owner]!) rawStackDepth[base.owner] = -lo;
  };

  const clobberSlots = (s: AbsState, lo: number, size: number): void => {
    for (const off of [...s.stack.keys()]) if (off < lo + size && off + 8 > lo) s.stack.delete(off);
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
        let v: Val = UNK;
        if (base.k === 'fp') {
          stackAccess(i, ins.src, base, ins.off, size, ' read from');
          const at = base.off + ins.off;
          if (base.owner === sub && size === 8 && memMode(ins.code) !== BPF_MEMSX) v = s.stack.get(at) ?? UNK;
        } else if (base.k === 'mapval') {
          v = readRodata(obj, base.idx, base.off + ins.off, size, memMode(ins.code) === BPF_MEMSX);
        } else if (base.k === 'ctx' && skbPkt && size === 4 && (ins.off === SKB_DATA_OFF || ins.off === SKB_DATA_META_OFF)) {
          v = { k: 'pkt' };
        } else if (base.k === 'ctx' && size === 8 && ins.off === ctxSockOff(inp.progType)) {
          v = { k: 'sock' };
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
        if (base.k === 'fp') {
          stackAccess(i, ins.dst, base, ins.off, size, ' write to');
          if (base.owner === sub) {
            const at = base.off + ins.off;
            clobberSlots(s, at, size);
            if (size === 8 && (at & 7) === 0 && memMode(ins.code) !== BPF_ATOMIC) {
              const v: Val = cls === BPF_ST ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : R[ins.src]!;
              if (v.k !== 'unk') s.stack.set(at, v);
            }
          }
        }
        if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC && (ins.imm & 1)) {
          // Fetching atomics write the old value into src (cmpxchg: into r0).
          if (ins.imm === 0xf1) R[0] = UNK;
          else R[ins.src] = UNK;
        }
        return [[i + 1, s]];
      }
      case BPF_ALU:
      case BPF_ALU64:
        R[ins.dst] = aluStep(ins, R[ins.dst]!, srcBit(ins.code) === BPF_K ? undefined : R[ins.src]!);
        return [[i + 1, s]];
      case BPF_JMP:
      case BPF_JMP32: {
        const op = jmpOp(ins.code);
        if (op === BPF_EXIT) return [];
        if (op === BPF_CALL) return callStep(i, ins, s);
        if (ins.code === JCOND) return [[i + 1, s], [branchTarget(i, ins), cloneState(s)]];
        if (op === BPF_JA) return [[branchTarget(i, ins), s]];
        if (!isCondJump(ins.code)) return [[i + 1, s]];
        const a = R[ins.dst]!;
        const b: Val = srcBit(ins.code) === BPF_K ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : R[ins.src]!;
        const taken = branchKnown(op, cls === BPF_JMP32, a, b);
        const tgt = branchTarget(i, ins);
        if (taken === true) return [[tgt, s]];
        if (taken === false) return [[i + 1, s]];
        const t = cloneState(s);
        // Refine on equality with a constant (64-bit compares only), as reg_set_min_max does.
        if (cls === BPF_JMP && b.k === 'const' && a.k === 'unk') {
          if (op === BPF_JEQ) t.regs[ins.dst] = b;
          if (op === BPF_JNE) s.regs[ins.dst] = b;
        }
        return [[i + 1, s], [tgt, t]];
      }
    }
    return [[i + 1, s]];
  };

  const callStep = (i: number, ins: Insn, s: AbsState): [number, AbsState][] => {
    const R = s.regs;
    if (isPseudoCall(ins)) {
      const callee = findSubprogAt(subprogs, calleeTarget(i, ins));
      if (callee >= 0) feedEntry(callee, R);
    } else if (isHelperCall(ins)) {
      const id = ins.imm;
      for (const a of MAP_MEM_ARGS[id] ?? []) {
        const m = R[a.mapReg]!;
        const def = m.k === 'map' ? obj.maps[m.idx] : undefined;
        if (def) stackAccess(i, a.reg, R[a.reg]!, 0, a.what === 'key' ? def.keySize : def.valueSize, ' indirect access to');
      }
      for (const [pr, sr] of SIZED_MEM_ARGS[id] ?? []) {
        const sz = R[sr]!;
        if (sz.k === 'const' && sz.v > 0n && sz.v <= 512n) stackAccess(i, pr, R[pr]!, 0, Number(sz.v), ' indirect access to');
      }
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
      // A kfunc given a subprogram (bpf_rbtree_add_impl's `less`, bpf_wq_set_callback_impl)
      // calls it back: the verifier explores it (push_callback_call), so it is live code.
      for (let r = 1; r <= 5; r++) {
        const f = R[r]!;
        if (f.k === 'func' && f.sub >= 0) feedEntry(f.sub, new Array(6).fill(UNK));
      }
    }
    for (let r = 0; r <= 5; r++) R[r] = UNK;
    // Helpers returning PTR_TO_SOCKET/SOCK_COMMON (or NULL): loads through them are converted.
    if (isHelperCall(ins) && SOCK_RETURNING.has(ins.imm)) R[0] = { k: 'sock' };
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
    while (wl.length) {
      const i = wl.pop()!;
      queued.delete(i);
      for (const [t, st] of step(sub, i, inState.get(i)!)) {
        if (t < sp.start || t >= sp.end) continue;
        const old = inState.get(t);
        const next = old ? joinState(old, st) : st;
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
  return { ok: true, value: { stackDepth, rawStackDepth, before, tailCalls, asyncCbs, seenDirectWrite } };
}

const cst = (v: bigint | undefined): Val => (v === undefined ? UNK : { k: 'const', v });

function aluStep(ins: Insn, dst: Val, src: Val | undefined): Val {
  const is64 = insnClass(ins.code) === BPF_ALU64;
  const op = aluOp(ins.code);
  const srcVal: Val = src ?? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) };
  if (op === BPF_MOV) {
    if (src === undefined) return { k: 'const', v: is64 ? BigInt.asUintN(64, BigInt(ins.imm)) : BigInt(ins.imm >>> 0) };
    if (is64 && ins.off === 0) return src;
    if (src.k === 'const') return cst(evalAlu(ins, 0n, src.v));
    return UNK;
  }
  if (is64 && (op === BPF_ADD || op === BPF_SUB) && srcVal.k === 'const') {
    const delta = Number(BigInt.asIntN(64, srcVal.v)) * (op === BPF_SUB ? -1 : 1);
    if (dst.k === 'fp') return { k: 'fp', owner: dst.owner, off: dst.off + delta };
    if (dst.k === 'mapval') return { k: 'mapval', idx: dst.idx, off: dst.off + delta };
  }
  if (is64 && (op === BPF_ADD || op === BPF_SUB) && dst.k === 'pkt') return dst;
  if (is64 && op === BPF_ADD && srcVal.k === 'pkt' && dst.k !== 'fp' && dst.k !== 'ctx') return srcVal;
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

export { JCOND, BPF_JA };
