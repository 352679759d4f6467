// BPF_MAP_TYPE_HASH and LRU_HASH over preallocated element slots in guest memory (the
// kernel's default BPF_F_NO_PREALLOC-less htab). An update of an existing key writes the
// value in place (the kernel swaps in a fresh element; only a program holding the old
// pointer across the update could tell). LRU_HASH evicts the least recently used key when
// full instead of failing with -E2BIG. Each slot is a struct htab_elem as the verifier's
// inlined lookups see it: header, key at HTAB_ELEM_KEY_OFF, value after the key rounded up
// to 8 (htab_map_gen_lookup reaches the value from the element __htab_map_lookup_elem gives).
// A PERCPU_HASH element holds a per-CPU pointer there instead (htab_elem_set_ptr), to values
// in one region per CPU, PERCPU_CPU_STRIDE apart: the pointer plus this_cpu_off(c) is CPU
// c's copy (htab_percpu_map_gen_lookup loads it and adds this_cpu_off). A program's update
// writes this CPU's copy; a new element starts with the others zeroed (pcpu_init_value).
import { HTAB_ELEM_KEY_OFF } from '../../common/kernelStructs.ts';
import { NR_CPUS, PERCPU_CPU_STRIDE } from '../../common/layout.ts';
import { perCpuPtr } from '../perCpu.ts';
import type { MapDef } from '../../object/types.ts';
import type { GuestRegion } from '../addressSpace.ts';
import { E2BIG, EEXIST, EINVAL, ENOENT } from '../errors.ts';
import { BpfMap, type MapPlacer, round8 } from './base.ts';
import { BPF_EXIST, BPF_F_LOCK, BPF_NOEXIST } from '../../bpf/uapiFlags.ts';

const hex = (k: Uint8Array): string => Buffer.from(k).toString('hex');

export class HashMap extends BpfMap {
  readonly values: GuestRegion;
  readonly elemSize: number;
  readonly valueBase: bigint;
  /** Offset of the value (PERCPU_HASH: of its per-CPU pointer) inside an element. */
  readonly valueOff: number;
  /** key (hex) -> slot; Map iteration order doubles as LRU order (oldest first). */
  protected slots = new Map<string, { slot: number; key: Uint8Array }>();
  protected free: number[];

  /** PERCPU_HASH: CPU 0's value of slot 0 (the other slots and CPUs follow as in ArrayMap). */
  private readonly pcpuBase: bigint | null;

  constructor(
    def: MapDef,
    id: number,
    placer: MapPlacer,
    readonly lru = false,
    readonly percpu = false,
  ) {
    super(def, id, placer);
    this.valueOff = HTAB_ELEM_KEY_OFF + round8(def.keySize);
    this.elemSize = this.valueOff + (percpu ? 8 : round8(def.valueSize));
    this.values = placer.valueRegion(def.name, Math.max(1, this.elemSize * def.maxEntries));
    this.valueBase = this.values.base + BigInt(this.valueOff);
    this.pcpuBase = percpu ? placer.perCpuValueRegions(`${def.name} pcpu`, Math.max(1, round8(def.valueSize) * def.maxEntries))[0]!.base : null;
    this.free = Array.from({ length: def.maxEntries }, (_, k) => def.maxEntries - 1 - k);
  }

  /** PERCPU_HASH: guest address of `cpu`'s copy of slot `slot`'s value. */
  private pcpuValue(slot: number, cpu: number): bigint {
    return this.pcpuBase! + BigInt(cpu % NR_CPUS) * PERCPU_CPU_STRIDE + BigInt(slot * round8(this.def.valueSize));
  }

  lookup(key: Uint8Array, cpu: number): bigint {
    const e = this.lookupElem(key);
    if (e === 0n) return 0n;
    if (this.pcpuBase !== null) return this.pcpuValue(Number(e - this.values.base) / this.elemSize, cpu);
    return e + BigInt(this.valueOff);
  }

  /** __htab_map_lookup_elem: guest address of the key's struct htab_elem, or 0. */
  lookupElem(key: Uint8Array): bigint {
    const h = hex(key.subarray(0, this.def.keySize));
    const e = this.slots.get(h);
    if (!e) return 0n;
    if (this.lru) {
      this.slots.delete(h);
      this.slots.set(h, e);
    }
    return this.values.base + BigInt(e.slot * this.elemSize);
  }

  update(key: Uint8Array, value: Uint8Array, flags: bigint, cpu: number): number {
    const f = flags & ~BPF_F_LOCK;
    if (f > 2n) return -EINVAL;
    const k = key.slice(0, this.def.keySize);
    const h = hex(k);
    let e = this.slots.get(h);
    if (e && f === BPF_NOEXIST) return -EEXIST;
    if (!e && f === BPF_EXIST) return -ENOENT;
    const isNew = !e;
    if (!e) {
      let slot = this.free.pop();
      if (slot === undefined) {
        if (!this.lru) return -E2BIG;
        const [oldest, victim] = this.slots.entries().next().value as [string, { slot: number }];
        this.slots.delete(oldest);
        slot = victim.slot;
      }
      e = { slot, key: k };
      this.slots.set(h, e);
    } else if (this.lru) {
      this.slots.delete(h);
      this.slots.set(h, e);
    }
    const v = value.subarray(0, this.def.valueSize);
    const pcpu = this.pcpuBase !== null;
    // A PERCPU_HASH element (its per-CPU pointer) is written once, when it is created.
    if (!pcpu || isNew) {
      const o = e.slot * this.elemSize;
      this.values.bytes.fill(0, o, o + this.elemSize);
      this.values.bytes.set(k, o + HTAB_ELEM_KEY_OFF);
      if (!pcpu) this.values.bytes.set(v, o + this.valueOff);
      else {
        new DataView(this.values.bytes.buffer, this.values.bytes.byteOffset).setBigUint64(o + this.valueOff, perCpuPtr(this.pcpuValue(e.slot, 0)), true);
        for (let c = 0; c < NR_CPUS; c++) this.space.mustView(this.pcpuValue(e.slot, c), this.def.valueSize).fill(0);
      }
      this.space.noteWrite(this.values, o, this.elemSize);
    }
    if (pcpu) this.space.mustView(this.pcpuValue(e.slot, cpu), this.def.valueSize).set(v);
    return 0;
  }

  delete(key: Uint8Array): number {
    const h = hex(key.subarray(0, this.def.keySize));
    const e = this.slots.get(h);
    if (!e) return -ENOENT;
    this.slots.delete(h);
    this.free.push(e.slot);
    return 0;
  }

  keys(): Uint8Array[] {
    return [...this.slots.values()].map((e) => e.key.slice());
  }
}
