// State one do_jit() pass carries: the kernel's struct jit_context (label offsets taken from
// the previous pass) plus what the writing pass records (relocs, regions, poke sites).
import type { InsnIdx, NativeOff } from '../../common/ids.ts';
import type { CodeRegion, PokeDescriptor, Reloc } from '../types.ts';
import type { CodeBuf } from './codeBuf.ts';
import type { FuncPlan } from './frameLayout.ts';

export interface JitLabels {
  /** Offset of the epilogue (first exit) in the previous pass (ctx->cleanup_addr). */
  cleanupAddr: number;
  /** `out` of a direct tail call, relative to the start of its sequence. */
  tailCallDirectLabel: number;
  /** `out` of an indirect tail call, relative to the start of its sequence. */
  tailCallIndirectLabel: number;
}

export interface EmitCtx {
  plan: FuncPlan;
  buf: CodeBuf;
  labels: JitLabels;
  /** True in the pass that writes the image: relocs, regions and pokes are recorded. */
  writing: boolean;
  relocs: Reloc[];
  regions: CodeRegion[];
  pokes: PokeDescriptor[];
  /** Global (program) index of the xlated insn being emitted. */
  insn: InsnIdx;
}

export function region(ctx: EmitCtx, start: number, role: string, insn?: InsnIdx): void {
  if (!ctx.writing || ctx.buf.off === start) return;
  const r: CodeRegion = { start: start as NativeOff, end: ctx.buf.off as NativeOff, role };
  if (insn !== undefined) r.insn = insn;
  ctx.regions.push(r);
}

export function reloc(ctx: EmitCtx, r: Reloc): void {
  if (ctx.writing) ctx.relocs.push(r);
}

export const here = (buf: CodeBuf): NativeOff => buf.off as NativeOff;
