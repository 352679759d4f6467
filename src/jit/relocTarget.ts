// The address a Reloc refers to, for both arches' linkers (jit/link.ts, riscv64/link.ts).
import type { Reloc } from './types.ts';

/** What a linker needs to know of where things live; the x86 thunks are x86-only. */
export interface RelocPlacement {
  /** bpf_func of each function, in JitImage.funcs order. */
  funcAddrs: readonly bigint[];
  helperAddr(helperId: number): bigint;
  kfuncAddr(btfId: number): bigint;
  /** __x86_return_thunk */
  returnThunk?: bigint;
  /** __x86_indirect_thunk_<reg> */
  indirectThunk?(reg: string): bigint;
}

/**
 * Absolute address `r` refers to: null when the field is already final (map addresses and
 * per-CPU offsets are written at JIT time), undefined when the placement has no address for it.
 */
export function relocTarget(r: Reloc, p: RelocPlacement): bigint | null | undefined {
  switch (r.kind) {
    case 'helperCall':
      return p.helperAddr(r.helperId);
    case 'kfuncCall':
      return p.kfuncAddr(r.btfId);
    case 'funcCall':
    case 'funcAddr':
      return p.funcAddrs[r.func];
    case 'retThunk':
      return p.returnThunk;
    case 'indirectThunk':
      return p.indirectThunk?.(r.reg);
    case 'ksymAddr': // RISC-V emit_addr of a kernel symbol (x86-64 writes those at JIT time)
      return r.addr;
    case 'mapAddr':
    case 'perCpu':
      return null;
  }
}

/** The name a missing-address error gives for `r`. */
export function relocTargetName(r: Reloc): string {
  return 'func' in r ? `function ${r.func}` : r.kind;
}
