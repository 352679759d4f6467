// Transfer function of the abstract interpreter (absint.ts) for the store classes ST and
// STX (atomics included): stack spills, the narrow slots a constant map key is read from,
// and direct packet writes.
import { BPF_ST, BPF_STX, BPF_ATOMIC, BPF_CMPXCHG, insnClass, memMode, memSize, sizeBytes } from '../bpf/opcodes.ts';
import * as E from './errors.ts';
import { UNK, clobberSlots, type AbsState, type Successors, type Val } from './absintState.ts';
import { clobberCallerSlots } from './callerFrames.ts';
import { fitsSpill, linkScalar } from './linkedScalars.ts';
import { stackSpans } from './stackPtr.ts';
import type { AbsRun } from './absintRun.ts';

/** ST or STX at i in subprog `sub`. */
export function storeTransfer(run: AbsRun, sub: number, i: number, s: AbsState): Successors {
  const ins = run.insns[i]!;
  const cls = insnClass(ins.code);
  const R = s.regs;
  const base = R[ins.dst]!;
  const size = sizeBytes(memSize(ins.code));
  if (base.k === 'pkt') run.seenDirectWrite = true;
  if (base.k === 'ctx' && memMode(ins.code) === BPF_ATOMIC) run.fail(E.atomicIntoCtx(run.w, i, ins.dst));
  run.stackAccess(i, ins.dst, base, ins.off, size, ' write to');
  for (const sp of stackSpans(base) ?? []) {
    if (sp.owner === sub) clobberSlots(s, sp.lo + ins.off, sp.hi - sp.lo + size);
    else clobberCallerSlots(s, sp.owner, sp.lo + ins.off, sp.hi - sp.lo + size);
  }
  if (base.k === 'fp') {
    if (base.owner !== sub) clobberCallerSlots(s, base.owner, base.off + ins.off, size);
    if (base.owner === sub) {
      const at = base.off + ins.off;
      clobberSlots(s, at, size);
      if (size === 8 && (at & 7) === 0 && memMode(ins.code) !== BPF_ATOMIC) {
        // A spilled scalar keeps its link to the register (linkedScalars.ts).
        const v: Val = cls === BPF_ST ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : (R[ins.src] = linkScalar(s, R[ins.src]!, i));
        if (v.k !== 'unk') s.stack.set(at, v);
      }
      if (size < 8 && memMode(ins.code) !== BPF_ATOMIC) {
        const v: Val = cls === BPF_ST ? { k: 'const', v: BigInt.asUintN(64, BigInt(ins.imm)) } : R[ins.src]!;
        const nw = s.narrow ?? (s.narrow = new Map());
        // check_stack_write_fixed_off: an aligned narrow store of a scalar is a spill
        // of that size; an unaligned store of zero makes STACK_ZERO bytes.
        if ((at & 7) === 0 && v.k === 'const') nw.set(at, { size, v: BigInt.asUintN(size * 8, v.v), zero: false });
        else if ((at & 7) === 0 && cls === BPF_STX && fitsSpill(v, size)) nw.set(at, { size, v: 0n, zero: false, val: (R[ins.src] = linkScalar(s, v, i)) });
        else if ((at & 7) !== 0 && v.k === 'const' && v.v === 0n) for (let b = 0; b < size; b++) nw.set(at + b, { size: 1, v: 0n, zero: true });
      }
    }
  }
  if (cls === BPF_STX && memMode(ins.code) === BPF_ATOMIC && ins.imm & 1) {
    // Fetching atomics write the old value into src (cmpxchg: into r0).
    if (ins.imm === BPF_CMPXCHG) R[0] = UNK;
    else R[ins.src] = UNK;
  }
  return [[i + 1, s]];
}
