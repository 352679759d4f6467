// The RISC-V parts of the debug target: the kernel's `jalr bpf_func` (a0 = ctx, ra =
// sentinel, sp 16-aligned). RISC-V has no direct tail calls, so no poke state machine, and
// no private stack in any kernel version.
import type { Result } from '../../common/diag.ts';
import { SENTINEL_ADDR } from '../../common/layout.ts';
import { RV_ABI } from '../../common/arch.ts';
import type { RiscvEngine } from '../../engine/riscvEngine.ts';
import type { DebugTarget } from './debugTarget.ts';
import type { DebugProgram } from './loadedProgram.ts';
import type { TargetObjects } from './objects.ts';
import { jitTarget, type JitTargetOptions } from './jitTarget.ts';

export function riscvTarget(eng: RiscvEngine, objects: TargetObjects, entry: DebugProgram, opts: JitTargetOptions = {}): Result<DebugTarget> {
  return jitTarget(
    eng,
    objects,
    entry,
    {
      arch: 'riscv64',
      pokes: null,
      enterRegs(m, ctxAddr, top, bpfFunc) {
        const regs: Record<string, bigint> = {};
        for (const r of RV_ABI) if (r !== 'zero') regs[r] = 0n;
        regs['a0'] = ctxAddr;
        regs['sp'] = top & ~0xfn;
        regs['ra'] = SENTINEL_ADDR;
        regs['pc'] = bpfFunc;
        m.writeRegs(regs);
      },
      privStackArea: () => null,
    },
    opts,
  );
}
