// The adapter from the machine layer's RiscvEngine (programs JITed under a RISC-V profile
// and placed, model memory mapped, helpers trapped) to the DebugTarget the Session drives.
// RISC-V has no direct tail calls, so there is no poke state machine: pokes is null.
import { type Result, err, ok } from '../../common/diag.ts';
import { SENTINEL_ADDR } from '../../common/layout.ts';
import { buildCtx, type LoadedObject, type LoadedProgram as KProgram } from '../../kernel/index.ts';
import { RV_ABI } from '../../machine/regs.ts';
import type { RiscvEngine } from '../../machine/riscvEngine.ts';
import { AddressIndex } from './addressIndex.ts';
import type { LoadedProgram } from './loadedProgram.ts';
import type { DebugTarget, RunInput } from './debugTarget.ts';

export function riscvTarget(eng: RiscvEngine, loaded: LoadedObject, entryName: string): Result<DebugTarget> {
  const programs: LoadedProgram[] = [];
  const byName = new Map<string, KProgram>();
  for (const jp of eng.programs()) {
    const kp = jp.kernel;
    programs.push({ name: kp.name, image: kp.image, jit: jp.jit, funcBases: jp.funcBases, progStruct: kp.structAddr });
    byName.set(kp.name, kp);
  }
  const entry = programs.find((p) => p.name === entryName);
  if (!entry) return err('debug.no-entry', `program ${entryName} was not JITed`);
  const m = eng.machine;
  const model = eng.model;
  let inside = false;
  const t: DebugTarget = {
    arch: 'riscv64',
    profile: eng.profile,
    machine: m,
    model,
    loaded,
    programs,
    entry,
    index: new AddressIndex(programs),
    pokes: null,
    kernelProgram: (p) => byName.get(p.name)!,
    prepareRun(input: RunInput) {
      const kp = byName.get(entry.name)!;
      const built = buildCtx(model, kp, input);
      if (!built.ok) return err('debug.ctx', built.message, { program: entry.name });
      eng.selectCpu(model.cpu);
      // The kernel's `jalr bpf_func`: a0 = ctx, a1 = insns (unused), ra = sentinel, sp 16-aligned.
      const regs: Record<string, bigint> = {};
      for (const r of RV_ABI) if (r !== 'zero') regs[r] = 0n;
      regs['a0'] = built.ctx.addr;
      regs['sp'] = model.stackTop() & ~0xfn;
      regs['ra'] = SENTINEL_ADDR;
      regs['pc'] = entry.funcBases[0]!;
      m.writeRegs(regs);
      if (!inside) eng.enter();
      inside = true;
      return ok({ ctxAddr: built.ctx.addr });
    },
    endRun() {
      if (inside) eng.leave();
      inside = false;
    },
    privStackArea: () => null, // no private stack on RISC-V in any kernel version
    dispose() {
      if (!m.closed) eng.close();
    },
  };
  return ok(t);
}
