// The epilogue (first BPF_EXIT in program order; later exits jump to it) and emit_return.
import type { NativeOff } from '../../common/ids.ts';
import type { CodeBuf } from './codeBuf.ts';
import { emitRel32 } from './emitJump.ts';
import { savedCalleeRegs } from './frameLayout.ts';
import { type EmitCtx, reloc } from './jitContext.ts';

/** pop r15 / r14 / r13 / rbx: the reverse of emitPushCalleeRegs, same set. */
export function emitPopCalleeRegs(buf: CodeBuf, used: readonly boolean[]): void {
  if (used[3]) buf.emit2(0x41, 0x5f); // pop r15
  if (used[2]) buf.emit2(0x41, 0x5e); // pop r14
  if (used[1]) buf.emit2(0x41, 0x5d); // pop r13
  if (used[0]) buf.emit1(0x5b); // pop rbx
}

/**
 * `ret`, or with return-thunk mitigations (X86_FEATURE_RETHUNK) `jmp __x86_return_thunk`;
 * the rel32 is an address reloc filled by linkImage.
 */
export function emitReturn(ctx: EmitCtx): void {
  const buf = ctx.buf;
  if (ctx.plan.retThunk) {
    emitRel32(buf, 0xe9, 0); // jmp __x86_return_thunk
    if (ctx.writing) reloc(ctx, { kind: 'retThunk', at: (buf.off - 4) as NativeOff });
  } else buf.emit1(0xc3); // ret
}

/** Callee-saved pops, `leave` (drops the BPF stack and the TCC slots), return. */
export function emitEpilogue(ctx: EmitCtx): void {
  emitPopCalleeRegs(ctx.buf, savedCalleeRegs(ctx.plan));
  if (ctx.plan.exceptionBoundary) ctx.buf.emit2(0x41, 0x5c); // pop r12
  ctx.buf.emit1(0xc9); // leave
  emitReturn(ctx);
}
