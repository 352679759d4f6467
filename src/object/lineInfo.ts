// Source lookup for an instruction, by the kernel's find_linfo rule (v6.13): the last
// line_info record whose insn is <= the instruction. Records are sorted by insn.
import type { BpfProgram, LineInfoRec } from './types.ts';

/** The record in effect at `insn` (binary search: code windows ask for every insn). */
export function findLinfo<T extends { readonly insn: number }>(records: readonly T[], insn: number): T | undefined {
  let lo = 0,
    hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (records[mid]!.insn <= insn) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? records[lo - 1] : undefined;
}

export function lineAt(prog: BpfProgram, insn: number): LineInfoRec | undefined {
  return findLinfo(prog.lineInfo, insn);
}
