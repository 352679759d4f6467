// do_jit's BPF_ALU and BPF_ALU64 cases: one ALU instruction -> x86-64 bytes.
import type { Insn } from '../../bpf/insn.ts';
import type { NativeOff } from '../../common/ids.ts';
import { BPF_ALU64, BPF_ADD, BPF_ADDR_PERCPU, BPF_ADDR_SPACE_CAST, BPF_AND, BPF_ARSH, BPF_DIV, BPF_END, BPF_LSH, BPF_MOD, BPF_MOV } from '../../bpf/opcodes.ts';
import { BPF_MUL, BPF_NEG, BPF_OR, BPF_RSH, BPF_SUB, BPF_X, BPF_XOR, aluOp as BPF_OP, insnClass as BPF_CLASS } from '../../bpf/opcodes.ts';
import { emitAluImm, emitAluReg, emitBswap, emitDivMod, emitMulImm, emitMulReg, emitNeg, emitShiftImm, emitShiftReg, emitShiftx, emitToLe } from './emitAlu.ts';
import { emitMovImm32, emitMovReg, emitMovsxReg } from './emitMov.ts';
import { type EmitCtx, reloc } from './jitContext.ts';
import { add1mod, add2reg } from './regs.ts';

/** An ALU or ALU64 insn with (possibly remapped) dst and src; returns slots consumed or an error. */
export function emitAluInsn(ctx: EmitCtx, insn: Insn, dst: number, src: number): number | string {
  const buf = ctx.buf;
  const code = insn.code;
  const imm = insn.imm;
  const is64 = BPF_CLASS(code) === BPF_ALU64;
  const op = BPF_OP(code);
  const isX = (code & BPF_X) !== 0;
  switch (op) {
    case BPF_ADD:
    case BPF_SUB:
    case BPF_OR:
    case BPF_AND:
    case BPF_XOR:
      if (isX) emitAluReg(buf, op, is64, dst, src);
      else emitAluImm(buf, op, is64, dst, imm);
      return 1;
    case BPF_MOV:
      return emitMovInsn(ctx, insn, is64, isX, dst, src);
    case BPF_NEG:
      emitNeg(buf, is64, dst);
      return 1;
    case BPF_MUL:
      if (isX) emitMulReg(buf, is64, dst, src);
      else emitMulImm(buf, is64, dst, imm);
      return 1;
    case BPF_DIV:
    case BPF_MOD:
      emitDivMod(buf, op, is64, insn.off === 1, dst, isX ? src : null, imm);
      return 1;
    case BPF_LSH:
    case BPF_RSH:
    case BPF_ARSH:
      if (!isX) emitShiftImm(buf, op, is64, dst, imm);
      else if (ctx.plan.bmi2 && src !== 4) emitShiftx(buf, op, is64, dst, src);
      else emitShiftReg(buf, op, is64, dst, src);
      return 1;
    case BPF_END:
      if (is64 ? !isX : isX)
        emitBswap(buf, dst, imm); // ALU|END|TO_BE, ALU64|END (bswap)
      else if (!is64) emitToLe(buf, dst, imm);
      else return 'unknown opcode 0xdf';
      return 1;
  }
  return `unknown opcode 0x${code.toString(16)}`;
}

/** BPF_MOV: immediate, register, sign-extending, and the verifier's internal MOV forms (insn.off). */
function emitMovInsn(ctx: EmitCtx, insn: Insn, is64: boolean, isX: boolean, dst: number, src: number): number | string {
  const buf = ctx.buf;
  if (!isX) {
    emitMovImm32(buf, is64, dst, insn.imm);
    return 1;
  }
  if (is64 && insn.off === BPF_ADDR_SPACE_CAST) return 'arena address-space casts are not supported';
  if (is64 && insn.off === BPF_ADDR_PERCPU) {
    // BPF_MOV64_PERCPU_REG (inlined per-CPU helpers): dst = src + this CPU's offset.
    // Encoded as the kernel does: REX.B (add_1mod) although dst sits in ModRM.reg, so
    // only rax..rdi encode correctly; the verifier only ever emits it with R0.
    emitMovReg(buf, true, dst, src);
    buf.emit2(0x65, add1mod(0x48, dst)); // gs REX.W
    buf.emit3(0x03, add2reg(0x04, 0, dst), 0x25); // add dst, [disp32]
    buf.imm32(Number(BigInt.asUintN(32, ctx.plan.thisCpuOff)) | 0);
    if (ctx.writing) reloc(ctx, { kind: 'perCpu', at: (buf.off - 4) as NativeOff, width: 4 });
    return 1;
  }
  if (insn.off === 0) emitMovReg(buf, is64, dst, src);
  else emitMovsxReg(buf, insn.off, is64, dst, src);
  return 1;
}
