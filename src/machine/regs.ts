// Register names -> Unicorn 2.0.1 register ids (values of UC_X86_REG_* / UC_RISCV_REG_*
// from /usr/include/unicorn/{x86,riscv}.h). Names are the ones the debugger shows.
import { RV_ABI } from '../common/arch.ts';
import type { MachineArch } from './machine.ts';

/** x86-64 general registers in display order, then rip, eflags and the segment bases. */
export const X86_REGS: Readonly<Record<string, number>> = {
  rax: 35,
  rbx: 37,
  rcx: 38,
  rdx: 40,
  rsi: 43,
  rdi: 39,
  rbp: 36,
  rsp: 44,
  r8: 106,
  r9: 107,
  r10: 108,
  r11: 109,
  r12: 110,
  r13: 111,
  r14: 112,
  r15: 113,
  rip: 41,
  eflags: 25,
  fs_base: 250,
  gs_base: 251,
};
export const X86_GPRS = ['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi', 'rbp', 'rsp', 'r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'] as const;
/** SysV argument registers = BPF R1-R5 on x86-64 (the JIT's register map). */
export const X86_ARG_REGS = ['rdi', 'rsi', 'rdx', 'rcx', 'r8'] as const;

/** RISC-V ABI names of x0..x31 (fp is an alias of s0), from the JIT's encoder. */
/** UC_RISCV_REG_X0 = 1, consecutive to X31; UC_RISCV_REG_PC = 190. */
const UC_RISCV_REG_X0 = 1;
export const RV_REGS: Readonly<Record<string, number>> = (() => {
  const m: Record<string, number> = { pc: 190, fp: UC_RISCV_REG_X0 + 8 };
  for (let i = 0; i < 32; i++) {
    m[`x${i}`] = UC_RISCV_REG_X0 + i;
    m[RV_ABI[i]!] = UC_RISCV_REG_X0 + i;
  }
  return m;
})();
/** BPF R1-R5 on the RISC-V JIT: a0-a4. */
export const RV_ARG_REGS = ['a0', 'a1', 'a2', 'a3', 'a4'] as const;

export function regTable(arch: MachineArch): Readonly<Record<string, number>> {
  return arch === 'x86_64' ? X86_REGS : RV_REGS;
}

export function pcReg(arch: MachineArch): string {
  return arch === 'x86_64' ? 'rip' : 'pc';
}

export function argRegs(arch: MachineArch): readonly string[] {
  return arch === 'x86_64' ? X86_ARG_REGS : RV_ARG_REGS;
}

export function retReg(arch: MachineArch): string {
  return arch === 'x86_64' ? 'rax' : 'a0';
}

export function spReg(arch: MachineArch): string {
  return arch === 'x86_64' ? 'rsp' : 'sp';
}

/** Register id for a name, or undefined when the arch has no such register. */
export function regId(arch: MachineArch, name: string): number | undefined {
  return regTable(arch)[name];
}
