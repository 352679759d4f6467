// The addresses a JIT needs before emitting a loaded program: its maps' kernel objects and
// values, per-CPU private stacks, and this_cpu_off. One place, used by every engine and by
// `bpfdbg dump --jited`, so the bytes shown are the bytes that run.
import { THIS_CPU_OFF_ADDR } from '../common/layout.ts';
import type { JitEnv } from '../jit/types.ts';
import type { LoadedObject, KernelProgram } from './kernelModel.ts';
import type { PrivStackAllocator } from './privStack.ts';

export function jitEnvFor(loaded: LoadedObject, prog: KernelProgram, priv: PrivStackAllocator): JitEnv {
  return {
    mapAddr: (i) => loaded.maps[i]!.addr,
    mapValueAddr: (i) => loaded.maps[i]!.valueAddr,
    thisCpuOffAddr: THIS_CPU_OFF_ADDR,
    privStackPtr: (f) => priv.allocate(prog.name, f, prog.image.subprogs[f]!.stackDepth).framePtr,
  };
}
