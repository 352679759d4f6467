// BPF_JMP | BPF_CALL: helpers, kfuncs and bpf-to-bpf calls. All three become
// `auipc t1, hi; jalr ra, lo(t1)` with a Reloc at the auipc: helpers and kfuncs live on
// the machine layer's trap pages, more than 1 MiB from the JIT text (so the kernel's
// `jal` shortcut for fixed addresses never applies), and bpf2bpf calls are always the
// fixed-size pair so the extra pass does not move code. After a helper or kfunc,
// `mv a5, a0` (R0 = a5); a bpf2bpf callee already returns R0 in a5.
import type { Insn } from '../../bpf/insn.ts';
import { insnIdx } from '../../common/ids.ts';
import { fail } from '../../common/diag.ts';
import { RV } from './encode.ts';
import { byteOff, region, RV_CTX_F_SEEN_CALL, type RvCtx } from './ctx.ts';
import { emit_addiw, emit_jump_and_link, emit_mv } from './emitBase.ts';
import { kfuncIntArgs } from '../kfuncModel.ts';
import { BPF_PSEUDO_CALL, BPF_PSEUDO_KFUNC_CALL } from '../../bpf/opcodes.ts';
import { afterCall, beforeCall } from './tcc.ts';
import type { CallKind } from '../types.ts';
import { bpfToRv } from './regs.ts';
import { emitSmpProcessorId } from './emitPerCpu.ts';
import { BPF_FUNC } from '../../bpf/helperIds.ts';

export function emitCall(ctx: RvCtx, insn: Insn, i: number): void {
  const absIdx = ctx.start + i;
  const kind: CallKind = insn.src === BPF_PSEUDO_CALL ? 'func' : insn.src === BPF_PSEUDO_KFUNC_CALL ? 'kfunc' : 'helper';
  // 6.10+: bpf_get_smp_processor_id is the JIT's own (bpf_jit_inlines_helper_call): no call.
  if (kind === 'helper' && insn.imm === BPF_FUNC.get_smp_processor_id) {
    region(ctx, 'inlined bpf_get_smp_processor_id', absIdx, () => emitSmpProcessorId(ctx, bpfToRv(0)));
    return;
  }
  ctx.flags.add(RV_CTX_F_SEEN_CALL); // mark_call
  region(ctx, kind === 'func' ? 'bpf2bpf call' : kind === 'kfunc' ? 'kfunc call' : 'helper call', absIdx, () => {
    // kfunc: the kernel's func model (from the kfunc's BTF prototype) sign-extends every
    // 4-byte argument in place (`sext.w aN, aN`, i.e. addiw aN, aN, 0), before the call.
    if (kind === 'kfunc') for (const r of kfuncIntArgs(insn.imm)) emit_addiw(ctx, bpfToRv(r), bpfToRv(r), 0);
    beforeCall(ctx, kind);
    const at = byteOff(ctx);
    emit_jump_and_link(ctx, RV.RA, 0, false);
    const insnI = insnIdx(absIdx);
    if (kind === 'helper') ctx.relocs.push({ kind: 'helperCall', at, helperId: insn.imm, insn: insnI });
    else if (kind === 'kfunc') ctx.relocs.push({ kind: 'kfuncCall', at, btfId: insn.imm, insn: insnI });
    else {
      const target = absIdx + insn.imm + 1;
      const func = ctx.image.subprogs.findIndex((s) => s.start === target);
      if (func < 0) fail('jit.riscv.bad-call-target', `call to insn ${target}, which starts no function`, { program: ctx.image.program.name, insn: insnI });
      ctx.relocs.push({ kind: 'funcCall', at, func, insn: insnI });
    }
    afterCall(ctx, kind);
    if (kind !== 'func') emit_mv(ctx, bpfToRv(0), RV.A0);
  });
}
