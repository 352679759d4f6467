// Where typed expressions find their types: a global's type from its object's BTF DATASEC
// (a global is not in line info: only the DATASEC says `hops` is a __u32 at .bss+0), named
// types from the session's objects (the scope's first) and then from the kernel's vmlinux
// BTF, for ctx types such as `struct sk_buff` or `struct xdp_buff` that programs only see
// through `struct __sk_buff`. The kernel BTF (~0.5 s to parse) loads on first need only.
import { BTF_KIND, findByNameKind } from '../object/btf.ts';
import { DEFAULT_KERNEL_RELEASE, hostKernelBtf, shippedKernelBtf } from '../object/kernelBtf.ts';
import { objectBtf } from '../object/objectBtf.ts';
import { findBtfType, fromBtf, rawType, type CType } from './expr/ctype.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import type { SessionObject } from './target/objects.ts';

/** The typed place of global `name` (`OBJ:NAME` allowed), or undefined when not a global. */
export function globalPlace(t: DebugTarget, name: string, scope: SessionObject | null): { addr: bigint; type: CType } | undefined {
  const g = t.objects.findGlobal(name, scope);
  if (!g.ok) return undefined;
  const { map, off, size, object } = g.value;
  const bare = name.split(':').pop()!;
  const obj = object.loaded.object;
  const gv = obj.globals.find((v) => v.name === bare);
  const btf = objectBtf(obj);
  let type: CType | undefined;
  const sec = btf && gv ? findByNameKind(btf, gv.section, BTF_KIND.DATASEC) : undefined;
  for (const v of sec?.vars ?? []) {
    const vt = btf!.types[v.type];
    if (vt?.kind === BTF_KIND.VAR && vt.name === bare && v.offset === off) type = fromBtf(btf!, vt.sizeOrType);
  }
  // No BTF for it: an unsigned integer of its size, as before typed printing.
  type ??= rawType(size);
  return { addr: map.valueAddr + BigInt(off), type };
}

/** A named type: the objects' BTF (scope first), then the kernel's. */
export function namedType(t: DebugTarget, spelled: string, scope: SessionObject | null): CType | undefined {
  const objs = [...(scope ? [scope] : []), ...t.objects.objects.filter((o) => o !== scope)];
  for (const o of objs) {
    const btf = objectBtf(o.loaded.object);
    const hit = btf && findBtfType(btf, spelled);
    if (hit) return hit;
  }
  return findBtfType(kernelBtf(t).btf, spelled);
}

/** The FUNC_PROTO parameters of BPF function `func` of an object, or undefined without BTF for it. */
export function funcParams(o: SessionObject, func: string): { name: string; type: CType }[] | undefined {
  const btf = objectBtf(o.loaded.object);
  const fn = btf && findByNameKind(btf, func, BTF_KIND.FUNC);
  if (!btf || !fn) return undefined;
  const f = fromBtf(btf, fn.id);
  return f.k === 'func' ? f.params : undefined;
}

/** The kernel BTF the profile resolves against: the running kernel's for host profiles. */
function kernelBtf(t: DebugTarget) {
  return (t.profile.kernelBtf === 'host' ? hostKernelBtf(DEFAULT_KERNEL_RELEASE) : undefined) ?? shippedKernelBtf();
}
