// The verifier-made per-CPU MOV (BPF_MOV64_PERCPU_REG, insn_is_mov_percpu_addr) and the
// inlined bpf_get_smp_processor_id, as the 6.18 RISC-V JIT emits them (CONFIG_SMP; 6.10+,
// `lw` for the int cpu since the 2025 fix): this CPU's offset is
// __per_cpu_offset[thread_info->cpu], tp pointing at the running task.
import { RV_THREAD_INFO_CPU_OFF } from '../../common/kernelStructs.ts';
import { PER_CPU_OFFSET_ADDR } from '../../common/layout.ts';
import { RV } from './encode.ts';
import type { RvCtx } from './ctx.ts';
import { emit_add, emit_addr, emit_ld, emit_lw, emit_mv, emit_sh3add } from './emitBase.ts';

/** rd = rs + __per_cpu_offset[cpu]. */
export function emitMovPercpu(ctx: RvCtx, rd: number, rs: number): void {
  if (rd !== rs) emit_mv(ctx, rd, rs);
  emit_lw(ctx, RV.T1, RV_THREAD_INFO_CPU_OFF, RV.TP); // current CPU number
  ctx.relocs.push({ kind: 'ksymAddr', at: emit_addr(ctx, RV.T2), addr: PER_CPU_OFFSET_ADDR }); // &__per_cpu_offset
  emit_sh3add(ctx, RV.T1, RV.T1, RV.T2); // &__per_cpu_offset[cpu]
  emit_ld(ctx, RV.T1, 0, RV.T1);
  emit_add(ctx, rd, rd, RV.T1);
}

/** bpf_get_smp_processor_id inlined by the JIT (bpf_jit_inlines_helper_call): R0 = thread_info->cpu. */
export function emitSmpProcessorId(ctx: RvCtx, r0: number): void {
  emit_lw(ctx, r0, RV_THREAD_INFO_CPU_OFF, RV.TP);
}
