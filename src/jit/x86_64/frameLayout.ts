// Per-function JIT plan (what do_jit derives before its loop) and the frame description the
// debugger uses to unwind. Offsets are from rbp after `push rbp; mov rbp, rsp`.
import type { Insn } from '../../bpf/insn.ts';
import { PRIV_STACK_GUARD_SZ, PRIV_STACK_GUARD_VAL } from '../../common/kernelStructs.ts';
import type { FrameLayout, JitProfile } from '../types.ts';

export interface FuncPlan {
  func: number;
  name: string;
  /** bpf_is_subprog(): not the entry function. */
  isSubprog: boolean;
  /** aux->stack_depth as the verifier recorded it. */
  verifierDepth: number;
  /** Depth used for the kernel frame: 0 with a private stack (do_jit sets stack_depth = 0). */
  stackDepth: number;
  /** aux->tail_call_reachable */
  tcr: boolean;
  /** detect_reg_usage(): R6..R9 referenced anywhere in the function. */
  calleeRegs: [boolean, boolean, boolean, boolean];
  /**
   * aux->exception_boundary (6.7+, the entry of a program calling bpf_throw): saves r12 and
   * all four callee-saved registers, whatever it uses, for the exception callback to restore.
   */
  exceptionBoundary: boolean;
  /** aux->exception_cb: the prologue adopts the boundary's frame instead of making one. */
  exceptionCb: boolean;
  /** Per-CPU private frame pointer (offset form), or null on the kernel stack. */
  privFramePtr: bigint | null;
  thisCpuOff: bigint;
  byValue: boolean;
  retThunk: boolean;
  indirectThunk: boolean;
  /** How a non-thunk indirect jump is emitted (JitProfile.indirectPlain). */
  indirectPlain: 'jmp' | 'jmp-int3' | 'lfence-jmp';
  bmi2: boolean;
  /** Largest forward rel8 displacement (6.13+: 123, earlier: 127). */
  shortJumpMax: number;
  /** X86_TAIL_CALL_OFFSET: bytes a tail call skips (E1: 11, E2/E3: 12; no IBT). */
  tailCallOffset: number;
}

/** The callee-saved registers the prologue pushes: all four on an exception boundary. */
export const savedCalleeRegs = (p: FuncPlan): readonly boolean[] => (p.exceptionBoundary ? ALL_CALLEE_REGS : p.calleeRegs);
const ALL_CALLEE_REGS: readonly boolean[] = [true, true, true, true];

export const roundUp8 = (n: number): number => (n + 7) & ~7;

/** Kernel detect_reg_usage(): a plain dst/src field scan (incl. both LD_IMM64 halves). */
export function detectRegUsage(insns: readonly Insn[], start: number, end: number): [boolean, boolean, boolean, boolean] {
  const used: [boolean, boolean, boolean, boolean] = [false, false, false, false];
  for (let i = start; i < end; i++) {
    const { dst, src } = insns[i]!;
    if (dst === 6 || src === 6) used[0] = true;
    if (dst === 7 || src === 7) used[1] = true;
    if (dst === 8 || src === 8) used[2] = true;
    if (dst === 9 || src === 9) used[3] = true;
  }
  return used;
}

export function tailCallOffsetOf(profile: JitProfile): number {
  // E1: nop5 + nop2/xor eax,eax + push rbp + mov rbp,rsp = 11; E2/E3: nop3/xor rax,rax = 12.
  return profile.tcc === 'by-value' ? 11 : 12;
}

/** rbp-relative offset of the TCC pointer slot (E2/E3, BPF_TAIL_CALL_CNT_PTR_STACK_OFF). */
export const tccPtrOff = (p: FuncPlan): number => -16 - roundUp8(p.stackDepth);
/** rbp-relative offset of the counter dword (E1: the high half of the pushed rax, tcc_off). */
export const tccValueOff = (p: FuncPlan): number => -4 - roundUp8(p.stackDepth);

const CALLEE_NAMES = ['rbx', 'r13', 'r14', 'r15'];

export function frameLayoutOf(p: FuncPlan): FrameLayout {
  const rsd = roundUp8(p.stackDepth);
  const tccSlots: FrameLayout['tccSlots'] = [];
  let below = -rsd;
  if (p.tcr) {
    if (p.byValue) {
      tccSlots.push({ name: 'tail_call_cnt', fpOff: -rsd - 4, size: 4 });
      below -= 8;
    } else {
      tccSlots.push({ name: p.isSubprog ? 'tail_call_cnt_ptr copy' : 'tail_call_cnt', fpOff: -rsd - 8, size: 8 });
      tccSlots.push({ name: 'tail_call_cnt_ptr', fpOff: -rsd - 16, size: 8 });
      below -= 16;
    }
  }
  const saved: FrameLayout['saved'] = [{ reg: 'rbp', fpOff: 0 }];
  if (p.exceptionBoundary) {
    below -= 8;
    saved.push({ reg: 'r12', fpOff: below });
  }
  savedCalleeRegs(p).forEach((u, k) => {
    if (!u) return;
    below -= 8;
    saved.push({ reg: CALLEE_NAMES[k]!, fpOff: below });
  });
  const layout: FrameLayout = { stackSize: rsd, tccSlots, saved, fpReg: p.privFramePtr !== null ? 'r9' : 'rbp' };
  if (p.privFramePtr !== null) {
    layout.privStack = { size: roundUp8(p.verifierDepth), guard: PRIV_STACK_GUARD_VAL, guardSize: PRIV_STACK_GUARD_SZ };
  }
  return layout;
}
