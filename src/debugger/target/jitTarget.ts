// The adapter from a machine-layer JIT engine (programs JITed and placed, model memory
// mapped, helpers trapped) to the DebugTarget the Session drives. What differs by arch is
// passed in: how the kernel calls bpf_func, the poke state machine (x86 direct tail calls
// only) and the per-CPU private stacks (x86-64 6.13+ only).
import { type Result, err, ok } from '../../common/diag.ts';
import type { Arch } from '../../jit/types.ts';
import { buildCtx, type LoadedObject, type LoadedProgram as KProgram } from '../../kernel/index.ts';
import type { PokeStateMachine } from '../../kernel/pokes/pokeStateMachine.ts';
import type { JitEngine } from '../../machine/jitEngine.ts';
import type { Machine } from '../../machine/machine.ts';
import { AddressIndex } from './addressIndex.ts';
import type { LoadedProgram } from './loadedProgram.ts';
import type { DebugTarget, RunInput } from './debugTarget.ts';

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

export function jitTarget(eng: JitEngine, loaded: LoadedObject, entryName: string, parts: ArchTargetParts, opts: JitTargetOptions = {}): Result<DebugTarget> {
  const programs: LoadedProgram[] = [];
  const byName = new Map<string, KProgram>();
  for (const jp of eng.programs()) {
    const kp = jp.kernel;
    programs.push({ name: kp.name, image: kp.image, jit: jp.jit, funcBases: jp.funcBases, progStruct: kp.structAddr });
    byName.set(kp.name, kp);
  }
  const entry = programs.find((p) => p.name === entryName);
  if (!entry) return err('debug.no-entry', `program ${entryName} was not JITed`);
  const m = opts.machine ?? eng.machine;
  const model = eng.model;
  const state = opts.state ?? { inside: false };
  return ok({
    arch: parts.arch,
    profile: eng.profile,
    machine: m,
    model,
    loaded,
    programs,
    entry,
    index: new AddressIndex(programs),
    pokes: parts.pokes,
    kernelProgram: (p) => byName.get(p.name)!,
    prepareRun(input: RunInput) {
      const built = buildCtx(model, byName.get(entry.name)!, input);
      if (!built.ok) return err('debug.ctx', built.message, { program: entry.name });
      eng.selectCpu(model.cpu);
      parts.enterRegs(m, built.ctx.addr, model.stackTop(), entry.funcBases[0]!);
      if (!state.inside) eng.enter();
      state.inside = true;
      return ok({ ctxAddr: built.ctx.addr });
    },
    endRun() {
      if (state.inside) eng.leave();
      state.inside = false;
    },
    privStackArea: parts.privStackArea,
    dispose() {
      if (m.closed) return;
      opts.onDispose?.();
      eng.close();
    },
  });
}
