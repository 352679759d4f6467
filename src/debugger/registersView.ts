// Registers as the View shows them: every native register, BPF R0-R10 through the x86-64
// JIT's register map (R10 = rbp, or r9 on a 6.13+ private stack), rflags letters, and
// "changed since the last stop" against the previous View.
import { hex64, type BpfRegister, type NativeRegister, type Registers, type TailCallCounter } from './view.ts';

/** Native display order; 'eflags' is the machine's name for rflags. */
export const X86_NATIVE = [
  'rax',
  'rbx',
  'rcx',
  'rdx',
  'rsi',
  'rdi',
  'rbp',
  'rsp',
  'r8',
  'r9',
  'r10',
  'r11',
  'r12',
  'r13',
  'r14',
  'r15',
  'rip',
  'eflags',
] as const;

/** arch/x86/net/bpf_jit_comp.c reg2hex: R0 rax, R1-R5 = SysV args, R6-R9 callee-saved, R10 rbp. */
export const X86_BPF_MAP: readonly string[] = ['rax', 'rdi', 'rsi', 'rdx', 'rcx', 'r8', 'rbx', 'r13', 'r14', 'r15', 'rbp'];

const FLAG_BITS: [number, string][] = [
  [0, 'CF'],
  [2, 'PF'],
  [4, 'AF'],
  [6, 'ZF'],
  [7, 'SF'],
  [8, 'TF'],
  [9, 'IF'],
  [10, 'DF'],
  [11, 'OF'],
];

export function flagLetters(f: bigint): string[] {
  return FLAG_BITS.filter(([b]) => (f >> BigInt(b)) & 1n).map(([, n]) => n);
}

export function buildRegisters(
  values: Record<string, bigint>,
  prev: Registers | null,
  priv: { areaLo: bigint; areaHi: bigint } | null,
  tcc: TailCallCounter | null,
): Registers {
  const prevVal = new Map<string, string>();
  for (const r of prev?.native ?? []) prevVal.set(r.name, r.value);
  const bpfOf = new Map<string, string>();
  X86_BPF_MAP.forEach((n, i) => bpfOf.set(n, `R${i}`));
  if (priv) bpfOf.delete('rbp');
  const native: NativeRegister[] = X86_NATIVE.map((m) => {
    const name = m === 'eflags' ? 'rflags' : m;
    const value = hex64(values[m] ?? 0n);
    let role: string | null = null;
    if (name === 'rip') role = 'pc';
    else if (name === 'rsp') role = 'sp';
    else if (name === 'rflags') role = 'flags';
    else if (name === 'r9' && priv) role = 'private frame pointer';
    else if (name === 'rax' && tcc?.where.kind === 'rax') role = 'tail-call counter';
    const bpf = name === 'r9' && priv ? 'R10' : (bpfOf.get(name) ?? null);
    return { name, value, changed: prev !== null && prevVal.get(name) !== value, bpf: role === 'private frame pointer' ? null : bpf, role };
  });
  const prevBpf = new Map((prev?.bpf ?? []).map((r) => [r.name, r.value]));
  const bpf: BpfRegister[] = X86_BPF_MAP.map((n, i) => {
    const nat = i === 10 && priv ? 'r9' : n;
    const value = hex64(values[nat] ?? 0n);
    return { name: `R${i}`, native: nat, value, changed: prev !== null && prevBpf.get(`R${i}`) !== value };
  });
  return {
    native,
    bpf,
    pc: hex64(values['rip'] ?? 0n),
    sp: hex64(values['rsp'] ?? 0n),
    flags: flagLetters(values['eflags'] ?? 0n),
    privateFramePointer: priv ? { reg: 'r9', value: hex64(values['r9'] ?? 0n), areaLo: hex64(priv.areaLo), areaHi: hex64(priv.areaHi) } : null,
    tailCallCounter: tcc,
  };
}
