// BPF_MAP_TYPE_PROG_ARRAY laid out as the x86 JIT reads it: struct bpf_array with
// map.max_entries at 0x4c and ptrs[] at 0x138, each slot a guest pointer to a synthesized
// struct bpf_prog (0 = empty). User-space updates and deletes tell subscribers (the poke
// state machine) BEFORE returning, as the kernel's prog_array_map_poke_run runs inside
// the update under the map's poke mutex.
import type { MapDef } from '../../object/types.ts';
import { BPF_ARRAY_PTRS_OFF } from '../../common/kernelStructs.ts';
import { E2BIG, EEXIST, EINVAL, ENOENT } from '../errors.ts';
import { BpfMap, type MapPlacer, keyBytes, u32Key } from './base.ts';
import { BPF_EXIST, BPF_NOEXIST } from '../../bpf/uapiFlags.ts';

/** What a prog_array slot refers to: a loaded program with its struct bpf_prog address. */
export interface ProgRef {
  readonly name: string;
  /** Guest address of the synthesized struct bpf_prog. */
  readonly structAddr: bigint;
}

export type ProgArrayListener<P extends ProgRef = ProgRef> = (
  mapIndex: number,
  key: number,
  oldProg: P | null,
  newProg: P | null,
  map: ProgArrayMap<P>,
) => void;

export class ProgArrayMap<P extends ProgRef = ProgRef> extends BpfMap {
  private readonly progs: (P | null)[];
  private readonly listeners: ProgArrayListener<P>[] = [];

  constructor(
    def: MapDef,
    id: number,
    placer: MapPlacer,
    readonly mapIndex: number,
  ) {
    super(def, id, placer, BPF_ARRAY_PTRS_OFF + 8 * def.maxEntries);
    this.progs = new Array<P | null>(def.maxEntries).fill(null);
  }

  onChange(listener: ProgArrayListener<P>): () => void {
    this.listeners.push(listener);
    return () => {
      const k = this.listeners.indexOf(listener);
      if (k >= 0) this.listeners.splice(k, 1);
    };
  }

  slotAddr(index: number): bigint {
    return this.addr + BigInt(BPF_ARRAY_PTRS_OFF + 8 * index);
  }

  /** The program in `index`, or null. */
  get(index: number): P | null {
    return this.progs[index] ?? null;
  }

  /** Programs cannot look a prog_array up; the verifier rejects it. */
  lookup(_key: Uint8Array): bigint {
    return 0n;
  }

  update(_key: Uint8Array, _value: Uint8Array, _flags: bigint): number {
    return -EINVAL; // values are programs: use setProg from user space
  }

  /** User-space update with a program (bpf_fd_array_map_update_elem). */
  setProg(index: number, prog: P, flags = 0n): number {
    if (flags > 2n) return -EINVAL;
    if (index >= this.def.maxEntries) return -E2BIG;
    const old = this.progs[index] ?? null;
    if (flags === BPF_NOEXIST && old) return -EEXIST;
    if (flags === BPF_EXIST && !old) return -ENOENT;
    this.progs[index] = prog;
    this.space.mustStore(this.slotAddr(index), 8, prog.structAddr);
    for (const l of this.listeners) l(this.mapIndex, index, old, prog, this);
    return 0;
  }

  /** User-space delete (fd_array_map_delete_elem): -ENOENT for an empty slot. */
  delete(key: Uint8Array): number {
    return this.clear(u32Key(key));
  }

  clear(index: number): number {
    if (index >= this.def.maxEntries) return -E2BIG;
    const old = this.progs[index] ?? null;
    if (!old) return -ENOENT;
    this.progs[index] = null;
    this.space.mustStore(this.slotAddr(index), 8, 0n);
    for (const l of this.listeners) l(this.mapIndex, index, old, null, this);
    return 0;
  }

  keys(): Uint8Array[] {
    return this.progs.flatMap((p, k) => (p ? [keyBytes(k)] : []));
  }

  override lookupValue(key: Uint8Array): Uint8Array | undefined {
    const p = this.progs[u32Key(key)];
    return p ? keyBytes(Number(p.structAddr & 0xffffffffn)) : undefined;
  }
}
