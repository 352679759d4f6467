// Transfer function of the abstract interpreter (absint.ts) for the JMP and JMP32 classes
// other than calls (absintCall.ts): exits, gotos, may_goto, and conditional jumps, which
// follow only the branch the verifier would take when it knows the outcome and refine
// each side's scalars (reg_set_min_max).
import { BPF_JMP, BPF_JMP32, BPF_K, BPF_JA, BPF_EXIT, BPF_JEQ, BPF_JNE, insnClass, jmpOp, srcBit, branchTarget, JCOND, isCondJump } from '../bpf/opcodes.ts';
import { evalCond } from './constEval.ts';
import { isScalar, scalarBranch, scalarRefine } from './scalarVals.ts';
import { scalarId, syncLinked } from './linkedScalars.ts';
import { pktEndCompare } from './pktEnd.ts';
import { cloneState, type AbsState, type Successors, type Val } from './absintState.ts';
import type { AbsRun } from './absintRun.ts';

/** A JMP or JMP32 insn other than a call at i in subprog `sub`. */
export function jmpTransfer(run: AbsRun, sub: number, i: number, s: AbsState): Successors {
  const ins = run.insns[i]!;
  const R = s.regs;
  const cls = insnClass(ins.code);
  const op = jmpOp(ins.code);
  if (op === BPF_EXIT) {
    run.exitReached(sub, R[0]!);
    return [];
  }
  if (ins.code === JCOND)
    return [
      [i + 1, s],
      [branchTarget(i, ins), cloneState(s)],
    ];
  if (op === BPF_JA) return [[branchTarget(i, ins), s]];
  if (!isCondJump(ins.code)) return [[i + 1, s]];
  const a = R[ins.dst]!;
  const b: Val = srcBit(ins.code) === BPF_K ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : R[ins.src]!;
  const is32 = cls === BPF_JMP32;
  const taken = isScalar(a) && isScalar(b) ? scalarBranch(op, is32, a, b) : branchKnown(op, is32, a, b);
  const tgt = branchTarget(i, ins);
  const pk = cls === BPF_JMP && srcBit(ins.code) !== BPF_K ? pktEndCompare(op, ins.dst, ins.src, a, b) : undefined;
  if (pk?.taken === true) return [[tgt, s]];
  if (pk?.taken === false) return [[i + 1, s]];
  if (pk?.mark) {
    const t = cloneState(s);
    for (const [st, m] of [
      [s, pk.mark.fall],
      [t, pk.mark.taken],
    ] as const)
      if (m) st.regs[pk.mark.reg] = { k: 'pkt', end: m };
    return [
      [i + 1, s],
      [tgt, t],
    ];
  }
  if (taken === true) return [[tgt, s]];
  if (taken === false) return [[i + 1, s]];
  const t = cloneState(s);
  if (isScalar(a) && isScalar(b)) {
    // reg_set_min_max: each side learns the compare's outcome (a path may turn out impossible).
    const out: Successors = [];
    for (const [st, tk, at] of [
      [s, false, i + 1],
      [t, true, tgt],
    ] as const) {
      const r = scalarRefine(op, is32, tk, a, b);
      if (r === null) continue;
      if (r) {
        st.regs[ins.dst] = syncLinked(st, scalarId(a), r[0]);
        if (srcBit(ins.code) !== BPF_K) st.regs[ins.src] = syncLinked(st, scalarId(b), r[1]);
      }
      out.push([at, st]);
    }
    return out;
  }
  // Refine on equality with a constant (64-bit compares only), as reg_set_min_max does.
  if (cls === BPF_JMP && b.k === 'const' && a.k === 'unk') {
    if (op === BPF_JEQ) t.regs[ins.dst] = b;
    if (op === BPF_JNE) s.regs[ins.dst] = b;
  }
  return [
    [i + 1, s],
    [tgt, t],
  ];
}

/** is_branch_taken for the cases bpfdbg tracks: two constants, or a non-null pointer vs 0. */
function branchKnown(op: number, is32: boolean, a: Val, b: Val): boolean | undefined {
  if (a.k === 'const' && b.k === 'const') return evalCond(op, is32, a.v, b.v);
  const isPtr = (v: Val): boolean => v.k === 'fp' || v.k === 'map' || v.k === 'mapval' || v.k === 'ctx' || v.k === 'func';
  if (!is32 && isPtr(a) && b.k === 'const' && b.v === 0n) {
    if (op === BPF_JEQ) return false;
    if (op === BPF_JNE) return true;
  }
  return undefined;
}
