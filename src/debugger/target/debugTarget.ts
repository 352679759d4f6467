// What the Session needs from an engine: a Machine with every program of every loaded
// object JITed and placed, the kernel model it runs against, the poke state machine, the
// objects, links and pins of the session (objects.ts), and a way to set up a run (ctx
// built, registers set, sentinel return address pushed) without running it.
// jitTarget.ts adapts the machine layer's JIT engines (x86Target.ts, riscvTarget.ts).
import type { JitProfile, Arch } from '../../jit/types.ts';
import type { Machine } from '../../machine/machine.ts';
import type { KernelModel, LoadedObject, KernelProgram } from '../../kernel/index.ts';
import type { PokeStateMachine } from '../../kernel/pokes/pokeStateMachine.ts';
import type { Result } from '../../common/diag.ts';
import type { Disassembler } from '../disassembler.ts';
import type { AddressIndex } from './addressIndex.ts';
import type { DebugProgram } from './loadedProgram.ts';
import type { TargetObjects, TrampolineInfo } from './objects.ts';

export interface RunInput {
  data?: Uint8Array;
  ctx?: Uint8Array;
}

export interface DebugTarget {
  readonly arch: Arch;
  readonly profile: JitProfile;
  readonly machine: Machine;
  readonly model: KernelModel;
  /** The main object (the one the entry program comes from). */
  readonly loaded: LoadedObject;
  /** Every loaded object, the links and the pins of the session. */
  readonly objects: TargetObjects;
  /** Every JITed program of every loaded object, in load order. */
  readonly programs: readonly DebugProgram[];
  /** The program a run starts in. */
  readonly entry: DebugProgram;
  /** Native address -> program, function, insn (rebuilt when objects come and go). */
  readonly index: AddressIndex;
  /** Null on arches without direct tail calls (RISC-V). */
  readonly pokes: PokeStateMachine | null;
  /** Decodes the target's machine code (its arch). */
  readonly disassembler: Disassembler;
  /** The kernel model's program behind a debugger program. */
  kernelProgram(p: DebugProgram): KernelProgram;
  /** The BPF trampoline image holding `addr` (fentry/fexit), or null. */
  trampolineAt(addr: bigint): TrampolineInfo | null;
  /** Builds ctx, zeroes registers, pushes the sentinel, PC at bpf_func; the CPU counts as inside BPF. */
  prepareRun(input: RunInput): Result<{ ctxAddr: bigint }>;
  /** The run ended (exit, fault, kill): the CPU left BPF code (RCU quiescent state). */
  endRun(): void;
  /** This CPU's private-stack block of function `func` of `p` ([lo, hi) incl. guards), or null. */
  privStackArea(p: DebugProgram, func: number): { lo: bigint; hi: bigint; framePtr: bigint } | null;
  dispose(): void;
}
