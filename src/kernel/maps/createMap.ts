// One factory from a MapDef to the implementation of its type.
import { type MapDef, MapType } from '../../object/types.ts';
import { ArrayMap } from './array.ts';
import { type BpfMap, type MapPlacer } from './base.ts';
import { HashMap } from './hash.ts';
import { ProgArrayMap } from './progArray.ts';
import { StubMap } from './stub.ts';
import { BpfdbgError } from '../../common/diag.ts';
import { mapCreateMessage, mapCreateRefusal } from './limits.ts';

export function createMap(def: MapDef, id: number, placer: MapPlacer): BpfMap {
  const refused = mapCreateRefusal(def);
  if (refused) throw new BpfdbgError({ code: 'kernel.map-create', message: mapCreateMessage(def.name, refused), place: {} });
  switch (def.type) {
    case MapType.ARRAY: return new ArrayMap(def, id, placer);
    case MapType.PERCPU_ARRAY: return new ArrayMap(def, id, placer, true);
    case MapType.HASH:
    case MapType.PERCPU_HASH: return new HashMap(def, id, placer);
    case MapType.LRU_HASH: return new HashMap(def, id, placer, true);
    case MapType.PROG_ARRAY: return new ProgArrayMap(def, id, placer, def.index);
    default: return new StubMap(def, id, placer);
  }
}
