// The part every map shares: its definition, its struct bpf_map in guest memory (the JIT
// reads max_entries at BPF_ARRAY_MAX_ENTRIES_OFF) and the program- and user-facing
// operations. Values live in guest memory, so the interpreter and JITed code share them.
import type { MapDef } from '../../object/types.ts';
import { BPF_ARRAY_MAX_ENTRIES_OFF } from '../../common/kernelStructs.ts';
import { BpfdbgError } from '../../common/diag.ts';
import { KSTACK_BASE, MAP_STRUCT_BASE, MAP_VALUE_BASE, NR_CPUS, PERCPU_CPU_STRIDE, PROG_STRUCT_BASE } from '../../common/layout.ts';
import { DEFAULT_MAX_MAP_MEMORY, mapCreateMessage, noMemory } from './limits.ts';
import { type AddressSpace, type GuestRegion, pageAlign } from '../addressSpace.ts';

/**
 * Hands out guest addresses for map structs and value storage (1 MiB-aligned per map),
 * within their address windows and a budget of guest memory for all maps together: a map
 * that does not fit is ENOMEM naming it, before any host memory is taken.
 */
export class MapPlacer {
  private structNext = MAP_STRUCT_BASE;
  private valueNext = MAP_VALUE_BASE;
  private used = 0;
  constructor(
    readonly space: AddressSpace,
    readonly budget = DEFAULT_MAX_MAP_MEMORY,
  ) {}

  private reserve(name: string, size: number, next: bigint, windowEnd: bigint, window: string): void {
    const len = pageAlign(size);
    const fail = (why: string): never => {
      throw new BpfdbgError({ code: 'kernel.map-create', message: mapCreateMessage(name, noMemory(why)), place: {} });
    };
    if (this.used + len > this.budget) {
      fail(`needs ${mib(len)} of guest memory, ${mib(this.budget - this.used)} of the ${mib(this.budget)} budget left; raise it with --max-memory`);
    }
    if (next + BigInt(len) > windowEnd) fail(`needs ${mib(len)}, more than the ${window} window has left`);
    this.used += len;
  }

  structRegion(name: string, size: number, writable = true): GuestRegion {
    this.reserve(name, size, this.structNext, PROG_STRUCT_BASE, 'map struct');
    const r = this.space.map(`map ${name}`, this.structNext, size, writable);
    this.structNext += BigInt(r.size);
    return r;
  }

  valueRegion(name: string, size: number, writable = true): GuestRegion {
    this.reserve(name, size, this.valueNext, KSTACK_BASE, 'map value');
    const r = this.space.map(`map ${name} values`, this.valueNext, size, writable);
    const MiB = 0x100000n;
    this.valueNext += ((BigInt(r.size) + MiB - 1n) / MiB) * MiB;
    return r;
  }

  /**
   * One value region per CPU, PERCPU_CPU_STRIDE apart as the per-CPU areas are, so that one
   * per-CPU pointer plus this_cpu_off(c) reaches CPU c's copy (the kernel's pcpu chunks).
   */
  perCpuValueRegions(name: string, size: number, writable = true): GuestRegion[] {
    const len = pageAlign(size);
    if (BigInt(len) > PERCPU_CPU_STRIDE) {
      throw new BpfdbgError({
        code: 'kernel.map-create',
        message: mapCreateMessage(name, noMemory(`needs ${mib(len)} per CPU, more than the ${mib(Number(PERCPU_CPU_STRIDE))} bpfdbg models`)),
        place: {},
      });
    }
    const span = BigInt(NR_CPUS) * PERCPU_CPU_STRIDE;
    this.reserve(name, len * NR_CPUS, this.valueNext + span - BigInt(len * NR_CPUS), KSTACK_BASE, 'map value');
    const out = Array.from({ length: NR_CPUS }, (_, c) =>
      this.space.map(`map ${name} values cpu${c}`, this.valueNext + BigInt(c) * PERCPU_CPU_STRIDE, size, writable),
    );
    this.valueNext += span;
    return out;
  }
}

export const round8 = (n: number): number => (n + 7) & ~7;
const mib = (n: number): string => (n >= 1048576 ? `${(n / 1048576).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`);

export abstract class BpfMap {
  readonly struct: GuestRegion;
  readonly name: string;

  constructor(
    readonly def: MapDef,
    readonly id: number,
    protected readonly placer: MapPlacer,
    structSize = 0x138,
    writable = true,
  ) {
    this.name = def.name;
    this.struct = placer.structRegion(def.name, pageAlign(structSize), writable);
    this.struct.bytes.fill(0);
    new DataView(this.struct.bytes.buffer, this.struct.bytes.byteOffset).setUint32(BPF_ARRAY_MAX_ENTRIES_OFF, def.maxEntries, true);
    this.space.noteWrite(this.struct, 0, this.struct.size);
  }

  protected get space(): AddressSpace {
    return this.placer.space;
  }

  /** Guest address of the struct bpf_map (LD_IMM64 PSEUDO_MAP_FD). */
  get addr(): bigint {
    return this.struct.base;
  }

  /** Guest address of element 0's value (PSEUDO_MAP_VALUE base); 0 when not array-like. */
  get valueAddr(): bigint {
    return 0n;
  }

  /** bpf_map_lookup_elem from a program: guest pointer to the value, or 0. */
  abstract lookup(key: Uint8Array, cpu: number): bigint;
  /** bpf_map_update_elem (program or user space): 0 or -errno. */
  abstract update(key: Uint8Array, value: Uint8Array, flags: bigint, cpu: number): number;
  /** bpf_map_delete_elem: 0 or -errno. */
  abstract delete(key: Uint8Array): number;
  /** Keys currently present, for listings. */
  abstract keys(): Uint8Array[];

  /** User-space lookup: a copy of the value (per-CPU maps: that CPU's copy). */
  lookupValue(key: Uint8Array, cpu = 0): Uint8Array | undefined {
    const p = this.lookup(key, cpu);
    return p === 0n ? undefined : this.space.mustView(p, this.def.valueSize).slice();
  }
}

export function u32Key(key: Uint8Array): number {
  return new DataView(key.buffer, key.byteOffset, 4).getUint32(0, true);
}

export function keyBytes(k: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, k >>> 0, true);
  return b;
}
