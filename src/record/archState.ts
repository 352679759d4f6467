// What recording and reverse execution need to know about the CPU, one table per arch:
// the registers that define its state (hashed at checkpoints and after commands), and the
// frame facts reverse-step/-next/-finish search with. Chosen by the machine's arch.
//
// Frame identity ("which bpf2bpf frame is running"): a deeper frame has a smaller one.
//  - x86-64: rbp. The prologue's `push rbp; mov rbp, rsp` leaves rbp = the entry rsp - 8,
//    so a function entered by `call` (return address at [rsp]) will have frame rsp - 8.
//  - RISC-V: the CFA, s0 once the prologue's `addi s0, sp, N` ran (= the caller's sp), or
//    sp / sp + N while the frame is built or torn down (riscvFrame.ts reads the function's
//    own layout: ra is saved only by functions that call, so there is no fixed record).
//    At a function's first instruction sp is already the CFA it will have; the return
//    address is in ra (`jalr ra`), not on the stack. A tail call lands past the entry
//    (RV_TAILCALL_OFFSET) and rebuilds its frame at the same CFA, as x86 keeps rbp.
import { cfaAt } from '../debugger/arch/riscvFrame.ts';
import type { CodePosition } from '../debugger/target/loadedProgram.ts';
import { CapstoneDisassembler } from '../machine/capstone.ts';
import { X86_GPRS } from '../machine/regs.ts';
import type { Machine, MachineArch } from '../machine/machine.ts';

export interface RecordArch {
  readonly name: MachineArch;
  /**
   * The registers whose values, with guest memory and the kernel model, are the state a
   * state hash covers (the recording format fixes these per arch: docs/session-format.md).
   */
  readonly stateRegs: readonly string[];
  /** The frame identity at the current state (`pos`: where the pc is, if in JITed code). */
  frame(m: Machine, pos: CodePosition | null): bigint;
  /** At a function's first instruction, reached by a call: the frame identity it will have. */
  entryFrame(m: Machine): bigint;
  /** At a function's first instruction, reached by a call: where it returns to. */
  entryReturn(m: Machine): bigint;
}

/** x86-64: the GPRs, rip, eflags and gs_base (the per-CPU base: this_cpu_off lives at gs:). */
const X86_STATE_REGS = [...X86_GPRS, 'rip', 'eflags', 'gs_base'] as const;

/**
 * RISC-V 64: x0..x31 and pc. tp (x4) is the kernel's per-CPU anchor (thread_info); the JIT
 * and the machine keep no other per-CPU base in registers (selectCpu writes none on
 * riscv64), and the JIT uses no floating-point or other CSR state.
 */
const RV_STATE_REGS = [...Array.from({ length: 32 }, (_, i) => `x${i}`), 'pc'] as const;

const x86: RecordArch = {
  name: 'x86_64',
  stateRegs: X86_STATE_REGS,
  frame: (m) => m.readReg('rbp'),
  entryFrame: (m) => m.readReg('rsp') - 8n,
  entryReturn: (m) => m.readU64(m.readReg('rsp')),
};

/** Decodes the RISC-V prologues cfaAt reads (as the session's target does). */
const rvDisassembler = new CapstoneDisassembler('riscv64');

const riscv: RecordArch = {
  name: 'riscv64',
  stateRegs: RV_STATE_REGS,
  frame(m, pos) {
    const [sp, s0] = m.readRegs(['sp', 's0']) as [bigint, bigint];
    // Outside JITed code (a helper's trap page, the sentinel) s0 is still the caller's CFA.
    return pos ? cfaAt(pos.func, pos.off, sp, s0, rvDisassembler).cfa : s0;
  },
  entryFrame: (m) => m.readReg('sp'),
  entryReturn: (m) => m.readReg('ra'),
};

export function recordArch(arch: MachineArch): RecordArch {
  return arch === 'riscv64' ? riscv : x86;
}
