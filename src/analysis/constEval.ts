// Constant folding of ALU instructions and jump conditions on 64-bit values (bigint,
// unsigned representation). It calls the interpreter's semantics (src/bpf/semantics.ts),
// so the verifier-side folding and execution can never disagree: 32-bit ops zero-extend,
// shifts mask the amount, division by zero yields 0 and modulo by zero keeps dst (the
// verifier's fixups make those the run-time results).
import type { Insn } from '../bpf/insn.ts';
import { BPF_ALU64, BPF_END, insnClass, aluOp } from '../bpf/opcodes.ts';
import { alu32, alu64, jmpTaken } from '../bpf/semantics.ts';

/** Result of `dst op src` for ALU/ALU64 insn `ins`, or undefined when not folded. */
export function evalAlu(ins: Insn, dst: bigint, src: bigint): bigint | undefined {
  const op = aluOp(ins.code);
  if (op === BPF_END) return undefined;
  const u64 = (v: bigint) => BigInt.asUintN(64, v);
  return insnClass(ins.code) === BPF_ALU64 ? alu64(op, ins.off, u64(dst), u64(src)) : alu32(op, ins.off, dst, src);
}

/** Outcome of a conditional jump with known operands. */
export function evalCond(op: number, is32: boolean, x: bigint, y: bigint): boolean | undefined {
  return jmpTaken(op, is32, BigInt.asUintN(64, x), BigInt.asUintN(64, y));
}
