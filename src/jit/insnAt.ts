// Native offset -> BPF instruction inside one JITed function: the reverse of the JIT's
// addrs[] table, as bpftool's `dump jited linum` and the kernel's jited_linfo use it.
import type { JitFunction } from './types.ts';

/**
 * Local insn whose native range [addrs[k], addrs[k+1]) holds `off`; insns that emit no code
 * (the second LD_IMM64 slot, `ja +0`) have empty ranges and are never the answer.
 */
export function insnAt(func: JitFunction, off: number): number | null {
  const a = func.addrs;
  if (a.length === 0 || off < a[0]!) return null;
  let lo = 0,
    hi = func.insnCount - 1,
    best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= off) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // The largest k with addrs[k] <= off has addrs[k+1] > off, so its range is never one of
  // the empty ones (LD_IMM64 second slots share the next insn's start).
  return best < 0 ? null : best;
}
