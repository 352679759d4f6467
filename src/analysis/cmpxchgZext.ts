// opt_subreg_zext_lo32_rnd_hi32's one rule that holds for every JIT (kernel/bpf/verifier.c,
// 5.12+ through 6.18): a 32-bit BPF_CMPXCHG leaves R0 with only its low half defined, and
// when a later instruction reads that R0 as a 64-bit value (is_reg64: ALU64 and JMP operands,
// 64-bit stores, exits), the verifier inserts the zero-extension `w0 = w0` (BPF_ZEXT_REG,
// imm 1) after the cmpxchg even for JITs that need no zext otherwise, x86-64 among them
// (`mov eax, eax` in the 6.18 bytes of tcp_ca_write_sk_pacing.o).
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ALU,
  BPF_ALU64,
  ATOMIC_W,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_IND,
  BPF_JA,
  BPF_JMP,
  BPF_LD,
  BPF_LDX,
  BPF_MOV,
  BPF_ST,
  BPF_STX,
  BPF_X,
  LD_DW_IMM,
  aluOp,
  insnClass,
  jmpOp,
  memMode,
  memSize,
  srcBit,
} from '../bpf/opcodes.ts';
import { successors } from './cfg.ts';
import { raw } from './ctxInsns.ts';
import type { SubprogBase } from './subprogs.ts';

const R0 = 0;

const isCmpxchg32 = (ins: Insn): boolean => ins.code === ATOMIC_W && ins.imm === BPF_CMPXCHG;

/** BPF_ZEXT_REG(r): mov32 r, r with imm 1, which JITs recognise as a pure zero-extension. */
export const zextReg = (r: number): Insn => raw(BPF_ALU | BPF_MOV | BPF_X, r, r, 0, 1);

/** Does `ins` read R0 as a 64-bit value (is_reg64 for a scalar R0)? */
function reads64(ins: Insn): boolean {
  const cls = insnClass(ins.code);
  const x = srcBit(ins.code) === BPF_X;
  switch (cls) {
    case BPF_JMP: {
      const op = jmpOp(ins.code);
      if (op === BPF_EXIT) return true; // check_return_code (a static callee's caller reads it too)
      if (op === BPF_CALL || op === BPF_JA) return false;
      return ins.dst === R0 || (x && ins.src === R0);
    }
    case BPF_ALU64: {
      const op = aluOp(ins.code);
      if (op === BPF_END) return ins.dst === R0 && ins.imm === 64;
      if (op === BPF_MOV) return x && ins.src === R0;
      return ins.dst === R0 || (x && ins.src === R0);
    }
    case BPF_ALU:
      return aluOp(ins.code) === BPF_END && ins.imm === 64 && ins.dst === R0;
    case BPF_LDX:
      return ins.src === R0;
    case BPF_ST:
      return ins.dst === R0;
    case BPF_STX:
      if (ins.dst === R0) return true;
      if (memMode(ins.code) === BPF_ATOMIC && ins.imm === BPF_CMPXCHG && memSize(ins.code) === BPF_DW) return true;
      return ins.src === R0 && memSize(ins.code) === BPF_DW;
    case BPF_LD:
      return memMode(ins.code) === BPF_IND && ins.src === R0;
  }
  return false;
}

/** Does `ins` give R0 a new value? */
function writesR0(ins: Insn): boolean {
  if (ins.code === LD_DW_IMM) return ins.dst === R0;
  const cls = insnClass(ins.code);
  if (cls === BPF_ALU || cls === BPF_ALU64 || cls === BPF_LDX) return ins.dst === R0;
  if (cls === BPF_LD) return true;
  if (cls === BPF_JMP && jmpOp(ins.code) === BPF_CALL) return true;
  if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC) {
    if (ins.imm === BPF_CMPXCHG) return true;
    return (ins.imm & BPF_FETCH) !== 0 && ins.src === R0;
  }
  return false;
}

/**
 * Original indexes of the 32-bit cmpxchg insns whose R0 some reached path reads as 64 bits
 * before redefining it (the verifier's zext_dst marks).
 */
export function cmpxchgZextSites(insns: readonly Insn[], subprogs: readonly SubprogBase[], reached: (i: number) => boolean): Set<number> {
  const out = new Set<number>();
  for (const sp of subprogs) {
    for (let i = sp.start; i < sp.end; i++) {
      if (!reached(i) || !isCmpxchg32(insns[i]!)) continue;
      const seen = new Set<number>();
      const wl = successors(insns, i).filter((t) => t >= sp.start && t < sp.end && reached(t));
      while (wl.length && !out.has(i)) {
        const k = wl.pop()!;
        if (seen.has(k)) continue;
        seen.add(k);
        const ins = insns[k]!;
        if (reads64(ins)) out.add(i);
        else if (!writesR0(ins)) wl.push(...successors(insns, k).filter((t) => t >= sp.start && t < sp.end && reached(t)));
      }
    }
  }
  return out;
}
