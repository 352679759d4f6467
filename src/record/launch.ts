// Launch for recording and replay: debugger/target/launch.ts's launch (the same objects,
// setup steps and target), with two differences that make a run reproducible and
// reversible: the target drives a TracingMachine wrapped around the engine's machine
// (instruction count, checkpoints), and the kernel model draws its nondeterministic values
// from the given source (recording or replaying). Object files of setup steps and `load`
// commands come from the given source (a replay: the recording's copies).
import { type Result, ok } from '../common/diag.ts';
import type { Arch } from '../jit/types.ts';
import type { NondetSource } from '../kernel/index.ts';
import type { JitEngine } from '../engine/jitEngine.ts';
import type { BpfObject } from '../object/types.ts';
import type { DebugTarget } from '../debugger/target/debugTarget.ts';
import type { TargetRunState } from '../debugger/target/jitTarget.ts';
import { launchTarget } from '../debugger/target/launch.ts';
import { profileFor } from '../jit/profileFor.ts';
import type { ObjectSource } from '../debugger/target/objects.ts';
import { TracingMachine, type TracingOptions } from './tracingMachine.ts';
import { modelDigest } from './modelState.ts';
import type { NondetTimeline } from './nondetLog.ts';
import type { RecordingOptions } from './format.ts';

export interface TracedTarget {
  target: DebugTarget;
  tracer: TracingMachine;
  /** Adds objects whose state reverse execution must also restore (the Session's tail-call log). */
  setRoots(f: () => readonly object[]): void;
}

export type NondetFactory = (at: () => number) => NondetSource;

/** The launch choices a recording keeps; the profile defaults to the arch's default one. */
export function recordingOptions(o: {
  prog?: string | undefined;
  arch?: Arch | undefined;
  profile?: string | undefined;
  mapUpdates?: RecordingOptions['mapUpdates'];
  setup?: RecordingOptions['setup'];
}): RecordingOptions {
  const arch = o.arch ?? 'x86_64';
  const byDefault = profileFor(arch);
  return {
    prog: o.prog ?? null,
    arch,
    profile: o.profile ?? (byDefault.ok ? byDefault.value.name : ''),
    mapUpdates: o.mapUpdates ?? [],
    setup: o.setup ?? [],
    clockStart: '1000000000',
    cpu: 0,
  };
}

export async function launchTraced(
  obj: BpfObject,
  opts: RecordingOptions,
  nondet: NondetFactory,
  tracing: Pick<TracingOptions, 'interval' | 'denseInterval' | 'onCheckpoint'> = {},
  source?: ObjectSource,
): Promise<Result<TracedTarget>> {
  let tracer!: TracingMachine;
  let target: DebugTarget | undefined;
  const runState: TargetRunState = { inside: false };
  let extraRoots: () => readonly object[] = () => [];
  const trace = (eng: JitEngine): TracingMachine => {
    const model = eng.model;
    const real = eng.machine;
    // x86-64's poke state machine (queued and deferred pokes); RISC-V has none to restore.
    const pokes = eng.pokes ? [eng.pokes] : [];
    tracer = new TracingMachine(real, {
      ...tracing,
      modelRegions: () => model.space.regions(),
      modelWrites: (fn) => model.space.onWrite(fn),
      stateRoots: () => {
        const roots: object[] = [model, model.timers, ...model.objects.flatMap((o) => o.maps.filter(Boolean))];
        roots.push(model.nondet, ...pokes, eng, runState, ...(target?.objects.stateRoots() ?? []), ...extraRoots());
        return roots;
      },
      stateDigest: () => modelDigest(model, [model.timers.fired.length]),
      onBranch: () => (model.nondet as Partial<NondetTimeline>).branch?.(),
    });
    // Helper callbacks run on the real machine, outside the tracer's view: tell it. From a
    // stopped or finished CPU (`timer fire`) a callback is a state change outside execution;
    // from a helper trap (bpf_loop) it is part of the helper's return, which the machine
    // stops after. (Wanted instead: the engine itself running on the TracingMachine.)
    const nestedOutside = real.callNested.bind(real);
    real.callNested = (entry, args, o) => {
      tracer.noteCallback();
      return nestedOutside(entry, args, o);
    };
    return tracer;
  };
  const t = await launchTarget(
    obj,
    {
      prog: opts.prog ?? undefined,
      arch: opts.arch,
      profile: opts.profile,
      mapUpdates: opts.mapUpdates,
      setup: opts.setup ?? [],
      ...(source ? { source } : {}),
    },
    {
      engine: { cpu: opts.cpu, clockStart: BigInt(opts.clockStart), nondet: nondet(() => tracer.count) },
      onEngine: (eng) => {
        const m = trace(eng);
        return { machine: m, state: runState, onDispose: () => m.checkpoints.dispose() };
      },
    },
  );
  if (!t.ok) return t;
  target = t.value;
  const setRoots = (f: () => readonly object[]): void => {
    extraRoots = f;
  };
  tracer.begin();
  return ok({ target, tracer, setRoots });
}
