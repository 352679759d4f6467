// The part of a kfunc's btf_func_model the JITs use (btf_distill_func_proto over the
// kfunc's prototype in vmlinux BTF): which arguments are 4 bytes wide. The RISC-V JIT
// sign-extends those before the call. The kernel BTF is parsed only when a kfunc is JITed.
import { BTF_KIND, protoParams, resolveSize } from '../object/btf.ts';
import { shippedKernelBtf } from '../object/kernelBtf.ts';

/** BPF argument registers (1..5) holding 4-byte arguments of kfunc `btfId`. */
export function kfuncIntArgs(btfId: number): number[] {
  const btf = shippedKernelBtf().btf;
  const f = btf.types[btfId];
  if (!f || f.kind !== BTF_KIND.FUNC) return [];
  return protoParams(btf, f).flatMap((p, i) => (i < 5 && resolveSize(btf, p.type) === 4 ? [i + 1] : []));
}
