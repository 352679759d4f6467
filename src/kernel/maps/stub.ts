// Map types the model only needs to exist (perf_event_array, ringbuf, map-in-map...): they get
// a struct bpf_map so programs load and see a pointer, but every operation is unsupported.
import { EOPNOTSUPP } from '../errors.ts';
import { BpfMap } from './base.ts';

export class StubMap extends BpfMap {
  lookup(): bigint {
    return 0n;
  }
  update(): number {
    return -EOPNOTSUPP;
  }
  delete(): number {
    return -EOPNOTSUPP;
  }
  keys(): Uint8Array[] {
    return [];
  }
}
