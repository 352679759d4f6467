// What one run of the abstract interpreter (absint.ts) shares between its transfer
// functions: the program, each subprogram's entry state and the work list of subprograms
// to (re)analyse, stack high-water marks, the flags it reports and its first error.
import type { Diag } from '../common/diag.ts';
import type { Insn } from '../bpf/insn.ts';
import type { KfuncMemArg } from '../object/kfuncArgs.ts';
import type { BpfObject, BpfProgram, ProgType } from '../object/types.ts';
import { MAX_BPF_STACK } from '../common/kernelLimits.ts';
import * as E from './errors.ts';
import type { SubprogBase } from './subprogs.ts';
import { FP, UNK, eqState, eqVal, joinState, joinVal, type AbsState, type Val } from './absintState.ts';
import { btfCtxArgs } from './btfCtxArgs.ts';
import type { CallerFrames } from './callerFrames.ts';
import { stackSpans } from './stackPtr.ts';
import { isScalar } from './scalarVals.ts';
import type { Btf } from '../object/btf.ts';
import { shippedKernelBtf, type KernelBtf } from '../object/kernelBtf.ts';
import { isSleepableSection } from '../object/progType.ts';

export interface AbsInput {
  w: E.ProgWhere;
  obj: BpfObject;
  insns: readonly Insn[];
  subprogs: readonly SubprogBase[];
  progType: ProgType;
  /** The linked program (global functions' argument facts). */
  prog?: BpfProgram;
  /** The target kernel's BTF (struct field walks, btfTrust.ts). */
  kernelBtf?: KernelBtf;
}

export class AbsRun {
  readonly w: E.ProgWhere;
  readonly obj: BpfObject;
  readonly insns: readonly Insn[];
  readonly subprogs: readonly SubprogBase[];
  /** State at each subprog's entry, joined over its callers; undefined = not reached yet. */
  readonly entry: (AbsState | undefined)[];
  /** Subprogs whose entry state changed since they were last analysed. */
  readonly work = new Set<number>([0]);
  readonly stackDepth: number[];
  readonly rawStackDepth: number[];
  readonly asyncCbs = new Set<number>();
  /**
   * Whether a subprogram has a reachable exit: a static callee whose every path throws
   * never returns, so the verifier never sees its caller's next insn (dead code, 6.7+).
   */
  readonly returns: boolean[];
  /** A static callee's R0 at its exits, joined: what its callers see (prepare_func_exit). */
  readonly retVals: Val[];
  /** In an RCU read section unless the program is sleepable (in_rcu_cs; bpf_rcu_read_lock is not modelled). */
  readonly inRcu: boolean;
  private kb: Btf | null | undefined;
  seenDirectWrite = false;
  seenException = false;
  error: Diag | undefined;
  /** Programs whose __sk_buff.data/data_meta loads are packet pointers. */
  readonly skbPkt: boolean;
  /** Whether a pointer read from the ctx at an offset is a (trusted) BTF pointer. */
  readonly btfArgs: ((off: number) => boolean) | undefined;
  readonly kfuncRets: Map<number, 'trusted' | 'acquired' | 'untrusted'>;
  readonly kfuncMemArgs: Map<number, KfuncMemArg[]>;
  /** vmlinux BTF id of bpf_throw, when the object calls it. */
  readonly throwId: number | undefined;

  constructor(readonly inp: AbsInput) {
    const { obj, subprogs, progType } = inp;
    this.w = inp.w;
    this.obj = obj;
    this.insns = inp.insns;
    this.subprogs = subprogs;
    this.entry = subprogs.map(() => undefined);
    this.stackDepth = subprogs.map(() => 0);
    this.rawStackDepth = subprogs.map(() => 0);
    this.returns = subprogs.map(() => false);
    this.retVals = subprogs.map(() => UNK);
    this.inRcu = !isSleepableSection(inp.prog?.section ?? '');
    this.throwId = obj.externs?.find((e) => e.kind === 'kfunc' && e.name === 'bpf_throw')?.kernelBtfId;
    this.skbPkt = progType === 'sched_cls' || progType === 'sched_act' || progType === 'sk_skb' || progType === 'lwt_xmit';
    const mainEntry = this.fresh(0);
    mainEntry.regs[1] = { k: 'ctx' };
    this.entry[0] = mainEntry;
    this.btfArgs = btfCtxArgs(progType, inp.prog);
    this.kfuncRets = new Map((obj.externs ?? []).filter((e) => e.retBtf).map((e) => [e.kernelBtfId!, e.retBtf!]));
    this.kfuncMemArgs = new Map((obj.externs ?? []).filter((e) => e.memArgs).map((e) => [e.kernelBtfId!, e.memArgs!]));
    // The exception callback is verified on its own, its one argument a scalar cookie.
    subprogs.forEach((sp, k) => {
      if (sp.isExceptionCb) {
        this.entry[k] = this.fresh(k);
        this.work.add(k);
      }
    });
  }

  /** The kernel's BTF for field walks (6.18.44's when the caller gives none); undefined when there is none. */
  kernelBtf(): Btf | undefined {
    if (this.kb === undefined) {
      try {
        this.kb = (this.inp.kernelBtf ?? shippedKernelBtf()).btf;
      } catch {
        this.kb = null;
      }
    }
    return this.kb ?? undefined;
  }

  /** Keeps the first error: the run stops at it. */
  fail(d: Diag): void {
    if (!this.error) this.error = d;
  }

  /** The state at the entry of subprog `sub`: nothing known but its frame pointer. */
  fresh(sub: number): AbsState {
    const regs: Val[] = new Array(11).fill(UNK);
    regs[FP] = { k: 'fp', owner: sub, off: 0 };
    return { regs, stack: new Map() };
  }

  /** A call of `sub` with R1-R5 = args[1..5]: joins its entry state, queueing it on a change. */
  feedEntry(sub: number, args: Val[], outer?: CallerFrames): void {
    const s = this.fresh(sub);
    if (!this.subprogs[sub]!.isGlobal) s.outer = outer;
    for (let r = 1; r <= 5; r++) s.regs[r] = args[r] ?? UNK;
    if (this.subprogs[sub]!.isGlobal) {
      // Global functions are verified on their own, from BTF argument types: only a ctx
      // argument stays known; scalars and pointers become unknown.
      for (let r = 1; r <= 5; r++) if (s.regs[r]!.k !== 'ctx') s.regs[r] = UNK;
    }
    const old = this.entry[sub];
    const next = old ? joinState(old, s) : s;
    if (!old || !eqState(old, next)) {
      this.entry[sub] = next;
      this.work.add(sub);
    }
  }

  /** An access of `size` bytes at `base` + `off` by insn i: when `base` is a stack pointer, checks the frame's bounds and grows its depth. */
  stackAccess(i: number, reg: number, base: Val, off: number, size: number, extra: string): void {
    const spans = stackSpans(base);
    if (spans) {
      // A variable offset, or one of several: each frame grows to its lowest byte (stackPtr.ts).
      for (const sp of spans) if (Math.ceil(-(sp.lo + off) / 8) * 8 <= MAX_BPF_STACK) this.growStack(sp.owner, sp.lo + off);
      return;
    }
    if (base.k !== 'fp') return;
    const lo = base.off + off;
    if (lo < -MAX_BPF_STACK || lo + size > 0 || size < 0) {
      this.fail(E.invalidStackAccess(this.w, i, extra, reg, lo, size));
      return;
    }
    this.growStack(base.owner, lo);
  }

  /** Frame `owner` reaches down to offset `lo`: its depth (rounded to 8) and raw depth grow to it. */
  private growStack(owner: number, lo: number): void {
    const need = Math.ceil(-lo / 8) * 8;
    if (need > this.stackDepth[owner]!) this.stackDepth[owner] = need;
    if (-lo > this.rawStackDepth[owner]!) this.rawStackDepth[owner] = -lo;
  }

  /**
   * Subprog `sub` reached an exit with `r0`: callers that stopped at a call to it continue
   * now, and again whenever the scalars it returns (joined over its exits) change.
   */
  exitReached(sub: number, r0: Val): void {
    const ret: Val = isScalar(r0) ? (r0.k === 'scalar' ? { k: 'scalar', r: r0.r } : r0) : UNK;
    const joined = this.returns[sub] ? joinVal(this.retVals[sub]!, ret) : ret;
    if (this.returns[sub] && eqVal(this.retVals[sub]!, joined)) return;
    this.returns[sub] = true;
    this.retVals[sub] = joined;
    this.subprogs.forEach((_, k) => {
      if (this.entry[k] && k !== sub) this.work.add(k);
    });
  }
}
