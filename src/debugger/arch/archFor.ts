// The DebugArch of a target's CPU.
import type { Arch } from '../../jit/types.ts';
import type { DebugArch } from './debugArch.ts';
import { riscvArch } from './riscvArch.ts';
import { x86Arch } from './x86Arch.ts';

export function archFor(arch: Arch): DebugArch {
  return arch === 'riscv64' ? riscvArch : x86Arch;
}
