// The two architectures bpfdbg JITs for and emulates, and the facts about them that more than
// one layer needs (the JITs emit for them, the machine emulates them, the debugger shows them).

export type Arch = 'x86_64' | 'riscv64';

/** RISC-V psABI names of x0..x31 (fp is an alias of s0): the one table every layer uses. */
export const RV_ABI = [
  'zero',
  'ra',
  'sp',
  'gp',
  'tp',
  't0',
  't1',
  't2',
  's0',
  's1',
  'a0',
  'a1',
  'a2',
  'a3',
  'a4',
  'a5',
  'a6',
  'a7',
  's2',
  's3',
  's4',
  's5',
  's6',
  's7',
  's8',
  's9',
  's10',
  's11',
  't3',
  't4',
  't5',
  't6',
] as const;
