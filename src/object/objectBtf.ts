// The parsed .BTF of a loaded object: the one the loader parsed and kept (BpfObject.btf);
// an object built some other way has its bytes parsed, once per object.
import type { BpfObject } from './types.ts';
import { parseElf } from './elf.ts';
import { classifySections } from './sections.ts';
import { parseBtf, type Btf } from './btf.ts';

const cache = new WeakMap<BpfObject, Btf | null>();

/** The object's BTF, or null when it has none. */
export function objectBtf(object: BpfObject): Btf | null {
  if (object.btf) return object.btf;
  let b = cache.get(object);
  if (b === undefined) {
    try {
      const secs = classifySections(parseElf(object.bytes, object.path));
      b = secs.btf ? parseBtf(secs.btf.data, secs.btf.offset, { file: object.path, section: '.BTF' }) : null;
    } catch {
      b = null; // the object loaded, so its BTF parsed then; be safe anyway
    }
    cache.set(object, b);
  }
  return b;
}
