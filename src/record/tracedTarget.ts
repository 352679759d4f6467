// The DebugTarget a recorded or replayed Session drives: debugger/target/x86Target.ts's
// adapter over the machine layer's X86Engine, with every machine access — runs, steps,
// breakpoints and the register writes that prepare a run — going through the
// TracingMachine, so the instruction count and checkpoints see all of it.
import type { Result } from '../common/diag.ts';
import type { LoadedObject } from '../kernel/index.ts';
import type { X86Engine } from '../machine/x86Engine.ts';
import type { DebugTarget } from '../debugger/target/debugTarget.ts';
import { x86Target, type TargetRunState } from '../debugger/target/x86Target.ts';
import type { TracingMachine } from './tracingMachine.ts';

export type { TargetRunState };

export function tracedX86Target(eng: X86Engine, m: TracingMachine, loaded: LoadedObject, entryName: string, state: TargetRunState): Result<DebugTarget> {
  return x86Target(eng, loaded, entryName, { machine: m, state, onDispose: () => m.checkpoints.dispose() });
}
