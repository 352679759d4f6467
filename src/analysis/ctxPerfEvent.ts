// `struct bpf_perf_event_data` -> `struct bpf_perf_event_data_kern` (pe_prog_convert_ctx_access,
// kernel/trace/bpf_trace.c, 6.18): sample_period and addr come from the perf_sample_data the
// ctx points at (data->period, data->addr); every other offset is a register of the
// bpf_user_pt_regs_t the ctx points at (regs->off). pe_prog_is_valid_access: read-only,
// the two u64 fields may be read narrow, registers only whole (8 bytes).
import type { Insn } from '../bpf/insn.ts';
import { BPF_DW, BPF_LDX, insnClass } from '../bpf/opcodes.ts';
import { ldx, sizeCode, type CtxRewrite } from './ctxInsns.ts';
import { field, offOf, type KernelLayout } from './kernelLayout.ts';

/** x86-64 uapi: sizeof(struct pt_regs) = 21 registers; then sample_period and addr. */
export const PerfEventUapi = { sample_period: 168, addr: 176, size: 184 } as const;
const P = PerfEventUapi;

export function perfEventFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (write || off < 0 || off >= P.size || off % size !== 0) return undefined;
  if (off >= P.sample_period) return 8; // bpf_ctx_narrow_access_ok against a u64
  return size === 8 ? 0 : undefined;
}

export function convertPerfEvent(l: KernelLayout, si: Insn): CtxRewrite {
  if (insnClass(si.code) !== BPF_LDX) return { invalid: true };
  const d = si.dst;
  const kern = (f: string): Insn => ldx(sizeCode(field(l, `bpf_perf_event_data_kern.${f}`).size), d, si.src, offOf(l, `bpf_perf_event_data_kern.${f}`));
  if (si.off === P.sample_period) return { insns: [kern('data'), ldx(BPF_DW, d, d, offOf(l, 'perf_sample_data.period'))], target: 8 };
  if (si.off === P.addr) return { insns: [kern('data'), ldx(BPF_DW, d, d, offOf(l, 'perf_sample_data.addr'))], target: 8 };
  return { insns: [kern('regs'), ldx(BPF_DW, d, d, si.off)] };
}
