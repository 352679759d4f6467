// The adapter from a machine-layer JIT engine (programs JITed and placed, model memory
// mapped, helpers trapped) and the session's objects to the DebugTarget the Session
// drives. What differs by arch is passed in: how the kernel calls bpf_func, the poke state
// machine (x86 direct tail calls only) and the per-CPU private stacks (x86-64 6.13+ only).
import { type Result, err, ok } from '../../common/diag.ts';
import type { Arch } from '../../jit/types.ts';
import { buildCtx } from '../../kernel/index.ts';
import type { PokeStateMachine } from '../../kernel/pokes/pokeStateMachine.ts';
import { CapstoneDisassembler } from '../../machine/capstone.ts';
import type { JitEngine } from '../../engine/jitEngine.ts';
import type { Disassembler } from '../disassembler.ts';
import type { Machine } from '../../machine/machine.ts';
import type { DebugProgram } from './loadedProgram.ts';
import type { DebugTarget, RunInput } from './debugTarget.ts';
import type { TargetObjects } from './objects.ts';

/** Whether the CPU is inside BPF code: debuggee state (a recorder's checkpoints restore it). */
export interface TargetRunState {
  inside: boolean;
}

export interface JitTargetOptions {
  /** The machine every run, step and register write goes through (default: the engine's; a recorder passes its tracing wrapper). */
  machine?: Machine;
  /** Shared run state (default: private to this target). */
  state?: TargetRunState;
  /** Called before the engine closes. */
  onDispose?: () => void;
}

/** What one architecture adds to the shared adapter. */
export interface ArchTargetParts {
  arch: Arch;
  pokes: PokeStateMachine | null;
  /** Registers (and stack) exactly as the kernel's call of bpf_func(ctx) leaves them; the sentinel is the return address. */
  enterRegs(m: Machine, ctxAddr: bigint, stackTop: bigint, bpfFunc: bigint): void;
  privStackArea: DebugTarget['privStackArea'];
}

export function jitTarget(
  eng: JitEngine,
  objects: TargetObjects,
  entry: DebugProgram,
  parts: ArchTargetParts,
  opts: JitTargetOptions = {},
): Result<DebugTarget> {
  if (!objects.programs.includes(entry)) return err('debug.no-entry', `program ${entry.name} was not JITed`);
  return ok(new JitDebugTarget(eng, objects, entry, parts, opts));
}

/**
 * A class, not an object literal: a recorder's state walk (record/modelState.ts) records
 * the fields of plain objects it reaches and writes them back, which accessors refuse.
 */
class JitDebugTarget implements DebugTarget {
  readonly arch: Arch;
  readonly machine: Machine;
  readonly pokes: PokeStateMachine | null;
  readonly privStackArea: DebugTarget['privStackArea'];
  readonly disassembler: Disassembler;
  private readonly state: TargetRunState;

  constructor(
    private readonly eng: JitEngine,
    readonly objects: TargetObjects,
    readonly entry: DebugProgram,
    private readonly parts: ArchTargetParts,
    private readonly opts: JitTargetOptions,
  ) {
    this.arch = parts.arch;
    this.machine = opts.machine ?? eng.machine;
    this.pokes = parts.pokes;
    this.privStackArea = parts.privStackArea;
    this.state = opts.state ?? { inside: false };
    this.disassembler = new CapstoneDisassembler(parts.arch);
  }

  get profile() {
    return this.eng.profile;
  }

  get model() {
    return this.eng.model;
  }

  get loaded() {
    return this.objects.main.loaded;
  }

  get programs() {
    return this.objects.programs;
  }

  get index() {
    return this.objects.index;
  }

  kernelProgram(p: DebugProgram) {
    return p.kernel;
  }

  trampolineAt(addr: bigint) {
    return this.objects.trampolineAt(addr);
  }

  prepareRun(input: RunInput): Result<{ ctxAddr: bigint }> {
    const model = this.eng.model;
    const built = buildCtx(model, this.entry.kernel, input);
    if (!built.ok) return err('debug.ctx', built.message, { program: this.entry.name });
    this.eng.selectCpu(model.cpu);
    this.parts.enterRegs(this.machine, built.ctx.addr, model.stackTop(), this.entry.funcBases[0]!);
    if (!this.state.inside) this.eng.enter();
    this.state.inside = true;
    return ok({ ctxAddr: built.ctx.addr });
  }

  endRun(): void {
    if (this.state.inside) this.eng.leave();
    this.state.inside = false;
  }

  dispose(): void {
    if (this.machine.closed) return;
    this.opts.onDispose?.();
    this.eng.close();
  }
}
