// What the debugger decodes machine code with (code windows, `x/i`, `disassemble`, the
// stop line, the RISC-V prologue walk): one Disassembler per target, for its arch. The
// debugger depends on this interface alone; the Capstone one is the machine layer's
// (machine/capstone.ts: CapstoneDisassembler), handed to the target where it is built
// (target/jitTarget.ts), so koffi and Capstone stay in src/machine/.
import type { DisasmInsn } from '../machine/capstone.ts';

export type { DisasmInsn } from '../machine/capstone.ts';

export interface Disassembler {
  /**
   * Decodes `bytes` placed at `addr`, up to `max` instructions (0: all). Undecodable bytes
   * become `(bad)` entries (one byte on x86, one parcel on RISC-V) and decoding resumes after them.
   */
  disasm(bytes: Uint8Array, addr: bigint, max?: number): DisasmInsn[];
  /** One instruction as the debugger prints it: `mov rax, qword ptr [rbp - 0x18]`. */
  format(i: DisasmInsn): string;
}
