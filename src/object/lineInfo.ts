// Source lookup for a linked instruction, by the kernel's find_linfo rule (v6.13):
// the last line_info record whose insn is <= the instruction.
import type { BpfProgram, LineInfoRec } from './types.ts';

export function lineAt(prog: BpfProgram, insn: number): LineInfoRec | undefined {
  const li = prog.lineInfo;
  let lo = 0, hi = li.length - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (li[mid]!.insn <= insn) {
      best = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return best < 0 ? undefined : li[best];
}
