// Every place where the three TCC schemes differ (profiles.ts names them):
//   upstream       - a6 counts down from 33; copied to callee-saved s6 by the prologue when
//                    the function both calls and tail-calls (rv_tail_call_reg).
//   on-stack       - Pu Lehui 2024 v2/v3: one TCC slot per frame where s6 was saved; a6 is
//                    reloaded from it before every call; a tail call reloads, decrements,
//                    tests and stores it back.
//   a6-passthrough - Töpel 2023-09-28: a6 untouched by bpf2bpf calls; parked in s6 around
//                    helper/kfunc calls; subprogs do not re-initialize it.
import { RV } from './encode.ts';
import { BPF_JSLT } from '../../bpf/opcodes.ts';
import { emit_addi, emit_branch, emit_ld, emit_mv, emit_sd } from './emitBase.ts';
import { RV_CTX_F_SEEN_CALL, RV_CTX_F_SEEN_TAIL_CALL, type RvCtx } from './ctx.ts';
import { RV_REG_TCC, RV_REG_TCC_SAVED } from './regs.ts';
import type { CallKind } from '../types.ts';

const seenCall = (ctx: RvCtx): boolean => ctx.flags.has(RV_CTX_F_SEEN_CALL);
const seenTailCall = (ctx: RvCtx): boolean => ctx.flags.has(RV_CTX_F_SEEN_TAIL_CALL);

/** `li a6, 33` at entry+8: every function upstream; only the main program otherwise. */
export function emitsTccInit(ctx: RvCtx): boolean {
  return ctx.scheme === 'upstream' || !ctx.isSubprog;
}

/** True when the frame holds the TCC slot where s6 would be saved (on-stack scheme). */
export const hasTccSlot = (ctx: RvCtx): boolean => ctx.scheme === 'on-stack';

/** Prologue tail, after s0/s5 are set up: upstream copies a6 to s6 if calls and tail calls. */
export function prologueTcc(ctx: RvCtx): void {
  if (ctx.scheme === 'upstream' && seenTailCall(ctx) && seenCall(ctx)) emit_mv(ctx, RV_REG_TCC_SAVED, RV_REG_TCC);
}

/** Before a call instruction's jump. */
export function beforeCall(ctx: RvCtx, kind: CallKind): void {
  if (ctx.scheme === 'on-stack') {
    // Re-arm a6 from the slot: helpers clobbered it, and a subprog receives it.
    emit_ld(ctx, RV_REG_TCC, ctx.tccSlotOff, RV.SP);
  } else if (ctx.scheme === 'a6-passthrough' && kind !== 'func' && ctx.progHasTailCall) {
    // Leaving BPF: a6 is caller-saved in the psABI, park it in callee-saved s6.
    ctx.flags.add(RV_REG_TCC_SAVED);
    emit_mv(ctx, RV_REG_TCC_SAVED, RV_REG_TCC);
  }
}

/** After a call instruction's jump (and, for helpers, before `mv a5, a0`). */
export function afterCall(ctx: RvCtx, kind: CallKind): void {
  if (ctx.scheme === 'a6-passthrough' && kind !== 'func' && ctx.progHasTailCall) emit_mv(ctx, RV_REG_TCC, RV_REG_TCC_SAVED);
}

/**
 * The counter part of a tail call: `a6 = TCC - 1; if (a6 < 0) goto out` (33 tail calls
 * succeed, the 34th fails). `outOff` gives the byte offset from the current position to
 * `out` for the branch about to be emitted.
 */
export function emitTailCallCounter(ctx: RvCtx, outOff: () => number): void {
  if (ctx.scheme === 'on-stack') {
    emit_ld(ctx, RV_REG_TCC, ctx.tccSlotOff, RV.SP);
    emit_addi(ctx, RV_REG_TCC, RV_REG_TCC, -1);
    emit_branch(ctx, BPF_JSLT, RV_REG_TCC, RV.ZERO, outOff());
    emit_sd(ctx, RV.SP, ctx.tccSlotOff, RV_REG_TCC);
    return;
  }
  const tcc = ctx.scheme === 'upstream' ? rv_tail_call_reg(ctx) : RV_REG_TCC;
  emit_addi(ctx, RV_REG_TCC, tcc, -1);
  emit_branch(ctx, BPF_JSLT, RV_REG_TCC, RV.ZERO, outOff());
}

/** rv_tail_call_reg(): s6 when a call has been seen (sticky flags), else a6. */
function rv_tail_call_reg(ctx: RvCtx): number {
  ctx.flags.add(RV_CTX_F_SEEN_TAIL_CALL);
  if (seenCall(ctx)) {
    ctx.flags.add(RV_REG_TCC_SAVED);
    return RV_REG_TCC_SAVED;
  }
  return RV_REG_TCC;
}

/** Where a debugger reads the TCC while this function runs. */
export function tccLocation(ctx: RvCtx): { reg?: string; slot?: boolean } {
  if (ctx.scheme === 'on-stack') return { slot: true };
  if (ctx.scheme === 'upstream' && ctx.flags.has(RV_REG_TCC_SAVED)) return { reg: 's6' };
  return { reg: 'a6' };
}
