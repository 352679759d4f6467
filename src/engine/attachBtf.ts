// btf_func_model of an attach target that is a BPF function: the number of arguments its
// BTF FUNC_PROTO declares (btf_distill_func_proto). The trampoline saves that many argument
// registers into the u64 array the fentry/fexit programs get as ctx.
import type { BpfObject } from '../object/types.ts';
import { BTF_KIND, findByNameKind } from '../object/btf.ts';
import { objectBtf } from '../object/objectBtf.ts';

/** Argument count of BPF function `name` in `object`'s BTF, or undefined without BTF for it. */
export function btfArgCount(object: BpfObject, name: string): number | undefined {
  const btf = objectBtf(object);
  const fn = btf && findByNameKind(btf, name, BTF_KIND.FUNC);
  const proto = fn ? btf.types[fn.sizeOrType] : undefined;
  return proto?.kind === BTF_KIND.FUNC_PROTO ? (proto.params?.length ?? 0) : undefined;
}
