// BPF_PROBE_MEM / BPF_PROBE_MEMSX loads (arch/x86/net/bpf_jit_comp.c, 6.18): before a load
// through a pointer the verifier could not trust, the JIT checks that src + off is a kernel
// address, conservatively `TASK_SIZE_MAX + PAGE_SIZE < addr < VSYSCALL_ADDR`, computed as
// one unsigned compare of addr - VSYSCALL_ADDR against their difference; outside it the
// destination becomes 0 and the load is skipped. The load itself gets an exception-table
// entry: if it faults, the kernel's fixup zeroes the destination and resumes after it.
import type { CodeBuf } from './codeBuf.ts';
import { emitLdsx, emitLdx } from './emitMem.ts';
import { emitMovImm32, emitMovImm64, emitMovReg } from './emitMov.ts';
import { add1mod, add1reg, add2mod, add2reg, REG_AUX, REG_AX } from './regs.ts';

/** VSYSCALL_ADDR (x86-64 fixed vsyscall page). */
export const VSYSCALL_ADDR = 0xffffffffff600000n;
/** TASK_SIZE_MAX + PAGE_SIZE with 4-level paging: the lowest address the check lets through. */
export const PROBE_MEM_LOW = 0x00007ffffffff000n + 0x1000n;
const LIMIT = BigInt.asUintN(64, PROBE_MEM_LOW - VSYSCALL_ADDR);

/** Emits the guarded load; returns the native offset range of the load itself (the extable entry). */
export function emitProbeLoad(buf: CodeBuf, signExt: boolean, size: number, dst: number, src: number, off: number): { start: number; end: number } {
  emitMovImm64(buf, REG_AX, VSYSCALL_ADDR); // mov r10, VSYSCALL_ADDR
  emitMovReg(buf, true, REG_AUX, src); // mov r11, src
  if (off) {
    buf.emit3(add1mod(0x48, REG_AUX), 0x81, add1reg(0xc0, REG_AUX)); // add r11, imm32
    buf.imm32(off);
  }
  buf.emit3(add2mod(0x48, REG_AUX, REG_AX), 0x29, add2reg(0xc0, REG_AUX, REG_AX)); // sub r11, r10
  emitMovImm64(buf, REG_AX, LIMIT); // movabs r10, limit
  buf.emit3(add2mod(0x48, REG_AUX, REG_AX), 0x39, add2reg(0xc0, REG_AUX, REG_AX)); // cmp r11, r10
  buf.emit2(0x77, 0); // ja load
  const ja = buf.pos;
  emitMovImm32(buf, false, dst, 0); // xor dst, dst
  buf.emit2(0xeb, 0); // jmp past the load
  const jmp = buf.pos;
  buf.bytes[ja - 1] = jmp - ja;
  const start = buf.off;
  if (signExt) emitLdsx(buf, size, dst, src, off);
  else emitLdx(buf, size, dst, src, off);
  buf.bytes[jmp - 1] = buf.pos - jmp;
  return { start, end: buf.off };
}
