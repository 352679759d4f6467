// One factory from a MapDef to the implementation of its type.
import { type MapDef, MapType } from '../../object/types.ts';
import { ArrayMap } from './array.ts';
import { type BpfMap, type MapPlacer } from './base.ts';
import { HashMap } from './hash.ts';
import { ProgArrayMap } from './progArray.ts';
import { StubMap } from './stub.ts';
import { BPF_ARRAY_PTRS_OFF } from '../../common/kernelStructs.ts';
import { BpfdbgError } from '../../common/diag.ts';
import { mapCreateMessage, mapCreateRefusal } from './limits.ts';

export function createMap(def: MapDef, id: number, placer: MapPlacer): BpfMap {
  const refused = mapCreateRefusal(def);
  if (refused) throw new BpfdbgError({ code: 'kernel.map-create', message: mapCreateMessage(def.name, refused), place: {} });
  switch (def.type) {
    case MapType.ARRAY:
      return new ArrayMap(def, id, placer);
    case MapType.PERCPU_ARRAY:
      return new ArrayMap(def, id, placer, true);
    case MapType.HASH:
      return new HashMap(def, id, placer);
    case MapType.PERCPU_HASH:
      return new HashMap(def, id, placer, false, true);
    case MapType.LRU_HASH:
      return new HashMap(def, id, placer, true);
    case MapType.PROG_ARRAY:
      return new ProgArrayMap(def, id, placer, def.index);
    // Inner maps are not modelled, but the inlined lookup (array_of_map_gen_lookup) reads
    // the slots after the header: all empty, so every lookup misses as StubMap's does.
    case MapType.ARRAY_OF_MAPS:
      return new StubMap(def, id, placer, BPF_ARRAY_PTRS_OFF + 8 * def.maxEntries);
    default:
      return new StubMap(def, id, placer);
  }
}
