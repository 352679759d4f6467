// BPF_JMP|BPF_CALL: helpers, kfuncs and bpf2bpf calls all become `call rel32`; what
// surrounds it depends on the era's tail-call-counter scheme and the private stack.
import type { InsnIdx, NativeOff } from '../../common/ids.ts';
import type { Insn } from '../../bpf/insn.ts';
import type { CallKind } from '../types.ts';
import { emitRel32 } from './emitJump.ts';
import { roundUp8, tccPtrOff } from './frameLayout.ts';
import { type EmitCtx, reloc, region } from './jitContext.ts';
import { emitPopR9, emitPushR9 } from './privStack.ts';
import { BPF_PSEUDO_CALL } from '../../bpf/opcodes.ts';

/**
 * [TCC hand-over] [push r9] call rel32 [pop r9].
 * - E2/E3 (6.12+): a bpf2bpf call from a tail-call-reachable function first loads tcc_ptr
 *   into rax (`mov rax, [rbp - rsd - 16]`), so the callee shares the one counter.
 * - E1 (5.10-6.11): *every* call from such a function (helpers too) loads the counter
 *   qword (`mov rax, [rbp - rsd - 8]`); the callee pushes a copy (the hierarchy bug).
 * - 6.13+ private stack: r9 is caller-saved in SysV, so it is pushed/popped around calls.
 */
export function emitCall(ctx: EmitCtx, insn: Insn, kind: CallKind, id: number, insnIdx: InsnIdx): void {
  const { buf, plan } = ctx;
  const start = buf.off;
  const isPseudo = insn.src === BPF_PSEUDO_CALL;
  if (plan.tcr && (plan.byValue || isPseudo)) {
    buf.emit3(0x48, 0x8b, 0x85); // mov rax, qword [rbp + disp32]
    buf.imm32(plan.byValue ? -roundUp8(plan.stackDepth) - 8 : tccPtrOff(plan));
  }
  if (plan.privFramePtr !== null) emitPushR9(buf); // push r9
  emitRel32(buf, 0xe8, 0); // call rel32 (filled by linkImage)
  const at = (buf.off - 4) as NativeOff;
  if (ctx.writing) {
    // Only the writing pass records relocs (and allocates): sizing passes stay garbage-free.
    if (kind === 'helper') reloc(ctx, { kind: 'helperCall', at, helperId: id, insn: insnIdx });
    else if (kind === 'kfunc') reloc(ctx, { kind: 'kfuncCall', at, btfId: id, insn: insnIdx });
    else reloc(ctx, { kind: 'funcCall', at, func: id, insn: insnIdx });
  }
  if (plan.privFramePtr !== null) emitPopR9(buf); // pop r9
  if (ctx.writing) region(ctx, start, kind === 'func' ? 'bpf2bpf call' : kind === 'kfunc' ? 'kfunc call' : 'helper call', insnIdx);
}
