// __build_epilogue: reload the slots the prologue stored (same order), pop the frame, then
//   exit:      addiw a0, a5, 0 (R0 sign-extended into a0, ≈v6.10+); jalr zero, 0(ra) (c.jr ra)
//   tail call: jalr zero, RV_TAILCALL_OFFSET(t3) - a0 (ctx) untouched, ra kept: the
//              target returns straight to our caller.
// The on-stack scheme's TCC slot is not reloaded (Pu Lehui v3 dropped that `ld a6`).
import { RV } from './encode.ts';
import type { RvCtx } from './ctx.ts';
import { emit_addi, emit_addiw, emit_jalr, emit_ld } from './emitBase.ts';
import { frameSlots, RV_TAILCALL_OFFSET } from './prologue.ts';

export function __build_epilogue(ctx: RvCtx, isTailCall: boolean): void {
  const stackAdjust = ctx.stackSize;
  let storeOffset = stackAdjust - 8;
  for (const s of frameSlots(ctx)) {
    if ('reg' in s) emit_ld(ctx, s.reg, storeOffset, RV.SP);
    storeOffset -= 8;
  }
  emit_addi(ctx, RV.SP, RV.SP, stackAdjust);
  if (!isTailCall) emit_addiw(ctx, RV.A0, RV.A5, 0);
  emit_jalr(ctx, RV.ZERO, isTailCall ? RV.T3 : RV.RA, isTailCall ? RV_TAILCALL_OFFSET : 0);
}

export function bpf_jit_build_epilogue(ctx: RvCtx): void {
  __build_epilogue(ctx, false);
}
