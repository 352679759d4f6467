// do_jit's BPF_ST and BPF_STX cases: stores of an immediate or a register, the
// speculation barrier, load-acquire/store-release and the atomics.
import type { Insn } from '../../bpf/insn.ts';
import {
  BPF_AND,
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_FETCH,
  BPF_LOAD_ACQ,
  BPF_MEM,
  BPF_NOSPEC,
  BPF_OR,
  BPF_ST,
  BPF_STORE_REL,
  BPF_W,
  BPF_XOR,
  memMode as BPF_MODE,
  memSize as BPF_SIZE,
} from '../../bpf/opcodes.ts';
import { maybeEmitMod, simpleAluOpcode } from './emitAlu.ts';
import { emitAtomic, emitLdx, emitSt, emitStx } from './emitMem.ts';
import { emitMovReg } from './emitMov.ts';
import type { EmitCtx } from './jitContext.ts';
import { REG_AUX, REG_AX, add2reg } from './regs.ts';

/** BPF_ST with (possibly remapped) dst. */
export function emitStInsn(ctx: EmitCtx, insn: Insn, dst: number): number | string {
  const code = insn.code;
  if (code === (BPF_ST | BPF_NOSPEC)) {
    ctx.buf.emit3(0x0f, 0xae, 0xe8); // lfence (BPF_ST|BPF_NOSPEC)
    return 1;
  }
  if (BPF_MODE(code) !== BPF_MEM) return `unsupported store opcode 0x${code.toString(16)}`;
  emitSt(ctx.buf, BPF_SIZE(code), dst, insn.off, insn.imm);
  return 1;
}

/** BPF_STX with (possibly remapped) dst and src. */
export function emitStxInsn(ctx: EmitCtx, insn: Insn, dst: number, src: number): number | string {
  const buf = ctx.buf;
  const { code, imm } = insn;
  const mode = BPF_MODE(code);
  const size = BPF_SIZE(code);
  if (mode === BPF_MEM) {
    emitStx(buf, size, dst, src, insn.off);
    return 1;
  }
  if (mode !== BPF_ATOMIC) return `unsupported store opcode 0x${code.toString(16)}`;
  if (imm === BPF_LOAD_ACQ)
    emitLdx(buf, size, dst, src, insn.off); // x86 is TSO: plain mov
  else if (imm === BPF_STORE_REL) emitStx(buf, size, dst, src, insn.off);
  else if (size !== BPF_W && size !== BPF_DW) return '1- and 2-byte RMW atomics are not supported';
  else if (imm === (BPF_AND | BPF_FETCH) || imm === (BPF_OR | BPF_FETCH) || imm === (BPF_XOR | BPF_FETCH)) {
    emitFetchLoop(ctx, insn, dst, src, size);
  } else if (!emitAtomic(buf, imm, dst, src, insn.off, size)) return `unknown atomic opcode 0x${imm.toString(16)}`;
  return 1;
}

/** AND/OR/XOR | FETCH: no single x86 instruction, so a lock cmpxchg loop through rax. */
function emitFetchLoop(ctx: EmitCtx, insn: Insn, dst: number, src: number, size: number): void {
  const buf = ctx.buf;
  const is64 = size === BPF_DW;
  emitMovReg(buf, true, REG_AX, 0); // mov r10, rax (cmpxchg needs rax)
  const realSrc = src === 0 ? REG_AX : src;
  const realDst = dst === 0 ? REG_AX : dst;
  const loop = buf.off;
  emitLdx(buf, size, 0, realDst, insn.off); // mov rax, [dst+off]
  emitMovReg(buf, is64, REG_AUX, 0); // mov r11, rax
  maybeEmitMod(buf, REG_AUX, realSrc, is64);
  buf.emit2(simpleAluOpcode(insn.imm & 0xf0), add2reg(0xc0, REG_AUX, realSrc)); // op r11, src
  emitAtomic(buf, BPF_CMPXCHG, realDst, REG_AUX, insn.off, size); // lock cmpxchg [dst+off], r11
  buf.emit2(0x75, (-(buf.off - loop) - 2) & 0xff); // jne loop
  emitMovReg(buf, is64, realSrc, 0); // mov src, rax (old value)
  emitMovReg(buf, true, 0, REG_AX); // mov rax, r10
}
