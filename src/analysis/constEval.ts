// Constant folding of ALU instructions and jump conditions on 64-bit values (bigint,
// unsigned representation), with BPF semantics: 32-bit ops zero-extend, shifts mask the
// amount, division by zero yields 0 and modulo by zero keeps dst (the verifier's fixups
// make those the run-time results, so folding agrees with execution).
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ALU64, BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR, BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG,
  BPF_MOD, BPF_XOR, BPF_MOV, BPF_ARSH, BPF_END, BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET, BPF_JNE,
  BPF_JSGT, BPF_JSGE, BPF_JLT, BPF_JLE, BPF_JSLT, BPF_JSLE, insnClass, aluOp,
} from '../bpf/opcodes.ts';

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const u32 = (v: bigint): bigint => BigInt.asUintN(32, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);

/** Result of `dst op src` for ALU/ALU64 insn `ins`, or undefined when not folded. */
export function evalAlu(ins: Insn, dst: bigint, src: bigint): bigint | undefined {
  const is64 = insnClass(ins.code) === BPF_ALU64;
  const op = aluOp(ins.code);
  const signed = ins.off === 1;
  if (is64) {
    const a = u64(dst);
    const b = u64(src);
    switch (op) {
      case BPF_ADD: return u64(a + b);
      case BPF_SUB: return u64(a - b);
      case BPF_MUL: return u64(a * b);
      case BPF_DIV:
        if (b === 0n) return 0n;
        return signed ? u64(s64(a) / s64(b)) : a / b;
      case BPF_MOD:
        if (b === 0n) return a;
        return signed ? u64(s64(a) % s64(b)) : a % b;
      case BPF_OR: return a | b;
      case BPF_AND: return a & b;
      case BPF_XOR: return a ^ b;
      case BPF_LSH: return u64(a << (b & 63n));
      case BPF_RSH: return a >> (b & 63n);
      case BPF_ARSH: return u64(s64(a) >> (b & 63n));
      case BPF_NEG: return u64(-a);
      case BPF_MOV:
        if (ins.off === 8) return u64(BigInt.asIntN(8, b));
        if (ins.off === 16) return u64(BigInt.asIntN(16, b));
        if (ins.off === 32) return u64(s32(b));
        return b;
      case BPF_END: return undefined;
    }
    return undefined;
  }
  const a = u32(dst);
  const b = u32(src);
  switch (op) {
    case BPF_ADD: return u32(a + b);
    case BPF_SUB: return u32(a - b);
    case BPF_MUL: return u32(a * b);
    case BPF_DIV:
      if (b === 0n) return 0n;
      return signed ? u32(s32(a) / s32(b)) : a / b;
    case BPF_MOD:
      if (b === 0n) return a;
      return signed ? u32(s32(a) % s32(b)) : a % b;
    case BPF_OR: return a | b;
    case BPF_AND: return a & b;
    case BPF_XOR: return a ^ b;
    case BPF_LSH: return u32(a << (b & 31n));
    case BPF_RSH: return a >> (b & 31n);
    case BPF_ARSH: return u32(s32(a) >> (b & 31n));
    case BPF_NEG: return u32(-a);
    case BPF_MOV:
      if (ins.off === 8) return u32(BigInt.asIntN(8, b));
      if (ins.off === 16) return u32(BigInt.asIntN(16, b));
      return b;
  }
  return undefined;
}

/** Outcome of a conditional jump with known operands. */
export function evalCond(op: number, is32: boolean, x: bigint, y: bigint): boolean | undefined {
  const a = is32 ? u32(x) : u64(x);
  const b = is32 ? u32(y) : u64(y);
  const sa = is32 ? s32(a) : s64(a);
  const sb = is32 ? s32(b) : s64(b);
  switch (op) {
    case BPF_JEQ: return a === b;
    case BPF_JNE: return a !== b;
    case BPF_JGT: return a > b;
    case BPF_JGE: return a >= b;
    case BPF_JLT: return a < b;
    case BPF_JLE: return a <= b;
    case BPF_JSET: return (a & b) !== 0n;
    case BPF_JSGT: return sa > sb;
    case BPF_JSGE: return sa >= sb;
    case BPF_JSLT: return sa < sb;
    case BPF_JSLE: return sa <= sb;
  }
  return undefined;
}
