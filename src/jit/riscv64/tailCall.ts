// emit_bpf_tail_call (v6.16), a0 = ctx, a1 = &array, a2 = index:
//   slli a2, a2, 32; srli a2, a2, 32      index is u32 (no Zba add.uw)
//   lwu  t1, max_entries(a1); bgeu a2, t1, out
//   <counter: tcc.ts - a6 = TCC - 1; blt a6, zero, out>
//   slli t2, a2, 3; add t2, t2, a1; ld t2, ptrs(t2); beq t2, zero, out
//   ld t3, bpf_func(t2); <epilogue body>; jalr zero, 12(t3)
// out: the next BPF insn. RISC-V has no direct tail calls and no text poking: a prog_array
// update is only a store into ptrs[index]. Branches aim at the end of this insn's code as
// sized by the previous pass (tc_ninsn), as the kernel does.
import { insnIdx } from '../../common/ids.ts';
import { RV } from './encode.ts';
import * as E from './encode.ts';
import { emit, ninsns, ninsnsRvoff, region, type RvCtx } from './ctx.ts';
import { BPF_JEQ, BPF_JGE } from '../../bpf/opcodes.ts';
import { emit_branch, emit_ld, emit_sh3add, emit_zextw } from './emitBase.ts';
import { __build_epilogue } from './epilogue.ts';
import { emitTailCallCounter } from './tcc.ts';
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF, BPF_PROG_BPF_FUNC_OFF } from '../../common/kernelStructs.ts';
import { fail } from '../../common/diag.ts';

/** is_12b_check: the three struct offsets are encoded as 12-bit immediates. */
function check12(off: number, what: string, insn: number): void {
  if (!E.is_12b_int(off)) fail('jit.riscv.offset-range', `${what} offset ${off} does not fit a 12-bit immediate`, { insn: insnIdx(insn) });
}

export function emit_bpf_tail_call(ctx: RvCtx, i: number): void {
  const absIdx = ctx.start + i;
  region(ctx, 'tail call', absIdx, () => {
    const startInsn = ninsns(ctx);
    const tcNinsn = i ? ctx.offset[i]! - ctx.offset[i - 1]! : ctx.offset[0]! - ctx.prologueLen;
    const outOff = (): number => ninsnsRvoff(tcNinsn - (ninsns(ctx) - startInsn));

    emit_zextw(ctx, RV.A2, RV.A2);
    check12(BPF_ARRAY_MAX_ENTRIES_OFF, 'bpf_array.map.max_entries', absIdx);
    emit(ctx, E.rv_lwu(RV.T1, BPF_ARRAY_MAX_ENTRIES_OFF, RV.A1));
    emit_branch(ctx, BPF_JGE, RV.A2, RV.T1, outOff());

    emitTailCallCounter(ctx, outOff);

    emit_sh3add(ctx, RV.T2, RV.A2, RV.A1);
    check12(BPF_ARRAY_PTRS_OFF, 'bpf_array.ptrs', absIdx);
    emit_ld(ctx, RV.T2, BPF_ARRAY_PTRS_OFF, RV.T2);
    emit_branch(ctx, BPF_JEQ, RV.T2, RV.ZERO, outOff());

    check12(BPF_PROG_BPF_FUNC_OFF, 'bpf_prog.bpf_func', absIdx);
    emit_ld(ctx, RV.T3, BPF_PROG_BPF_FUNC_OFF, RV.T2);
    __build_epilogue(ctx, true);
  });
}
