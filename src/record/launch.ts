// Launch for recording and replay: the same steps as debugger/target/launch.ts (every
// autoload program analysed and loaded, JITed onto an x86-64 Machine, --map-update swaps),
// with two differences that make a run reproducible and reversible: the Machine is a
// TracingMachine (instruction count, checkpoints), and the kernel model draws its
// nondeterministic values from the given source (recording or replaying).
import { type Result, err, ok } from '../common/diag.ts';
import { analyzeLoadable } from '../analysis/index.ts';
import { analysisOptionsFor, DEFAULT_X86_PROFILE, findProfile } from '../jit/profiles.ts';
import type { NondetSource } from '../kernel/index.ts';
import { X86Engine } from '../machine/x86Engine.ts';
import type { BpfObject } from '../object/types.ts';
import type { DebugTarget } from '../debugger/target/debugTarget.ts';
import { pickEntry } from '../debugger/target/launch.ts';
import { tracedX86Target, type TargetRunState } from './tracedTarget.ts';
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

export function recordingOptions(o: { prog?: string | undefined; profile?: string | undefined; mapUpdates?: RecordingOptions['mapUpdates'] }): RecordingOptions {
  return {
    prog: o.prog ?? null,
    arch: 'x86_64',
    profile: o.profile ?? DEFAULT_X86_PROFILE.name,
    mapUpdates: o.mapUpdates ?? [],
    clockStart: '1000000000',
    cpu: 0,
  };
}

export async function launchTraced(
  obj: BpfObject, opts: RecordingOptions, nondet: NondetFactory, tracing: Pick<TracingOptions, 'interval' | 'denseInterval' | 'onCheckpoint'> = {},
): Promise<Result<TracedTarget>> {
  const profile = findProfile(opts.profile);
  if (!profile) return err('debug.bad-profile', `unknown x86_64 profile '${opts.profile}'`);
  const entryName = pickEntry(obj, opts.prog ?? undefined);
  if (!entryName.ok) return entryName;
  const analysis = analysisOptionsFor(profile);
  const loadable = analyzeLoadable(obj, entryName.value, analysis);
  if (!loadable.ok) return loadable;
  const images = loadable.value;
  const eng = await X86Engine.create({ profile, cpu: opts.cpu, clockStart: BigInt(opts.clockStart), nondet: nondet(() => tracer.count) });
  const model = eng.model;
  const real = eng.machine;
  let target: DebugTarget | undefined;
  const runState: TargetRunState = { inside: false };
  let extraRoots: () => readonly object[] = () => [];
  const tracer: TracingMachine = new TracingMachine(real, {
    ...tracing,
    modelRegions: () => model.space.regions(),
    stateRoots: () => {
      const roots: object[] = [model, model.timers, ...model.objects.flatMap((o) => o.maps.filter(Boolean))];
      roots.push(model.nondet, eng.pokes, eng, runState, ...extraRoots());
      return roots;
    },
    stateDigest: () => modelDigest(model, [model.timers.fired.length]),
    onBranch: () => (model.nondet as Partial<NondetTimeline>).branch?.(),
  });
  // Helper callbacks run on the real machine, outside the tracer's view: tell it. From a
  // helper trap (bpf_loop) budget counts stop being exact; from a stopped or finished CPU
  // (`timer fire`) it is a state change outside execution. (Wanted instead:
  // X86Engine.create({ machine }) so the engine itself runs on the TracingMachine.)
  const nested = real.callFromTrap.bind(real);
  real.callFromTrap = (entry, args, o) => {
    tracer.noteCallback(entry, true);
    return nested(entry, args, o);
  };
  const nestedOutside = real.callNested.bind(real);
  real.callNested = (entry, args, o) => {
    tracer.noteCallback(entry, false);
    return nestedOutside(entry, args, o);
  };
  const loaded = eng.loadObject(obj, images);
  if (!loaded.ok) {
    eng.close();
    return loaded;
  }
  const t = tracedX86Target(eng, tracer, loaded.value, entryName.value, runState);
  if (!t.ok) {
    eng.close();
    return t;
  }
  target = t.value;
  for (const u of opts.mapUpdates) {
    const map = model.findMap(u.map, loaded.value.name);
    if (!map.ok) return map;
    const prog = model.findProgram(u.prog, loaded.value.name);
    if (!prog.ok) return prog;
    const rc = model.updateProgArray(map.value, u.key, prog.value);
    if (rc !== 0) return err('debug.map-update', `--map-update ${u.map}:${u.key}=${u.prog} failed (error ${-rc})`);
  }
  const setRoots = (f: () => readonly object[]): void => { extraRoots = f; };
  tracer.begin();
  return ok({ target, tracer, setRoots });
}
