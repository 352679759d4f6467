// btf_func_model of an attach target that is a BPF function: the number of arguments its
// BTF FUNC_PROTO declares (btf_distill_func_proto). The trampoline saves that many argument
// registers into the u64 array the fentry/fexit programs get as ctx.
import type { BpfObject } from '../object/types.ts';
import { parseElf } from '../object/elf.ts';
import { classifySections } from '../object/sections.ts';
import { BTF_KIND, findByNameKind, parseBtf, type Btf } from '../object/btf.ts';

const cache = new WeakMap<BpfObject, Btf | null>();

function btfOf(object: BpfObject): Btf | null {
  let b = cache.get(object);
  if (b === undefined) {
    try {
      const secs = classifySections(parseElf(object.bytes, object.path));
      b = secs.btf ? parseBtf(secs.btf.data, secs.btf.offset, { file: object.path, section: '.BTF' }) : null;
    } catch {
      b = null; // the object loaded, so its BTF parsed then; be safe anyway
    }
    cache.set(object, b);
  }
  return b;
}

/** Argument count of BPF function `name` in `object`'s BTF, or undefined without BTF for it. */
export function btfArgCount(object: BpfObject, name: string): number | undefined {
  const btf = btfOf(object);
  const fn = btf && findByNameKind(btf, name, BTF_KIND.FUNC);
  const proto = fn ? btf.types[fn.sizeOrType] : undefined;
  return proto?.kind === BTF_KIND.FUNC_PROTO ? (proto.params?.length ?? 0) : undefined;
}
