// A fresh machine for machine-level tests: `code` at TEXT_BASE (read-execute), a 16 KiB
// kernel stack at KSTACK_BASE and the return sentinel. Stack top: BARE_STACK_TOP.
import { KSTACK_BASE, TEXT_BASE } from '../../src/common/layout.ts';
import { createMachine, type UnicornMachine } from '../../src/machine/unicornMachine.ts';
import { PERM_RW, PERM_RX, type MachineArch } from '../../src/machine/machine.ts';

export const BARE_STACK_TOP = KSTACK_BASE + 0x4000n;

export async function bareMachine(arch: MachineArch, code: Uint8Array): Promise<UnicornMachine> {
  const m = await createMachine(arch);
  m.map(TEXT_BASE, 0x1000, PERM_RX);
  m.writeCode(TEXT_BASE, code);
  m.map(KSTACK_BASE, 0x4000, PERM_RW);
  m.installSentinel();
  return m;
}
