// linkImage for RISC-V: every Reloc of a RISC-V function is an `auipc` followed by its
// partner (`jalr` for helper, kfunc and bpf2bpf calls, `addi` for PSEUDO_FUNC and kernel
// symbol addresses), filled with patchAuipcPair once the functions and trap pages have
// addresses. The kernel's extra pass does the same (bpf_jit_core.c: the final pass
// re-emits with the addresses known; fixed-size pairs keep every offset).
import { type Result, err, ok } from '../../common/diag.ts';
import type { JitImage, Reloc } from '../types.ts';
import { patchAuipcPair } from './reloc.ts';

/** What linkRiscv needs from a Placement (jit/link.ts). */
export interface RvPlacement {
  funcAddrs: readonly bigint[];
  helperAddr(helperId: number): bigint;
  kfuncAddr(btfId: number): bigint;
}

function targetOf(r: Reloc, p: RvPlacement): bigint | null | undefined {
  switch (r.kind) {
    case 'helperCall':
      return p.helperAddr(r.helperId);
    case 'kfuncCall':
      return p.kfuncAddr(r.btfId);
    case 'funcCall':
    case 'funcAddr':
      return p.funcAddrs[r.func];
    case 'ksymAddr':
      return r.addr;
    default:
      return null; // mapAddr / perCpu are final; x86 thunks do not occur
  }
}

export function linkRiscv(jit: JitImage, placement: RvPlacement): Result<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const [f, fn] of jit.funcs.entries()) {
    const base = placement.funcAddrs[f];
    if (base === undefined) return err('jit.link-missing-func', `no address for function ${fn.name}`);
    const code = fn.code.slice();
    for (const r of fn.relocs) {
      const target = targetOf(r, placement);
      if (target === null) continue;
      if (target === undefined) return err('jit.link-missing-func', `no address for function ${'func' in r ? r.func : '?'}`);
      try {
        patchAuipcPair(code, r.at, base + BigInt(r.at), target);
      } catch (e) {
        if (e instanceof RangeError) return err('jit.link-out-of-range', `${fn.name}+0x${r.at.toString(16)}: ${e.message}`);
        throw e;
      }
    }
    out.push(code);
  }
  return ok(out);
}
