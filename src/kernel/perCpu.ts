// Static per-CPU variables that inlined code reaches through the per-CPU MOV
// (BPF_MOV64_PERCPU_REG: `add dst, gs:[this_cpu_off]` on x86-64): CPU c's copy of a
// per-CPU symbol S lives at S + this_cpu_off(c), as in the kernel. Only `cpu_number`
// (the inlined bpf_get_smp_processor_id reads it) is modelled. RISC-V finds this_cpu_off
// in `__per_cpu_offset[thread_info->cpu]`, tp pointing at the running task's thread_info.
import { CPU_NUMBER_ADDR, NR_CPUS, PAGE_SIZE, PER_CPU_OFFSET_ADDR, THREAD_INFO_BASE, THREAD_INFO_STRIDE } from '../common/layout.ts';
import { RV_THREAD_INFO_CPU_OFF } from '../common/kernelStructs.ts';
import type { AddressSpace } from './addressSpace.ts';
import { thisCpuOff } from './privStack.ts';

/** Maps each CPU's static per-CPU section (its `cpu_number`) and thread_info, and __per_cpu_offset[]. */
export function mapPerCpuStatics(space: AddressSpace): void {
  const page = CPU_NUMBER_ADDR & ~BigInt(PAGE_SIZE - 1);
  for (let c = 0; c < NR_CPUS; c++) {
    const base = BigInt.asUintN(64, page + thisCpuOff(c));
    if (!space.regionAt(base)) space.map(`percpu statics cpu${c}`, base, PAGE_SIZE, false);
    space.mustStore(BigInt.asUintN(64, CPU_NUMBER_ADDR + thisCpuOff(c)), 4, BigInt(c));
    space.map(`thread_info cpu${c}`, threadInfoAddr(c), Number(THREAD_INFO_STRIDE), false);
    space.mustStore(threadInfoAddr(c) + BigInt(RV_THREAD_INFO_CPU_OFF), 4, BigInt(c));
  }
  space.map('__per_cpu_offset', PER_CPU_OFFSET_ADDR, PAGE_SIZE, false);
  for (let c = 0; c < NR_CPUS; c++) space.mustStore(PER_CPU_OFFSET_ADDR + BigInt(8 * c), 8, thisCpuOff(c));
}

/** The thread_info of the task `cpu` runs (what RISC-V's tp holds). */
export const threadInfoAddr = (cpu: number): bigint => THREAD_INFO_BASE + BigInt(cpu) * THREAD_INFO_STRIDE;

/** The per-CPU pointer (offset form) whose copy on CPU 0 is at `cpu0Addr`. */
export const perCpuPtr = (cpu0Addr: bigint): bigint => BigInt.asUintN(64, cpu0Addr - thisCpuOff(0));
