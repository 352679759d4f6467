// BPF -> RISC-V register map of arch/riscv/net/bpf_jit_comp64.c (regmap[]), one reason per row.
import { RV } from './encode.ts';

export interface RegMapRow {
  bpf: string;
  rv: number;
  why: string;
}

/** Indexed by BPF register number (R0..R10, then AX). */
export const REG_MAP: readonly RegMapRow[] = [
  { bpf: 'r0', rv: RV.A5, why: 'caller-saved, not an argument register: survives setting up a0-a4 for a call; moved to a0 only at exit' },
  { bpf: 'r1', rv: RV.A0, why: 'first psABI argument: ctx on entry, helper arg 1 without moves' },
  { bpf: 'r2', rv: RV.A1, why: 'psABI argument 2' },
  { bpf: 'r3', rv: RV.A2, why: 'psABI argument 3 (the tail-call index)' },
  { bpf: 'r4', rv: RV.A3, why: 'psABI argument 4' },
  { bpf: 'r5', rv: RV.A4, why: 'psABI argument 5' },
  { bpf: 'r6', rv: RV.S1, why: 'callee-saved: BPF R6-R9 survive helper calls; s1 is also an RVC register (x9)' },
  { bpf: 'r7', rv: RV.S2, why: 'callee-saved' },
  { bpf: 'r8', rv: RV.S3, why: 'callee-saved' },
  { bpf: 'r9', rv: RV.S4, why: 'callee-saved' },
  { bpf: 'r10', rv: RV.S5, why: 'callee-saved frame pointer of the BPF stack (sp + round_up(stack_depth, 16)); s0 stays the native frame pointer' },
  { bpf: 'ax', rv: RV.T0, why: 'constant-blinding temporary; t0 is free because the fentry patch uses it only before the prologue' },
];

/** Tail-call counter: a6 is an argument register no helper argument uses (helpers take <= 5). */
export const RV_REG_TCC = RV.A6;
/** Callee-saved copy of the TCC when a program both calls and tail-calls (upstream scheme). */
export const RV_REG_TCC_SAVED = RV.S6;
/** Arena base (arena programs only; bpfdbg rejects arena instructions). */
export const RV_REG_ARENA = RV.S7;

export const bpfToRv = (bpfReg: number): number => {
  const row = REG_MAP[bpfReg];
  if (!row) throw new Error(`no RISC-V register for BPF r${bpfReg}`);
  return row.rv;
};
