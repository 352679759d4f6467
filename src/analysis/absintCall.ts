// Transfer function of the abstract interpreter (absint.ts) for calls: bpf2bpf calls feed
// the callee's entry state, helpers and kfuncs check the stack memory they are given and
// register callbacks, bpf_throw ends the path, and R0 becomes what the callee returns.
import { BPF_FUNC, helperId } from '../bpf/helperIds.ts';
import type { Insn } from '../bpf/insn.ts';
import { BPF_PSEUDO_KFUNC_CALL, isPseudoCall, isHelperCall, calleeTarget } from '../bpf/opcodes.ts';
import { MapType, type BpfObject } from '../object/types.ts';
import { BPF_DYNPTR_SIZE, MAX_BPF_STACK } from '../common/kernelLimits.ts';
import { CALLBACK_HELPERS, FIXED_MEM_ARGS, MAP_MEM_ARGS, SIZED_MEM_ARGS, UNINIT_DYNPTR_ARGS } from './helperArgs.ts';
import { findSubprogAt } from './subprogs.ts';
import { helperResult } from './scalarVals.ts';
import { UNK, clobberSlots, forgetScalars, type AbsState, type Successors, type Val } from './absintState.ts';
import type { AbsRun } from './absintRun.ts';
import { kfuncRetStruct } from './btfTrust.ts';
import { framesForCallee } from './callerFrames.ts';
import { stackSpans } from './stackPtr.ts';

/** bpf_sk_lookup_tcp/udp, bpf_sk_fullsock, bpf_get_listener_sock, bpf_skc_lookup_tcp. */
const SOCK_RETURNING: ReadonlySet<number> = new Set(
  ['sk_lookup_tcp', 'sk_lookup_udp', 'sk_fullsock', 'get_listener_sock', 'skc_lookup_tcp'].map((n) => helperId(n)!),
);
/** bpf_tcp_sock: returns PTR_TO_TCP_SOCK_OR_NULL. */
const TCP_SOCK_HELPER = helperId('tcp_sock')!;
const GET_CURRENT_TASK_BTF = helperId('get_current_task_btf')!;

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

/** A call (BPF_JMP | BPF_CALL) at i in subprog `sub`. */
export function callTransfer(run: AbsRun, sub: number, i: number, s: AbsState): Successors {
  const { obj, subprogs } = run;
  const ins = run.insns[i]!;
  const R = s.regs;
  const known = isHelperCall(ins) && ins.imm === BPF_FUNC.map_lookup_elem ? knownArrayElem(obj, sub, s) : undefined;
  let retFrom = -1;
  if (isPseudoCall(ins)) {
    const callee = findSubprogAt(subprogs, calleeTarget(i, ins));
    if (callee >= 0 && subprogs[callee]!.isGlobal) {
      // btf_check_subprog_call: pointer arguments are checked as memory of their BTF size.
      const start = subprogs[callee]!.start;
      for (const a of run.inp.prog?.funcs.find((f) => f.start === start)?.memArgs ?? []) {
        run.stackAccess(i, a.reg, R[a.reg]!, 0, a.size!, ' indirect access to');
      }
    }
    if (callee >= 0) {
      run.feedEntry(callee, R, framesForCallee(sub, s));
      // A global callee is verified apart and always returns a scalar to its caller.
      if (!subprogs[callee]!.isGlobal && !run.returns[callee]) return [];
      // A callee that returns to its caller from elsewhere too (a tail call, or an LD_ABS
      // that fails; check_subprogs' flags) leaves R0 unknown.
      const sp = subprogs[callee]!;
      if (!sp.isGlobal && !sp.hasTailCall && !sp.hasLdAbs) retFrom = callee;
    }
  } else if (ins.src === BPF_PSEUDO_KFUNC_CALL && run.throwId !== undefined && ins.imm === run.throwId) {
    // bpf_throw unwinds to the exception boundary: nothing after it runs on this path.
    run.seenException = true;
    return [];
  } else if (isHelperCall(ins)) {
    helperArgs(run, i, s);
  } else if (ins.src === BPF_PSEUDO_KFUNC_CALL) {
    for (const a of run.kfuncMemArgs.get(ins.imm) ?? []) {
      const sz = a.size !== undefined ? BigInt(a.size) : R[a.sizeReg!]!.k === 'const' ? (R[a.sizeReg!] as { v: bigint }).v : -1n;
      if (sz >= 0n && sz <= 512n) run.stackAccess(i, a.reg, R[a.reg]!, 0, Number(sz), ' indirect access to');
    }
    // A kfunc given a subprogram (bpf_rbtree_add_impl's `less`, bpf_wq_set_callback_impl)
    // calls it back: the verifier explores it (push_callback_call), so it is live code.
    for (let r = 1; r <= 5; r++) {
      const f = R[r]!;
      if (f.k === 'func' && f.sub >= 0) run.feedEntry(f.sub, new Array(6).fill(UNK));
    }
  }
  clobberCallWrites(sub, ins, s);
  for (let r = 0; r <= 5; r++) R[r] = UNK;
  if (retFrom >= 0) R[0] = run.retVals[retFrom]!;
  // Helpers returning PTR_TO_SOCKET/SOCK_COMMON (or NULL): loads through them are converted.
  if (isHelperCall(ins)) R[0] = SOCK_RETURNING.has(ins.imm) ? { k: 'sock' } : (known ?? helperResult(ins.imm));
  if (isHelperCall(ins) && ins.imm === TCP_SOCK_HELPER) R[0] = { k: 'tcpsock' };
  if (isHelperCall(ins) && BTF_RETURNING[ins.imm] !== undefined) {
    const trusted = BTF_RETURNING[ins.imm]!;
    R[0] = { k: 'btf', trusted, walk: trusted, ...(ins.imm === GET_CURRENT_TASK_BTF ? { type: 'task_struct' } : {}) };
  }
  if (ins.src === BPF_PSEUDO_KFUNC_CALL) {
    const ret = run.kfuncRets.get(ins.imm);
    const kb = ret ? run.kernelBtf() : undefined;
    const type = kb ? kfuncRetStruct(kb, ins.imm) : undefined;
    if (ret) R[0] = { k: 'btf', trusted: ret === 'trusted', walk: ret !== 'untrusted', ...(type ? { type } : {}) };
  }
  return [[i + 1, s]];
}

/** A helper call's memory arguments into the stack, and the callback it registers. */
function helperArgs(run: AbsRun, i: number, s: AbsState): void {
  const R = s.regs;
  const id = run.insns[i]!.imm;
  for (const a of MAP_MEM_ARGS[id] ?? []) {
    const m = R[a.mapReg]!;
    const def = m.k === 'map' ? run.obj.maps[m.idx] : undefined;
    if (def) run.stackAccess(i, a.reg, R[a.reg]!, 0, a.what === 'key' ? def.keySize : def.valueSize, ' indirect access to');
  }
  for (const [pr, sr] of SIZED_MEM_ARGS[id] ?? []) {
    const sz = R[sr]!;
    // A zero size still checks the pointer's offset (check_mem_size_reg with umax 0).
    if (sz.k === 'const' && sz.v <= 512n) run.stackAccess(i, pr, R[pr]!, 0, Number(sz.v), ' indirect access to');
  }
  for (const [pr, bytes] of FIXED_MEM_ARGS[id] ?? []) run.stackAccess(i, pr, R[pr]!, 0, bytes, ' indirect access to');
  const dyn = UNINIT_DYNPTR_ARGS[id];
  if (dyn !== undefined) run.stackAccess(i, dyn, R[dyn]!, 0, BPF_DYNPTR_SIZE, ' indirect access to');
  const cb = CALLBACK_HELPERS[id];
  if (cb) {
    const f = R[cb.cbReg]!;
    if (f.k === 'func' && f.sub >= 0) {
      if (cb.async) {
        run.subprogs[f.sub]!.isAsyncCb = true;
        run.asyncCbs.add(f.sub);
      }
      const args: Val[] = new Array(6).fill(UNK);
      if (cb.ctxFrom !== undefined && cb.ctxTo !== undefined) args[cb.ctxTo] = R[cb.ctxFrom]!;
      run.feedEntry(f.sub, args);
    }
  }
}

/**
 * Stack bytes a call may write through a pointer into this frame are no longer known
 * (helpers mark them STACK_MISC; a callee, callback or kfunc writes what it likes). The
 * helpers' read-only memory arguments (map keys, update values, sized input buffers)
 * keep them; any other pointer into the frame forgets the slots from it upwards, and a
 * bpf2bpf call, kfunc or callback-taking helper forgets the whole frame. Those last two
 * forget only scalars: spilled pointers (a ctx saved across a call) stay, as the
 * verifier keeps them unless the callee overwrites them, which compilers do not emit.
 */
function clobberCallWrites(sub: number, ins: Insn, s: AbsState): void {
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
