// Time, randomness and CPU id: every value comes from the NondetSource (recordable).
import { BPF_FUNC } from '../../bpf/helperIds.ts';
import type { HelperDef } from './types.ts';

export const miscHelpers: HelperDef[] = [
  { id: BPF_FUNC.ktime_get_ns, name: 'bpf_ktime_get_ns', fn: (k) => k.nondet.ktimeGetNs(k.now()) },
  { id: BPF_FUNC.ktime_get_boot_ns, name: 'bpf_ktime_get_boot_ns', fn: (k) => k.nondet.ktimeGetNs(k.now()) },
  { id: BPF_FUNC.get_prandom_u32, name: 'bpf_get_prandom_u32', fn: (k) => BigInt(k.nondet.prandomU32() >>> 0) },
  { id: BPF_FUNC.get_smp_processor_id, name: 'bpf_get_smp_processor_id', fn: (k) => BigInt(k.nondet.smpProcessorId(k.cpu) >>> 0) },
];
