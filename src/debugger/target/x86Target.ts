// The adapter from the machine layer's X86Engine (programs JITed and placed, model memory
// mapped, helpers trapped, private stacks, poke state machine) to the DebugTarget the
// Session drives. What the engine does not offer yet is done here: preparing a run without
// running it (ctx built, registers set, sentinel return address pushed).
import { type Result, err, ok } from '../../common/diag.ts';
import { SENTINEL_ADDR } from '../../common/layout.ts';
import { PRIV_STACK_GUARD_SZ } from '../../common/kernelStructs.ts';
import { buildCtx, type LoadedObject, type LoadedProgram as KProgram } from '../../kernel/index.ts';
import { perCpuBase } from '../../kernel/privStack.ts';
import { X86_GPRS } from '../../machine/regs.ts';
import type { Machine } from '../../machine/machine.ts';
import type { X86Engine } from '../../machine/x86Engine.ts';
import { AddressIndex } from './addressIndex.ts';
import type { LoadedProgram } from './loadedProgram.ts';
import type { DebugTarget, RunInput } from './debugTarget.ts';

/** Whether the CPU is inside BPF code: debuggee state (a recorder's checkpoints restore it). */
export interface TargetRunState {
  inside: boolean;
}

export interface X86TargetOptions {
  /** The machine every run, step and register write goes through (default: the engine's; a recorder passes its tracing wrapper). */
  machine?: Machine;
  /** Shared run state (default: private to this target). */
  state?: TargetRunState;
  /** Called before the engine closes. */
  onDispose?: () => void;
}

export function x86Target(eng: X86Engine, loaded: LoadedObject, entryName: string, opts: X86TargetOptions = {}): Result<DebugTarget> {
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
  const t: DebugTarget = {
    arch: 'x86_64',
    profile: eng.profile,
    machine: m,
    model,
    loaded,
    programs,
    entry,
    index: new AddressIndex(programs),
    pokes: eng.pokes,
    kernelProgram: (p) => byName.get(p.name)!,
    prepareRun(input: RunInput) {
      const kp = byName.get(entry.name)!;
      const built = buildCtx(model, kp, input);
      if (!built.ok) return err('debug.ctx', built.message, { program: entry.name });
      eng.selectCpu(model.cpu);
      // The kernel's `call bpf_func`: rdi = ctx, rsi = insns (unused), return address = sentinel.
      const top = model.stackTop();
      const regs: Record<string, bigint> = {};
      for (const r of X86_GPRS) regs[r] = 0n;
      regs['rdi'] = built.ctx.addr;
      regs['rsp'] = top - 8n;
      regs['rip'] = entry.funcBases[0]!;
      regs['eflags'] = 0x2n;
      m.writeU64(top - 8n, SENTINEL_ADDR);
      m.writeRegs(regs);
      if (!state.inside) eng.enter();
      state.inside = true;
      return ok({ ctxAddr: built.ctx.addr });
    },
    endRun() {
      if (state.inside) eng.leave();
      state.inside = false;
    },
    privStackArea(p, func) {
      const b = eng.privStacks.all().find((q) => q.owner === `${p.name}/${func}`);
      if (!b) return null;
      const lo = perCpuBase(model.cpu) + BigInt(b.off);
      return { lo, hi: lo + BigInt(b.size + 2 * PRIV_STACK_GUARD_SZ), framePtr: lo + BigInt(PRIV_STACK_GUARD_SZ + b.size) };
    },
    dispose() {
      if (m.closed) return;
      opts.onDispose?.();
      eng.close();
    },
  };
  return ok(t);
}
