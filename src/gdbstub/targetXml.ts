// Target descriptions (gdb manual, "Target Descriptions" and "Standard Target Features")
// served through qXfer:features:read:target.xml, and the g-packet register layout they
// define. x86-64: gdb's amd64 code accepts a description only when the
// org.gnu.gdb.i386.core feature names every core register, the x87 ones included, so they
// are listed; the machine models the general registers, rip and eflags, and the g packet
// says 'x' (unavailable) for the rest. riscv64: org.gnu.gdb.riscv.cpu, x0..x31 and pc.
import { RV_ABI } from '../common/arch.ts';
import type { Arch } from '../jit/types.ts';

export interface GdbRegister {
  /** gdb's name. */
  name: string;
  bits: number;
  type: string;
  /** Name of the register in View.registers.native, or null: not modelled (g says 'x'). */
  view: string | null;
  /** x0 on RISC-V: always zero. */
  zero?: boolean;
}

const gpr = (name: string, type = 'int64'): GdbRegister => ({ name, bits: 64, type, view: name });

const X86_REGS: GdbRegister[] = [
  ...['rax', 'rbx', 'rcx', 'rdx', 'rsi', 'rdi'].map((n) => gpr(n)),
  gpr('rbp', 'data_ptr'),
  gpr('rsp', 'data_ptr'),
  ...['r8', 'r9', 'r10', 'r11', 'r12', 'r13', 'r14', 'r15'].map((n) => gpr(n)),
  gpr('rip', 'code_ptr'),
  { name: 'eflags', bits: 32, type: 'i386_eflags', view: 'rflags' },
  ...['cs', 'ss', 'ds', 'es', 'fs', 'gs'].map((name) => ({ name, bits: 32, type: 'int32', view: null })),
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ name: `st${i}`, bits: 80, type: 'i387_ext', view: null })),
  ...['fctrl', 'fstat', 'ftag', 'fiseg', 'fioff', 'foseg', 'fooff', 'fop'].map((name) => ({ name, bits: 32, type: 'int', view: null })),
];

/** st0.. and the x87 control registers: gdb's `info float`, not `info registers`. */
const X87_FIRST = X86_REGS.findIndex((r) => r.name === 'st0');

/** x1..x31 by their ABI names (the View's), as gdb's riscv cpu feature lists them. */
const RV_GDB_NAMES = RV_ABI.slice(1).map((n) => (n === 's0' ? 'fp' : n));
const RV_REGS: GdbRegister[] = [
  { name: 'zero', bits: 64, type: 'int', view: null, zero: true },
  ...RV_GDB_NAMES.map((n) => ({
    name: n,
    bits: 64,
    type: n === 'sp' || n === 'fp' ? 'data_ptr' : n === 'ra' ? 'code_ptr' : 'int',
    view: n === 'fp' ? 's0' : n,
  })),
  { name: 'pc', bits: 64, type: 'code_ptr', view: 'pc' },
];

export const gdbRegisters = (arch: Arch): GdbRegister[] => (arch === 'riscv64' ? RV_REGS : X86_REGS);

/** The index of the program counter in the layout (for `T` stop replies). */
export const pcRegister = (arch: Arch): number => gdbRegisters(arch).findIndex((r) => r.name === (arch === 'riscv64' ? 'pc' : 'rip'));

const EFLAGS = `<flags id="i386_eflags" size="4">
${[
  ['CF', 0],
  ['PF', 2],
  ['AF', 4],
  ['ZF', 6],
  ['SF', 7],
  ['TF', 8],
  ['IF', 9],
  ['DF', 10],
  ['OF', 11],
  ['NT', 14],
  ['RF', 16],
  ['VM', 17],
  ['AC', 18],
  ['VIF', 19],
  ['VIP', 20],
  ['ID', 21],
]
  .map(([n, b]) => `  <field name="${n}" start="${b}" end="${b}"/>`)
  .join('\n')}
</flags>`;

const regXml = (r: GdbRegister, i: number, group?: string): string =>
  `  <reg name="${r.name}" bitsize="${r.bits}" type="${r.type}" regnum="${i}"${group ? ` group="${group}"` : ''}/>`;

export function targetXml(arch: Arch): string {
  const regs = gdbRegisters(arch);
  if (arch === 'riscv64')
    return `<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>riscv:rv64</architecture>
<feature name="org.gnu.gdb.riscv.cpu">
${regs.map((r, i) => regXml(r, i)).join('\n')}
</feature>
</target>
`;
  return `<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>i386:x86-64</architecture>
<feature name="org.gnu.gdb.i386.core">
${EFLAGS}
${regs.map((r, i) => regXml(r, i, i >= X87_FIRST ? 'float' : undefined)).join('\n')}
</feature>
</target>
`;
}
