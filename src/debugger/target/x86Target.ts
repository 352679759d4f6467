// The x86-64 parts of the debug target: the kernel's `call bpf_func` (rdi = ctx, return
// address = sentinel on the stack), the poke state machine, per-CPU private stacks (6.13+).
import type { Result } from '../../common/diag.ts';
import { SENTINEL_ADDR } from '../../common/layout.ts';
import { PRIV_STACK_GUARD_SZ } from '../../common/kernelStructs.ts';
import { perCpuBase } from '../../kernel/privStack.ts';
import { X86_GPRS } from '../../machine/regs.ts';
import type { X86Engine } from '../../engine/x86Engine.ts';
import type { DebugTarget } from './debugTarget.ts';
import type { DebugProgram } from './loadedProgram.ts';
import type { TargetObjects } from './objects.ts';
import { jitTarget, type JitTargetOptions } from './jitTarget.ts';

export type { TargetRunState } from './jitTarget.ts';
export type X86TargetOptions = JitTargetOptions;

export function x86Target(eng: X86Engine, objects: TargetObjects, entry: DebugProgram, opts: JitTargetOptions = {}): Result<DebugTarget> {
  return jitTarget(
    eng,
    objects,
    entry,
    {
      arch: 'x86_64',
      pokes: eng.pokes,
      enterRegs(m, ctxAddr, top, bpfFunc) {
        // rdi = ctx, rsi = insns (unused), return address = sentinel.
        const regs: Record<string, bigint> = {};
        for (const r of X86_GPRS) regs[r] = 0n;
        regs['rdi'] = ctxAddr;
        regs['rsp'] = top - 8n;
        regs['rip'] = bpfFunc;
        regs['eflags'] = 0x2n;
        m.writeU64(top - 8n, SENTINEL_ADDR);
        m.writeRegs(regs);
      },
      privStackArea(p, func) {
        const b = eng.privStacks.all().find((q) => q.owner === `${p.name}/${func}`);
        if (!b) return null;
        const lo = perCpuBase(eng.model.cpu) + BigInt(b.off);
        return { lo, hi: lo + BigInt(b.size + 2 * PRIV_STACK_GUARD_SZ), framePtr: lo + BigInt(PRIV_STACK_GUARD_SZ + b.size) };
      },
    },
    opts,
  );
}
