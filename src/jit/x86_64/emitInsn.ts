// The one opcode switch: one BPF instruction -> x86-64 bytes (the body of do_jit's loop),
// dispatching by class in the order of src/bpf/opcodes.ts to insnAlu.ts, insnLoad.ts,
// insnStore.ts and insnJump.ts. Returns how many instruction slots it consumed (2 for
// LD_IMM64), or a Diag-worthy message for an instruction the x86-64 JIT cannot take (the
// kernel's -EINVAL/-EFAULT).
import type { Insn } from '../../bpf/insn.ts';
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_ST, BPF_STX, insnClass as BPF_CLASS } from '../../bpf/opcodes.ts';
import { BPF_REG_FP } from '../../bpf/registers.ts';
import { emitAluInsn } from './insnAlu.ts';
import { emitJmpInsn } from './insnJump.ts';
import { emitLdInsn, emitLdxInsn } from './insnLoad.ts';
import { emitStInsn, emitStxInsn } from './insnStore.ts';
import type { EmitCtx } from './jitContext.ts';
import type { InsnState } from './insnState.ts';
import { REG_R9 } from './regs.ts';

/** Emits local insn k; returns slots consumed, or an error message. */
export function emitInsn(ctx: EmitCtx, st: InsnState, k: number, insn: Insn, next: Insn | undefined): number | string {
  let dst = insn.dst;
  let src = insn.src;
  if (ctx.plan.privFramePtr !== null) {
    // 6.13+: BPF R10 lives in r9 when this function has a private stack.
    if (src === BPF_REG_FP) src = REG_R9;
    if (dst === BPF_REG_FP) dst = REG_R9;
  }
  switch (BPF_CLASS(insn.code)) {
    case BPF_ALU:
    case BPF_ALU64:
      return emitAluInsn(ctx, insn, dst, src);
    case BPF_LD:
      return emitLdInsn(ctx, st, k, insn, next, dst);
    case BPF_LDX:
      return emitLdxInsn(ctx, insn, dst, src);
    case BPF_ST:
      return emitStInsn(ctx, insn, dst);
    case BPF_STX:
      return emitStxInsn(ctx, insn, dst, src);
    case BPF_JMP:
    case BPF_JMP32:
      return emitJmpInsn(ctx, st, k, insn, dst, src);
  }
  return `unknown opcode 0x${insn.code.toString(16)}`;
}
