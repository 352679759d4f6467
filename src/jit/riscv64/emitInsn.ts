// bpf_jit_emit_insn: the one switch over BPF opcodes, by class in opcode order.
// Returns 1 when the next slot was consumed (LD_IMM64, or a redundant verifier zext).
import type { Insn } from '../../bpf/insn.ts';
import { fail } from '../../common/diag.ts';
import { insnIdx } from '../../common/ids.ts';
import type { RvCtx } from './ctx.ts';
import { emitAlu, insnIsZext } from './emitAlu.ts';
import { emitCondJump, emitExit, emitJa } from './emitJmp.ts';
import { emitAtomic, emitLdImm64, emitLdx, emitSt, emitStx } from './emitMem.ts';
import { emitCall } from './call.ts';
import { emit_bpf_tail_call } from './tailCall.ts';
import { RV } from './encode.ts';
import { BPF_ALU, BPF_ALU64, BPF_JMP, BPF_JMP32, BPF_LD, BPF_LDX, BPF_ST, BPF_STX } from '../../bpf/opcodes.ts';
import { BPF_ATOMIC, BPF_CALL, insnClass as BPF_CLASS, BPF_DW, BPF_EXIT, BPF_JA, BPF_JCOND, BPF_LOAD_ACQ, BPF_MEM, BPF_MEMSX } from '../../bpf/opcodes.ts';
import { memMode as BPF_MODE, BPF_NOSPEC, aluOp as BPF_OP, BPF_PROBE_MEM, BPF_PROBE_MEMSX, memSize as BPF_SIZE, BPF_TAIL_CALL } from '../../bpf/opcodes.ts';
import { REG_MAP } from './regs.ts';

/** bpf_to_rv_reg(): maps a BPF register and marks s1..s6 as seen (they must be saved). */
function bpfToRvReg(ctx: RvCtx, bpfReg: number, i: number): number {
  const row = REG_MAP[bpfReg];
  if (!row) fail('jit.riscv.bad-register', `invalid register r${bpfReg}`, { program: ctx.image.program.name, insn: insnIdx(ctx.start + i) });
  if (row.rv === RV.S1 || (row.rv >= RV.S2 && row.rv <= RV.S6)) ctx.flags.add(row.rv);
  return row.rv;
}

function unsupported(ctx: RvCtx, insn: Insn, i: number, why = ''): never {
  fail('jit.riscv.unsupported-insn', `riscv64 JIT: unsupported instruction code 0x${insn.code.toString(16).padStart(2, '0')}${why ? ` (${why})` : ''}`, {
    program: ctx.image.program.name,
    insn: insnIdx(ctx.start + i),
  });
}

export function bpf_jit_emit_insn(ctx: RvCtx, insns: readonly Insn[], i: number): number {
  const insn = insns[i]!;
  const code = insn.code;
  const cls = BPF_CLASS(code);
  // init_regs(): dst is mapped for everything but JA/CALL/EXIT/TAIL_CALL, src for
  // (nearly) every opcode - which only matters for the seen flags.
  const noDst = cls === BPF_JMP && [BPF_JA, BPF_CALL, BPF_EXIT, BPF_TAIL_CALL].includes(BPF_OP(code));
  const rd = noDst ? -1 : bpfToRvReg(ctx, insn.dst, i);
  const rs = code & 0x0f ? bpfToRvReg(ctx, insn.src, i) : -1;
  const next = insns[i + 1];

  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64:
      if (!emitAlu(ctx, insn, rd, rs)) unsupported(ctx, insn, i);
      return 0;
    case BPF_LD:
      if (code !== 0x18 || !next) unsupported(ctx, insn, i, 'LD_ABS/LD_IND must be rewritten by the verifier');
      emitLdImm64(ctx, insn, next, rd, ctx.start + i);
      return 1;
    case BPF_LDX: {
      const mode = BPF_MODE(code);
      if (mode !== BPF_MEM && mode !== BPF_MEMSX && mode !== BPF_PROBE_MEM && mode !== BPF_PROBE_MEMSX) {
        unsupported(ctx, insn, i, 'arena loads are not modelled');
      }
      emitLdx(ctx, insn, rd, rs, ctx.start + i);
      // The load already zero-extends: skip a following verifier zext.
      return BPF_SIZE(code) !== BPF_DW && insnIsZext(next) ? 1 : 0;
    }
    case BPF_ST:
      if (BPF_MODE(code) === BPF_NOSPEC) return 0; // speculation barrier: no code on RISC-V
      if (BPF_MODE(code) !== BPF_MEM) unsupported(ctx, insn, i);
      emitSt(ctx, insn, rd);
      return 0;
    case BPF_STX:
      if (BPF_MODE(code) === BPF_MEM) {
        emitStx(ctx, insn, rd, rs);
        return 0;
      }
      if (BPF_MODE(code) !== BPF_ATOMIC || !emitAtomic(ctx, insn, rd, rs)) unsupported(ctx, insn, i, 'atomic');
      return insn.imm === BPF_LOAD_ACQ && BPF_SIZE(code) !== BPF_DW && insnIsZext(next) ? 1 : 0;
    case BPF_JMP:
    case BPF_JMP32: {
      const op = BPF_OP(code);
      if (op === BPF_JA) emitJa(ctx, insn, i);
      else if (op === BPF_CALL && cls === BPF_JMP) emitCall(ctx, insn, i);
      else if (op === BPF_TAIL_CALL && cls === BPF_JMP) emit_bpf_tail_call(ctx, i);
      else if (op === BPF_EXIT && cls === BPF_JMP) emitExit(ctx, i);
      else if (op === BPF_JCOND || op === BPF_CALL || op === BPF_EXIT || op === BPF_TAIL_CALL) unsupported(ctx, insn, i);
      else emitCondJump(ctx, insn, i, rd, rs);
      return 0;
    }
  }
  unsupported(ctx, insn, i);
}
