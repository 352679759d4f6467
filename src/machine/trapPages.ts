// Bytes of the pages the machine owns (pure data, no emulator): helper/kfunc trap pages,
// the x86 thunk page and the return sentinel. Kernel counterparts: helpers reached by
// `call __bpf_call_base+imm`, __x86_return_thunk / __x86_indirect_thunk_rcx (retpolines).
import { PAGE_SIZE, X86_INDIRECT_THUNK_RCX, X86_RETURN_THUNK, THUNK_BASE } from '../common/layout.ts';
import type { MachineArch } from './machine.ts';

const RET = 0xc3;
const INT3 = 0xcc;
const HLT = 0xf4;
/** RISC-V `jalr x0, 0(ra)` (= `ret` / `jr ra`), little-endian. */
const RV_RET = [0x67, 0x80, 0x00, 0x00];
/** RISC-V `wfi`: Unicorn ends emulation on it (EXCP_HLT) with pc after it, like x86 hlt. */
const RV_WFI = [0x73, 0x00, 0x50, 0x10];

function fill(pattern: readonly number[]): Uint8Array {
  const page = new Uint8Array(PAGE_SIZE);
  for (let i = 0; i < PAGE_SIZE; i++) page[i] = pattern[i % pattern.length]!;
  return page;
}

/** Every slot is a return: the trap hook runs the helper in JS, then the real return runs. */
export function callTrapPage(arch: MachineArch): Uint8Array {
  return arch === 'x86_64' ? fill([RET]) : fill(RV_RET);
}

/** x86 only: `ret` at __x86_return_thunk, `jmp rcx` at __x86_indirect_thunk_rcx, int3 elsewhere. */
export function thunkPage(): Uint8Array {
  const page = fill([INT3]);
  page[Number(X86_RETURN_THUNK - THUNK_BASE)] = RET;
  page.set([0xff, 0xe1], Number(X86_INDIRECT_THUNK_RCX - THUNK_BASE));
  return page;
}

/**
 * The return-address sentinel page: hlt (x86) / wfi (riscv). Both end uc_emu_start by
 * themselves, so the sentinel needs no code hook (every code hook costs each executed
 * instruction a few ns, since the counting hook makes Unicorn walk the hook list).
 */
export function sentinelPage(arch: MachineArch): Uint8Array {
  return arch === 'x86_64' ? fill([HLT]) : fill(RV_WFI);
}
