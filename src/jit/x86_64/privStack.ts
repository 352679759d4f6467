// 6.13+ per-CPU private stack (emit_priv_frame_ptr, push_r9/pop_r9). A function whose
// verifier stack is at least 64 bytes (round_up(sd,16) >= BPF_PRIV_STACK_MIN_SIZE) in an
// eligible program keeps its BPF frame in a per-CPU block instead of the kernel stack:
// r9 replaces rbp as BPF R10, loaded absolutely in the prologue, saved around calls.
import type { NativeOff } from '../../common/ids.ts';
import type { CodeBuf } from './codeBuf.ts';
import { emitMovImm64 } from './emitMov.ts';
import { type EmitCtx, reloc } from './jitContext.ts';
import { REG_R9 } from './regs.ts';

/**
 * mov r9, priv_frame_ptr (shortest form of the 64-bit immediate), then on SMP
 * `add r9, gs:[this_cpu_off]` turning the per-CPU offset into this CPU's address.
 */
export function emitPrivFramePtr(ctx: EmitCtx, framePtr: bigint, thisCpuOff: bigint): void {
  const buf = ctx.buf;
  const w = emitMovImm64(buf, REG_R9, framePtr);
  if (w && ctx.writing) reloc(ctx, { kind: 'perCpu', at: (buf.off - w) as NativeOff, width: w });
  buf.emit2(0x65, 0x4c); // gs REX.WR
  buf.emit3(0x03, 0x0c, 0x25); // add r9, [disp32] (SIB, no base)
  buf.imm32(Number(BigInt.asUintN(32, thisCpuOff)) | 0);
  if (ctx.writing) reloc(ctx, { kind: 'perCpu', at: (buf.off - 4) as NativeOff, width: 4 });
}

/** push r9 (before every call from a private-stack function: r9 is caller-saved in SysV) */
export function emitPushR9(buf: CodeBuf): void {
  buf.emit2(0x41, 0x51); // push r9
}

/** pop r9 */
export function emitPopR9(buf: CodeBuf): void {
  buf.emit2(0x41, 0x59); // pop r9
}
