// What both JITs' per-CPU tests (x86_64/perCpu.test.ts, riscv64/perCpu.test.ts) compile: a
// program beside a PERCPU_ARRAY (8-byte values, 2 entries) as map 0.
import { jitPrograms, type LinkedProgram } from '../../src/cli/jitAll.ts';
import type { JitProfile } from '../../src/jit/types.ts';
import { MapType } from '../../src/object/types.ts';
import { arrayMap, mkObj, mkProg } from '../analysis/progs.ts';

/** A lookup of key 0 in the percpu array (inlined as percpu_array_map_gen_lookup, 6.10+). */
export const PERCPU_LOOKUP = `
    r1 = 0
    *(u32 *)(r10 - 4) = r1
    r2 = r10
    r2 += -4
    r1 = map[#0] ll
    call bpf_map_lookup_elem
    exit`;

/** `text` as program `p` with the percpu array, JITed for `profile`. */
export function jitWithPercpuArray(text: string, profile: JitProfile): LinkedProgram {
  const prog = mkProg(text, { name: 'p' });
  const obj = mkObj(prog, [{ ...arrayMap(0, 8, 2), type: MapType.PERCPU_ARRAY }]);
  return jitPrograms(obj, [prog], profile)[0]!;
}
