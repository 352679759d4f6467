// What map_create refuses before allocating (v6.18), so a crafted object gets the kernel's
// errno naming the map instead of a host allocation of many GiB:
//  - max_entries above a u32 cannot be expressed (EINVAL); the zero checks belong to each
//    type's map_alloc_check: arrays and hash maps refuse zero sizes and zero max_entries,
//    while ring buffers and arenas have key_size = value_size = 0, and local/cgroup storage
//    maps have max_entries = 0 (their elements live with the owning object);
//  - arrays (array_map_alloc_check): key_size must be 4; value_size above KMALLOC_MAX_SIZE
//    is E2BIG (user space could not copy an element); per-CPU values above
//    PCPU_MIN_UNIT_SIZE are E2BIG; array_map_alloc rounds max_entries up to a power of two
//    for the index mask (Spectre v1) and refuses E2BIG when that overflows a u32;
//  - prog_array (fd_array_map_alloc_check): key and value must be 4 bytes (EINVAL);
//  - hash maps (htab_map_alloc_check): key_size above MAX_BPF_STACK or value_size near
//    KMALLOC_MAX_SIZE is E2BIG.
// Then the allocation itself: guest memory for maps is bounded (ENOMEM with the map's
// name), by a budget (--max-memory) and by the guest address windows maps live in.
import { type MapDef, MapType } from '../../object/types.ts';
import { E2BIG, EINVAL, ENOMEM, errnoName } from '../errors.ts';
import { MAX_BPF_STACK } from '../../common/kernelLimits.ts';

/** KMALLOC_MAX_SIZE on x86-64 and riscv64: 1 << (MAX_PAGE_ORDER 10 + PAGE_SHIFT 12). */
export const KMALLOC_MAX_SIZE = 4 * 1024 * 1024;
/** PCPU_MIN_UNIT_SIZE: the largest per-CPU allocation (32 KiB). */
export const PCPU_MIN_UNIT_SIZE = 32 * 1024;
/** sizeof(struct htab_elem) on 64-bit (hash_node + padding + key offset), v6.x. */
const HTAB_ELEM_SIZE = 48;

/** Default budget for all maps' guest memory (bytes); `--max-memory` changes it. */
export const DEFAULT_MAX_MAP_MEMORY = 1024 * 1024 * 1024;

export interface MapRefusal {
  errno: number;
  why: string;
}

export function mapCreateRefusal(def: MapDef): MapRefusal | undefined {
  const inval = (why: string): MapRefusal => ({ errno: EINVAL, why });
  const big = (why: string): MapRefusal => ({ errno: E2BIG, why });
  if (def.maxEntries < 0 || def.maxEntries > 0xffff_ffff) return inval(`max_entries ${def.maxEntries}`);
  if (def.valueSize < 0 || def.keySize < 0) return inval(`key_size ${def.keySize}, value_size ${def.valueSize}`);
  const sized = (): MapRefusal | undefined =>
    def.maxEntries === 0
      ? inval(`max_entries ${def.maxEntries}`)
      : def.valueSize === 0
        ? inval(`key_size ${def.keySize}, value_size ${def.valueSize}`)
        : undefined;
  switch (def.type) {
    case MapType.ARRAY:
    case MapType.PERCPU_ARRAY: {
      const z = sized();
      if (z) return z;
      if (def.keySize !== 4) return inval(`an array's key_size must be 4, not ${def.keySize}`);
      if (def.valueSize > KMALLOC_MAX_SIZE) return big(`value_size ${def.valueSize} is above KMALLOC_MAX_SIZE (${KMALLOC_MAX_SIZE})`);
      if (def.type === MapType.PERCPU_ARRAY && ((def.valueSize + 7) & ~7) > PCPU_MIN_UNIT_SIZE)
        return big(`per-CPU value_size ${def.valueSize} is above PCPU_MIN_UNIT_SIZE (${PCPU_MIN_UNIT_SIZE})`);
      return indexMask(def);
    }
    case MapType.PROG_ARRAY:
      if (def.maxEntries === 0) return inval(`max_entries ${def.maxEntries}`);
      if (def.keySize !== 4 || def.valueSize !== 4) return inval(`a prog_array's key_size and value_size must be 4`);
      return indexMask(def);
    case MapType.HASH:
    case MapType.PERCPU_HASH:
    case MapType.LRU_HASH: {
      const z = sized();
      if (z) return z;
      if (def.keySize === 0) return inval('key_size 0');
      if (def.keySize > MAX_BPF_STACK) return big(`key_size ${def.keySize} is above MAX_BPF_STACK (${MAX_BPF_STACK})`);
      if (def.valueSize >= KMALLOC_MAX_SIZE - MAX_BPF_STACK - HTAB_ELEM_SIZE) return big(`value_size ${def.valueSize} is too large for a hash element`);
      return undefined;
    }
  }
  return undefined;
}

/** array_map_alloc: max_entries rounded up to a power of two must still fit a u32. */
function indexMask(def: MapDef): MapRefusal | undefined {
  const rounded = 2 ** Math.ceil(Math.log2(Math.max(def.maxEntries, 1)));
  return rounded > 0xffff_ffff ? { errno: E2BIG, why: `max_entries ${def.maxEntries} rounds up to 2^32` } : undefined;
}

/** The one-line message: `map 'jmp_table': failed to create: E2BIG (...)`, as libbpf names it. */
export const mapCreateMessage = (name: string, r: MapRefusal): string => `map '${name}': failed to create: ${errnoName(r.errno)} (${r.why})`;

/** The allocation failed (bpf_map_area_alloc): the budget or the address window is full. */
export const noMemory = (why: string): MapRefusal => ({ errno: ENOMEM, why });
