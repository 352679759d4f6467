// bpf_map_lookup_elem / update_elem / delete_elem (kernel/bpf/helpers.c): keys and values are
// read from guest memory at the pointers the program passes.
import { BPF_FUNC, KERNEL_FUNC } from '../../bpf/helperIds.ts';
import { HashMap } from '../maps/hash.ts';
import { badHelperArg, EINVAL, negErrno } from '../errors.ts';
import { BpfdbgError } from '../../common/diag.ts';
import type { HelperContext, HelperDef } from './types.ts';
import type { BpfMap } from '../maps/base.ts';

function mapOf(k: HelperContext, addr: bigint, helper: string): BpfMap {
  const m = k.mapAt(addr);
  if (!m) throw new BpfdbgError(badHelperArg(helper, `r1 = 0x${addr.toString(16)} is not a map`));
  return m;
}

function bytesAt(k: HelperContext, addr: bigint, len: number, helper: string): Uint8Array {
  const v = k.space.read(addr, len);
  if (!(v instanceof Uint8Array)) throw new BpfdbgError(badHelperArg(helper, `cannot read ${len} bytes at 0x${addr.toString(16)}`));
  return v;
}

export const mapHelpers: HelperDef[] = [
  {
    // The verifier's inlined hash lookups (htab_map_gen_lookup) call it directly.
    id: KERNEL_FUNC.htab_map_lookup_elem,
    name: '__htab_map_lookup_elem',
    fn: (k, map, key) => {
      const m = mapOf(k, map, '__htab_map_lookup_elem');
      const kb = bytesAt(k, key, m.def.keySize, '__htab_map_lookup_elem');
      // Maps of maps are modelled without elements (StubMap): every lookup misses.
      return m instanceof HashMap ? m.lookupElem(kb) : m.lookup(kb, k.cpu);
    },
  },
  {
    id: BPF_FUNC.map_lookup_elem,
    name: 'bpf_map_lookup_elem',
    fn: (k, map, key) => {
      const m = mapOf(k, map, 'bpf_map_lookup_elem');
      return m.lookup(bytesAt(k, key, m.def.keySize, 'bpf_map_lookup_elem'), k.cpu);
    },
  },
  {
    id: BPF_FUNC.map_update_elem,
    name: 'bpf_map_update_elem',
    fn: (k, map, key, value, flags) => {
      const m = mapOf(k, map, 'bpf_map_update_elem');
      if (m.def.type === 3) return negErrno(EINVAL); // prog_array: not from programs
      const kb = bytesAt(k, key, m.def.keySize, 'bpf_map_update_elem');
      const vb = bytesAt(k, value, m.def.valueSize, 'bpf_map_update_elem');
      return BigInt.asUintN(64, BigInt(m.update(kb, vb, flags, k.cpu)));
    },
  },
  {
    id: BPF_FUNC.map_delete_elem,
    name: 'bpf_map_delete_elem',
    fn: (k, map, key) => {
      const m = mapOf(k, map, 'bpf_map_delete_elem');
      if (m.def.type === 3) return negErrno(EINVAL);
      return BigInt.asUintN(64, BigInt(m.delete(bytesAt(k, key, m.def.keySize, 'bpf_map_delete_elem'))));
    },
  },
];
