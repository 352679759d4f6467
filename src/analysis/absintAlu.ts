// Transfer function of the abstract interpreter (absint.ts) for the ALU and ALU64 classes:
// pointer arithmetic on frame, map-value, BTF and packet pointers, scalar ranges
// (scalarVals.ts) and constant folding.
import type { Insn } from '../bpf/insn.ts';
import { BPF_ALU64, BPF_K, BPF_MOV, BPF_ADD, BPF_SUB, BPF_DIV, BPF_MOD, BPF_NEG, insnClass, aluOp, srcBit } from '../bpf/opcodes.ts';
import { evalAlu } from './constEval.ts';
import { scalarAlu } from './scalarVals.ts';
import { linkScalar } from './linkedScalars.ts';
import { moveStackPtr, moveStackSet } from './stackPtr.ts';
import { UNK, type AbsState, type Successors, type Val } from './absintState.ts';

/** ALU or ALU64 insn `ins` at i. */
export function aluTransfer(ins: Insn, i: number, s: AbsState): Successors {
  const R = s.regs;
  // A 64-bit register copy links the two scalars (assign_scalar_id_before_mov, linkedScalars.ts).
  if (insnClass(ins.code) === BPF_ALU64 && aluOp(ins.code) === BPF_MOV && srcBit(ins.code) !== BPF_K && ins.off === 0)
    R[ins.src] = linkScalar(s, R[ins.src]!, i);
  R[ins.dst] = aluVal(ins, R[ins.dst]!, srcBit(ins.code) === BPF_K ? undefined : R[ins.src]!);
  return [[i + 1, s]];
}

const cst = (v: bigint | undefined): Val => (v === undefined ? UNK : { k: 'const', v });

/** The value `ins` leaves in dst, given dst's value and src's (undefined: the immediate). */
function aluVal(ins: Insn, dst: Val, src: Val | undefined): Val {
  const is64 = insnClass(ins.code) === BPF_ALU64;
  const op = aluOp(ins.code);
  const srcVal: Val = src ?? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) };
  if (op === BPF_MOV) {
    if (src === undefined) return { k: 'const', v: is64 ? BigInt.asUintN(64, BigInt(ins.imm)) : BigInt(ins.imm >>> 0) };
    if (is64 && ins.off === 0) return src;
    return scalarAlu(ins, dst, src) ?? UNK;
  }
  if (is64 && (op === BPF_ADD || op === BPF_SUB) && srcVal.k === 'const') {
    const delta = Number(BigInt.asIntN(64, srcVal.v)) * (op === BPF_SUB ? -1 : 1);
    if (dst.k === 'fp') return { k: 'fp', owner: dst.owner, off: dst.off + delta };
    if (dst.k === 'mapval') return { k: 'mapval', idx: dst.idx, off: dst.off + delta };
    if (dst.k === 'fpset') return moveStackSet(dst, delta)!;
    if (dst.k === 'btf') return delta === 0 ? dst : { k: 'btf', trusted: dst.trusted, ...(dst.walk ? { walk: true } : {}) };
  }
  if (is64 && (op === BPF_ADD || op === BPF_SUB) && dst.k === 'pkt') return { k: 'pkt' };
  const sp = is64 ? moveStackPtr(op, dst, srcVal) : undefined;
  if (sp) return sp;
  if (is64 && op === BPF_ADD && srcVal.k === 'pkt' && dst.k !== 'fp' && dst.k !== 'ctx') return { k: 'pkt' };
  const sc = scalarAlu(ins, dst, srcVal);
  if (sc) return sc;
  // The verifier (through 6.18) does not compute div/mod results: they become unknown
  // scalars, so folding them would resolve branches the kernel keeps.
  if (op === BPF_DIV || op === BPF_MOD) return UNK;
  if (dst.k === 'const' && srcVal.k === 'const') return cst(evalAlu(ins, dst.v, srcVal.v));
  if (dst.k === 'const' && op === BPF_NEG) return cst(evalAlu(ins, dst.v, 0n));
  return UNK;
}
