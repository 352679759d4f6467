// BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY and the global-data maps (.data/.rodata/.bss: one-element
// arrays whose value address LD_IMM64 PSEUDO_MAP_VALUE names). As in struct bpf_array, the
// values are inline after the header at BPF_ARRAY_PTRS_OFF (the verifier's inlined
// array_map_gen_lookup computes map + 0x138 + index * elem_size), round_up(value_size, 8)
// apart; per-CPU copies follow one another. Elements always exist, so delete is -EINVAL
// and BPF_NOEXIST updates are -EEXIST.
import type { MapDef } from '../../object/types.ts';
import { NR_CPUS } from '../../common/layout.ts';
import { BPF_ARRAY_PTRS_OFF } from '../../common/kernelStructs.ts';
import { E2BIG, EEXIST, EINVAL } from '../errors.ts';
import { BpfMap, type MapPlacer, keyBytes, round8, u32Key } from './base.ts';
import { BPF_F_LOCK, BPF_NOEXIST } from '../../bpf/uapiFlags.ts';

export class ArrayMap extends BpfMap {
  readonly elemSize: number;
  readonly cpus: number;
  /** Guest address of element 0 (of CPU 0). */
  readonly valueBase: bigint;

  constructor(def: MapDef, id: number, placer: MapPlacer, percpu = false) {
    const elemSize = round8(def.valueSize);
    const cpus = percpu ? NR_CPUS : 1;
    // .rodata is frozen by libbpf after load: programs cannot write it.
    super(def, id, placer, BPF_ARRAY_PTRS_OFF + elemSize * def.maxEntries * cpus, def.kind !== 'rodata');
    this.elemSize = elemSize;
    this.cpus = cpus;
    this.valueBase = this.addr + BigInt(BPF_ARRAY_PTRS_OFF);
    if (def.initialValue) {
      this.struct.bytes.set(def.initialValue.subarray(0, def.valueSize), BPF_ARRAY_PTRS_OFF);
      this.space.noteWrite(this.struct, BPF_ARRAY_PTRS_OFF, def.valueSize);
    }
  }

  override get valueAddr(): bigint {
    return this.valueBase;
  }

  /** Guest address of element `index` (of `cpu`'s copy for per-CPU arrays). */
  elemAddr(index: number, cpu = 0): bigint {
    return this.valueBase + BigInt((cpu % this.cpus) * this.def.maxEntries * this.elemSize + index * this.elemSize);
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
    const o = Number(this.elemAddr(k, cpu) - this.addr);
    this.struct.bytes.set(value.subarray(0, this.def.valueSize), o);
    this.space.noteWrite(this.struct, o, this.def.valueSize);
    return 0;
  }

  delete(_key: Uint8Array): number {
    return -EINVAL;
  }

  keys(): Uint8Array[] {
    return Array.from({ length: this.def.maxEntries }, (_, k) => keyBytes(k));
  }
}
