// struct rv_jit_context: what one function's JIT pass carries. Code is counted in 2-byte
// units ("ninsns") as in the kernel, so compressed and full-size instructions mix freely.
import type { ProgramImage } from '../../analysis/types.ts';
import type { JitEnv, Reloc } from '../types.ts';
import type { NativeOff } from '../../common/ids.ts';
import { nativeOff } from '../../common/ids.ts';
import { RV } from './encode.ts';
import type { RvTccScheme } from './profiles.ts';

/** Flag bits of ctx->flags: bit 0 = tail call seen; bit RA = call seen; bits s1..s6 = reg seen. */
export const RV_CTX_F_SEEN_TAIL_CALL = 0;
export const RV_CTX_F_SEEN_CALL = RV.RA;

/** A CodeRegion (../types.ts) with its insn as a plain index, converted when the image is built. */
export interface RvCodeRegion {
  start: NativeOff;
  end: NativeOff;
  role: string;
  insn?: number;
}

export interface RvCtx {
  readonly image: ProgramImage;
  readonly env: JitEnv;
  readonly scheme: RvTccScheme;
  /** CONFIG_RISCV_ISA_C: emit 16-bit forms where the kernel's emit_* helpers would. */
  readonly rvc: boolean;
  /** Subprogram index (0 = main program). */
  readonly func: number;
  readonly isSubprog: boolean;
  /** First xlated insn of this function and its number of slots. */
  readonly start: number;
  readonly len: number;
  /** aux->stack_depth of this function. */
  readonly stackDepth: number;
  /** The whole program (any function) contains a tail call. */
  readonly progHasTailCall: boolean;
  /**
   * aux->verifier_zext: false, because bpfdbg's analysis does not insert the verifier's
   * zero-extension instructions; every ALU32 result is then zero-extended by the JIT.
   */
  readonly verifierZext: boolean;

  code: number[];
  /** Sticky across passes, like the kernel's ctx->flags. */
  flags: Set<number>;
  /** offset[k] = end of local insn k in halfwords (previous pass until rewritten). */
  offset: number[];
  prologueLen: number;
  epilogueOffset: number;
  /** stack_adjust of the prologue (saved registers + BPF stack). */
  stackSize: number;
  /** on-stack scheme: sp offset of this frame's TCC slot. */
  tccSlotOff: number;
  relocs: Reloc[];
  regions: RvCodeRegion[];
  /** Saved registers with their sp offsets, in prologue order (for FrameLayout). */
  saved: { reg: number; spOff: number }[];
}

export const ninsns = (ctx: RvCtx): number => ctx.code.length;
/** ninsns_rvoff(): halfwords to bytes. */
export const ninsnsRvoff = (n: number): number => n << 1;
export const byteOff = (ctx: RvCtx): NativeOff => nativeOff(ctx.code.length * 2);

/** Appends a 32-bit instruction (little-endian halfwords). */
export function emit(ctx: RvCtx, word: number): void {
  ctx.code.push(word & 0xffff, (word >>> 16) & 0xffff);
}

/** Appends a 16-bit (RVC) instruction. */
export function emitc(ctx: RvCtx, half: number): void {
  ctx.code.push(half & 0xffff);
}

export function codeBytes(ctx: RvCtx): Uint8Array {
  const out = new Uint8Array(ctx.code.length * 2);
  ctx.code.forEach((h, k) => {
    out[2 * k] = h & 0xff;
    out[2 * k + 1] = h >> 8;
  });
  return out;
}

/** Runs `body` and records the bytes it emitted as a region with a role. */
export function region(ctx: RvCtx, role: string, insn: number | undefined, body: () => void): void {
  const start = byteOff(ctx);
  body();
  const end = byteOff(ctx);
  if (end > start) ctx.regions.push(insn === undefined ? { start, end, role } : { start, end, role, insn });
}
