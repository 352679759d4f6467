// bpf_jit_build_prologue (v6.16 layout):
//   entry+0, +4   nop; nop              fentry patch site (auipc t0 / jalr t0 when attached)
//   entry+8       addi a6, zero, 33     TCC init, never compressed; tail calls skip it
//   entry+12      addi sp, sp, -N       RV_TAILCALL_OFFSET: tail calls land here
//   sd ra (if calls), sd s0, sd s1..s6 (seen only) at descending sp offsets
//   addi s0, sp, N; [addi s5, sp, bpf_stack]; [mv s6, a6]
// Only registers seen in the body are saved, so the previous pass's flags size the frame.
import * as E from './encode.ts';
import { RV } from './encode.ts';
import { emit, region, type RvCtx, RV_CTX_F_SEEN_CALL } from './ctx.ts';
import { emit_addi, emit_sd } from './emitBase.ts';
import { emitsTccInit, hasTccSlot, prologueTcc } from './tcc.ts';
import { MAX_TAIL_CALL_CNT } from '../../common/kernelStructs.ts';
import { RV_REG_TCC } from './regs.ts';

export const STACK_ALIGN = 16;
export const RV_FENTRY_NINSNS = 2;
/** Bytes a tail call skips: the fentry nops and the TCC init (no kCFI hash in bpfdbg). */
export const RV_TAILCALL_OFFSET = (RV_FENTRY_NINSNS + 1) * 4;

export const roundUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/** One saved slot of the frame, in prologue order: a register, or the TCC slot. */
export type RvSavedSlot = { reg: number } | { tcc: true };

/** The saved area in the order the kernel stores it: ra, s0, s1..s6 (seen), [TCC slot]. */
export function frameSlots(ctx: RvCtx): RvSavedSlot[] {
  const slots: RvSavedSlot[] = [];
  if (ctx.flags.has(RV_CTX_F_SEEN_CALL)) slots.push({ reg: RV.RA });
  slots.push({ reg: RV.FP });
  for (const r of [RV.S1, RV.S2, RV.S3, RV.S4, RV.S5]) if (ctx.flags.has(r)) slots.push({ reg: r });
  // on-stack: the TCC slot takes the place of s6 (Pu Lehui v2); otherwise s6 if seen.
  if (hasTccSlot(ctx)) slots.push({ tcc: true });
  else if (ctx.flags.has(RV.S6)) slots.push({ reg: RV.S6 });
  return slots;
}

export const bpfStackAdjust = (ctx: RvCtx): number => roundUp(ctx.stackDepth, STACK_ALIGN);

export function bpf_jit_build_prologue(ctx: RvCtx): void {
  const bpfStack = bpfStackAdjust(ctx);
  if (bpfStack) ctx.flags.add(RV.S5); // mark_fp
  const slots = frameSlots(ctx);
  const stackAdjust = roundUp(slots.length * 8, STACK_ALIGN) + bpfStack;
  let storeOffset = stackAdjust - 8;
  ctx.saved = [];

  region(ctx, 'fentry nops', undefined, () => {
    for (let i = 0; i < RV_FENTRY_NINSNS; i++) emit(ctx, E.rv_nop());
  });
  region(ctx, 'tcc init', undefined, () => {
    // Forced 4-byte form so the tail-call entry stays at +12.
    if (emitsTccInit(ctx)) emit(ctx, E.rv_addi(RV_REG_TCC, RV.ZERO, MAX_TAIL_CALL_CNT));
  });
  region(ctx, 'prologue', undefined, () => {
    emit_addi(ctx, RV.SP, RV.SP, -stackAdjust);
    for (const s of slots) {
      if ('tcc' in s) {
        ctx.tccSlotOff = storeOffset;
        emit_sd(ctx, RV.SP, storeOffset, RV_REG_TCC);
      } else {
        emit_sd(ctx, RV.SP, storeOffset, s.reg);
        ctx.saved.push({ reg: s.reg, spOff: storeOffset });
      }
      storeOffset -= 8;
    }
    emit_addi(ctx, RV.FP, RV.SP, stackAdjust);
    if (bpfStack) emit_addi(ctx, RV.S5, RV.SP, bpfStack);
    prologueTcc(ctx);
  });
  ctx.stackSize = stackAdjust;
}
