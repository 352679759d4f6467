// BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY and the global-data maps (.data/.rodata/.bss: one-element
// arrays whose value address LD_IMM64 PSEUDO_MAP_VALUE names). Elements are
// round_up(value_size, 8) apart, as in kernel/bpf/arraymap.c; they always exist, so
// delete is -EINVAL and BPF_NOEXIST updates are -EEXIST.
import type { MapDef } from '../../object/types.ts';
import { NR_CPUS } from '../../common/layout.ts';
import type { Region } from '../addressSpace.ts';
import { E2BIG, EEXIST, EINVAL } from '../errors.ts';
import { BPF_F_LOCK, BPF_NOEXIST, BpfMap, type MapPlacer, keyBytes, round8, u32Key } from './base.ts';

export class ArrayMap extends BpfMap {
  readonly values: Region;
  readonly elemSize: number;
  readonly cpus: number;

  constructor(def: MapDef, id: number, placer: MapPlacer, percpu = false) {
    super(def, id, placer);
    this.elemSize = round8(def.valueSize);
    this.cpus = percpu ? NR_CPUS : 1;
    // .rodata is frozen by libbpf after load: programs cannot write it.
    const writable = def.kind !== 'rodata';
    this.values = placer.valueRegion(def.name, Math.max(1, this.elemSize * def.maxEntries * this.cpus), writable);
    if (def.initialValue) this.values.bytes.set(def.initialValue.subarray(0, def.valueSize), 0);
  }

  override get valueAddr(): bigint {
    return this.values.base;
  }

  /** Guest address of element `index` (of `cpu`'s copy for per-CPU arrays). */
  elemAddr(index: number, cpu = 0): bigint {
    return this.values.base + BigInt((cpu % this.cpus) * this.def.maxEntries * this.elemSize + index * this.elemSize);
  }

  lookup(key: Uint8Array, cpu: number): bigint {
    const k = u32Key(key);
    return k < this.def.maxEntries ? this.elemAddr(k, cpu) : 0n;
  }

  update(key: Uint8Array, value: Uint8Array, flags: bigint, cpu: number): number {
    if ((flags & ~BPF_F_LOCK) > 2n) return -EINVAL;
    const k = u32Key(key);
    if (k >= this.def.maxEntries) return -E2BIG; // array_map_update_elem
    if ((flags & ~BPF_F_LOCK) === BPF_NOEXIST) return -EEXIST;
    const o = Number(this.elemAddr(k, cpu) - this.values.base);
    this.values.bytes.set(value.subarray(0, this.def.valueSize), o);
    return 0;
  }

  delete(_key: Uint8Array): number {
    return -EINVAL;
  }

  keys(): Uint8Array[] {
    return Array.from({ length: this.def.maxEntries }, (_, k) => keyBytes(k));
  }
}
