// Transfer functions of the abstract interpreter (absint.ts) for the load classes: the
// 64-bit immediate load (constants, map and map-value pointers, subprogram addresses),
// LD_ABS/LD_IND, and LDX (stack fills, .rodata constants, ctx fields the verifier turns
// into pointers).
import {
  BPF_MEMSX,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  memMode,
  memSize,
  sizeBytes,
  calleeTarget,
} from '../bpf/opcodes.ts';
import type { BpfObject, ProgType } from '../object/types.ts';
import { isCtxSockOff } from './ctxRewrite.ts';
import { SkBuffUapi } from './ctxLayout.ts';
import * as E from './errors.ts';
import { findSubprogAt } from './subprogs.ts';
import { scalarOf } from './scalarVals.ts';
import { sextRange, zextRange } from './scalarRanges.ts';
import { UNK, type AbsState, type Successors, type Val } from './absintState.ts';
import type { AbsRun } from './absintRun.ts';
import { fieldTrusted, ptrFieldAt } from './btfTrust.ts';
import { readCallerSlot } from './callerFrames.ts';
import { narrowFill } from './linkedScalars.ts';

/** The struct an iterator's first argument points to (struct bpf_iter__<target>, 6.18). */
const ITER_ARG_STRUCT: Record<string, string> = { task: 'task_struct', cgroup: 'cgroup' };
const SKB_LD_ABS_TYPES: ReadonlySet<ProgType> = new Set(['socket_filter', 'sched_cls', 'sched_act']);

/** LD_DW_IMM at i (two insns). */
export function ldImm64Transfer(run: AbsRun, i: number, s: AbsState): Successors {
  const { insns, obj, w, subprogs } = run;
  const ins = insns[i]!;
  const hi = insns[i + 1]!;
  const R = s.regs;
  if (ins.src === 0) R[ins.dst] = { k: 'const', v: (BigInt(hi.imm >>> 0) << 32n) | BigInt(ins.imm >>> 0) };
  else if (ins.src === BPF_PSEUDO_MAP_FD || ins.src === BPF_PSEUDO_MAP_IDX) {
    if (!obj.maps[ins.imm]) run.fail(E.badMapRef(w, i, ins.imm));
    R[ins.dst] = { k: 'map', idx: ins.imm };
  } else if (ins.src === BPF_PSEUDO_MAP_VALUE || ins.src === BPF_PSEUDO_MAP_IDX_VALUE) {
    if (!obj.maps[ins.imm]) run.fail(E.badMapRef(w, i, ins.imm));
    R[ins.dst] = { k: 'mapval', idx: ins.imm, off: hi.imm };
  } else if (ins.src === BPF_PSEUDO_FUNC) {
    R[ins.dst] = { k: 'func', sub: findSubprogAt(subprogs, calleeTarget(i, ins)) };
  } else R[ins.dst] = UNK;
  return [[i + 2, s]];
}

/** LD_ABS / LD_IND: R6 must hold the skb; clobbers R0-R5 like a helper call. */
export function ldAbsTransfer(run: AbsRun, i: number, s: AbsState): Successors {
  const R = s.regs;
  if (!SKB_LD_ABS_TYPES.has(run.inp.progType)) run.fail(E.ldAbsNotAllowed(run.w, i));
  else if (R[6]!.k !== 'ctx') run.fail(E.ldAbsNoCtx(run.w, i));
  for (let r = 0; r <= 5; r++) R[r] = UNK;
  return [[i + 1, s]];
}

/** LDX at i in subprog `sub`. */
export function ldxTransfer(run: AbsRun, sub: number, i: number, s: AbsState): Successors {
  const ins = run.insns[i]!;
  const R = s.regs;
  const base = R[ins.src]!;
  const size = sizeBytes(memSize(ins.code));
  // A narrow load is a scalar to the verifier, except the ctx fields it rewrites into
  // pointers (skb/xdp data, data_end, data_meta).
  const sx = memMode(ins.code) === BPF_MEMSX;
  let v: Val = size < 8 && base.k !== 'ctx' ? scalarOf(sx ? sextRange(size) : zextRange(size)) : UNK;
  run.stackAccess(i, ins.src, base, ins.off, size, ' read from');
  if (base.k === 'fp') {
    const at = base.off + ins.off;
    if (base.owner === sub && size === 8 && memMode(ins.code) !== BPF_MEMSX) v = s.stack.get(at) ?? UNK;
    else if (base.owner === sub && memMode(ins.code) !== BPF_MEMSX) v = narrowFill(s, at, size) ?? v;
    else if (size === 8 && memMode(ins.code) !== BPF_MEMSX) v = readCallerSlot(s, base.owner, at) ?? v;
  } else if (base.k === 'mapval') {
    const c = readRodata(run.obj, base.idx, base.off + ins.off, size, memMode(ins.code) === BPF_MEMSX);
    if (c.k !== 'unk') v = c;
  } else if (base.k === 'ctx' && run.skbPkt && size === 4 && (ins.off === SkBuffUapi.data || ins.off === SkBuffUapi.data_meta)) {
    v = { k: 'pkt' };
  } else if (base.k === 'ctx' && run.skbPkt && size === 4 && ins.off === SkBuffUapi.data_end) {
    v = { k: 'pktend' };
  } else if (base.k === 'ctx' && size === 8 && isCtxSockOff(run.inp.progType, ins.off)) {
    v = { k: 'sock' };
  } else if (base.k === 'ctx' && size === 8 && run.btfArgs) {
    const trusted = run.btfArgs(ins.off);
    const type = trusted && ins.off === 8 ? ITER_ARG_STRUCT[run.inp.prog?.section.split('/')[1] ?? ''] : undefined;
    v = { k: 'btf', trusted, walk: trusted, ...(type ? { type } : {}) };
  } else if (base.k === 'btf' && size === 8 && base.walk && base.type && run.kernelBtf()) {
    // A field of a known struct walked from a trusted or RCU pointer (btfTrust.ts).
    const kb = run.kernelBtf()!;
    const f = ptrFieldAt(kb, base.type, ins.off);
    if (f) v = fieldTrusted(base.type, f, run.inRcu) ? { k: 'btf', trusted: true, walk: true, type: f.pointee } : { k: 'btf', trusted: false, type: f.pointee };
    else v = { k: 'btf', trusted: false };
  } else if (base.k === 'btf' && size === 8) {
    // Walking a pointer field: no longer trusted (check_ptr_to_btf_access; bpfdbg does
    // not model the BTF_TYPE_SAFE_* fields that keep trust).
    v = { k: 'btf', trusted: false };
  }
  R[ins.dst] = v;
  return [[i + 1, s]];
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
