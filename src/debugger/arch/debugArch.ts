// What the debugger engine needs to know about the CPU it drives, one object per arch:
// register names and the JIT's BPF register map, how frames unwind, where the tail-call
// counter lives, what a call instruction looks like, and how `info frame` names slots.
// The Session, run control and commands ask this instead of naming x86 or RISC-V registers.
import type { Arch } from '../../jit/types.ts';
import type { Machine } from '../../machine/machine.ts';
import type { DebugTarget } from '../target/debugTarget.ts';
import type { CodePosition } from '../target/loadedProgram.ts';
import type { TccReading } from '../tcc.ts';
import type { MemReader, RawFrame } from '../unwind.ts';
import type { SlotInput } from '../frameSlots.ts';
import type { FrameSlots, Registers, TailCallCounter } from '../view.ts';

/** Native register values by machine name (the arch's nativeRegs). */
export type RegValues = Record<string, bigint>;

export interface DebugArch {
  readonly name: Arch;
  /** Machine register names a View reads, in display order. */
  readonly nativeRegs: readonly string[];
  readonly pcReg: string;
  readonly spReg: string;
  /** Register that identifies a frame once its prologue ran (rbp; RISC-V s0 = the CFA). */
  readonly fpReg: string;
  /** Registers holding an indirect tail call's map and index (BPF R2, R3). */
  readonly tailCallRegs: readonly [map: string, index: string];

  /** Native register holding BPF register `n` (0..10) while the CPU is at `pc`. */
  bpfReg(t: DebugTarget, n: number, pc: bigint): string;
  /** bpf2bpf frames, innermost first. */
  unwind(t: DebugTarget, regs: RegValues, mem: MemReader): RawFrame[];
  /** The counter as seen from frame `level` of `frames` (null: no counter there). */
  readTcc(t: DebugTarget, frames: readonly RawFrame[], level: number, regs: RegValues, mem: MemReader): TccReading | null;
  /** The counter reading as the View shows it. */
  counterView(r: TccReading, changed: boolean): TailCallCounter;
  /** The counter read at the PC, whether or not a frame is complete (tail-call tracking). */
  readTccHere(t: DebugTarget, pos: CodePosition, regs: RegValues, mem: MemReader): number | null;
  buildRegisters(t: DebugTarget, values: RegValues, prev: Registers | null, pos: CodePosition | null, tcc: TailCallCounter | null): Registers;
  /** BPF R10 of a frame. */
  bpfFp(t: DebugTarget, f: RawFrame, level0Regs: RegValues): bigint;
  buildFrameSlots(s: SlotInput): FrameSlots;
  /** When the instruction at `pc` is a call: where it returns to (nexti runs it through). */
  callReturn(m: Machine, pc: bigint): bigint | null;
  /**
   * After one instruction from `pcBefore` / `spBefore`: the return address when it entered
   * a function by a call (step/next run the callee to its return), else null.
   */
  enteredCall(m: Machine, pos: CodePosition | null, pcBefore: bigint, spBefore: bigint): bigint | null;
  /** A frame whose fp is `fp` has returned once sp is here. */
  returnedFrom(sp: bigint, fp: bigint): boolean;
  /** Register holding, at a tail call's landing, the frame identity its target inherits (rbp; RISC-V sp = the CFA). */
  readonly hopFpReg: string;
}
