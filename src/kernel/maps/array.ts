// BPF_MAP_TYPE_ARRAY, PERCPU_ARRAY and the global-data maps (.data/.rodata/.bss: one-element
// arrays whose value address LD_IMM64 PSEUDO_MAP_VALUE names). As in struct bpf_array, the
// values are inline after the header at BPF_ARRAY_PTRS_OFF (the verifier's inlined
// array_map_gen_lookup computes map + 0x138 + index * elem_size), round_up(value_size, 8)
// apart. A per-CPU array has pptrs[] there instead: per-CPU pointers to values that sit in
// one region per CPU, PERCPU_CPU_STRIDE apart, so that pptrs[i] + this_cpu_off(c) is CPU c's
// copy (percpu_array_map_gen_lookup loads pptrs[i] and adds this_cpu_off). Elements always
// exist, so delete is -EINVAL and BPF_NOEXIST updates are -EEXIST.
import type { MapDef } from '../../object/types.ts';
import { NR_CPUS, PERCPU_CPU_STRIDE } from '../../common/layout.ts';
import { BPF_ARRAY_PTRS_OFF } from '../../common/kernelStructs.ts';
import { E2BIG, EEXIST, EINVAL } from '../errors.ts';
import { BpfMap, type MapPlacer, keyBytes, round8, u32Key } from './base.ts';
import { BPF_F_LOCK, BPF_NOEXIST } from '../../bpf/uapiFlags.ts';
import { perCpuPtr } from '../perCpu.ts';

export class ArrayMap extends BpfMap {
  readonly elemSize: number;
  readonly cpus: number;
  /** Guest address of element 0 (of CPU 0). */
  readonly valueBase: bigint;

  constructor(def: MapDef, id: number, placer: MapPlacer, percpu = false) {
    const elemSize = round8(def.valueSize);
    // .rodata is frozen by libbpf after load: programs cannot write it.
    super(def, id, placer, BPF_ARRAY_PTRS_OFF + (percpu ? 8 : elemSize) * def.maxEntries, def.kind !== 'rodata');
    this.elemSize = elemSize;
    this.cpus = percpu ? NR_CPUS : 1;
    if (percpu) {
      this.valueBase = placer.perCpuValueRegions(def.name, elemSize * def.maxEntries)[0]!.base;
      const dv = new DataView(this.struct.bytes.buffer, this.struct.bytes.byteOffset);
      for (let i = 0; i < def.maxEntries; i++) dv.setBigUint64(BPF_ARRAY_PTRS_OFF + 8 * i, perCpuPtr(this.elemAddr(i)), true);
      this.space.noteWrite(this.struct, BPF_ARRAY_PTRS_OFF, 8 * def.maxEntries);
    } else this.valueBase = this.addr + BigInt(BPF_ARRAY_PTRS_OFF);
    if (def.initialValue && !percpu) {
      this.struct.bytes.set(def.initialValue.subarray(0, def.valueSize), BPF_ARRAY_PTRS_OFF);
      this.space.noteWrite(this.struct, BPF_ARRAY_PTRS_OFF, def.valueSize);
    }
  }

  override get valueAddr(): bigint {
    return this.valueBase;
  }

  /** Guest address of element `index` (of `cpu`'s copy for per-CPU arrays). */
  elemAddr(index: number, cpu = 0): bigint {
    return this.valueBase + BigInt(cpu % this.cpus) * PERCPU_CPU_STRIDE + BigInt(index * this.elemSize);
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
    this.space.mustView(this.elemAddr(k, cpu), this.def.valueSize).set(value.subarray(0, this.def.valueSize));
    return 0;
  }

  delete(_key: Uint8Array): number {
    return -EINVAL;
  }

  keys(): Uint8Array[] {
    return Array.from({ length: this.def.maxEntries }, (_, k) => keyBytes(k));
  }
}
