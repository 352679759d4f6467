// Dead-code handling for a bpf_capable loader (kernel/bpf/verifier.c, after
// check_max_stack_depth): opt_hard_wire_dead_code_branches turns a conditional jump with
// one side never explored into `ja`, opt_remove_dead_code deletes never-explored insns,
// opt_remove_nops deletes `ja +0` and `may_goto +0`. "Explored" is our abstract
// interpreter's seen set (constant conditions and non-null pointers compared with 0).
import { BPF_JMP, BPF_JA, isCondJump, JCOND, LD_DW_IMM } from '../bpf/opcodes.ts';
import { removeInsns, type WorkProg } from './patch.ts';

export function optDeadCode<A>(p: WorkProg<A>, seen: boolean[]): void {
  const n = p.insns.length;
  const s = seen.slice();
  for (let i = 0; i < n; i++) if (s[i] && p.insns[i]!.code === LD_DW_IMM) s[i + 1] = true;
  // opt_hard_wire_dead_code_branches
  for (let i = 0; i < n; i++) {
    const ins = p.insns[i]!;
    if (!s[i] || !isCondJump(ins.code)) continue;
    let off: number;
    if (!s[i + 1]) off = ins.off;
    else if (!s[i + 1 + ins.off]) off = 0;
    else continue;
    p.insns[i] = { code: BPF_JMP | BPF_JA, dst: 0, src: 0, off, imm: 0 };
  }
  // opt_remove_dead_code: remove runs of unseen insns, from the end so indexes stay valid.
  let i = n - 1;
  while (i >= 0) {
    if (s[i]) {
      i--;
      continue;
    }
    let j = i;
    while (j - 1 >= 0 && !s[j - 1]) j--;
    removeInsns(p, j, i - j + 1);
    i = j - 1;
  }
  // opt_remove_nops
  for (let k = 0; k < p.insns.length; k++) {
    const ins = p.insns[k]!;
    const isJa0 = ins.code === (BPF_JMP | BPF_JA) && ins.off === 0 && ins.imm === 0 && ins.dst === 0 && ins.src === 0;
    const isMayGoto0 = ins.code === JCOND && ins.off === 0;
    if (!isJa0 && !isMayGoto0) continue;
    removeInsns(p, k, 1);
    k -= isMayGoto0 && k > 0 ? 2 : 1;
  }
}
