// linkImage for RISC-V: every Reloc of a RISC-V function is an `auipc` followed by its
// partner (`jalr` for helper, kfunc and bpf2bpf calls, `addi` for PSEUDO_FUNC and kernel
// symbol addresses), filled with patchAuipcPair once the functions and trap pages have
// addresses. The kernel's extra pass does the same (bpf_jit_core.c: the final pass
// re-emits with the addresses known; fixed-size pairs keep every offset).
import { type Result, err, ok } from '../../common/diag.ts';
import type { JitImage } from '../types.ts';
import { relocTarget, relocTargetName, type RelocPlacement } from '../relocTarget.ts';
import { patchAuipcPair } from './reloc.ts';

/** What linkRiscv needs from a Placement (jit/link.ts): no thunks, RISC-V has none. */
export type RvPlacement = Omit<RelocPlacement, 'returnThunk' | 'indirectThunk'>;

export function linkRiscv(jit: JitImage, placement: RvPlacement): Result<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const [f, fn] of jit.funcs.entries()) {
    const base = placement.funcAddrs[f];
    if (base === undefined) return err('jit.link-missing-func', `no address for function ${fn.name}`);
    const code = fn.code.slice();
    for (const r of fn.relocs) {
      const target = relocTarget(r, placement);
      if (target === null) continue;
      if (target === undefined) return err('jit.link-missing-func', `no address for ${relocTargetName(r)}`);
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
