// Engines by name behind one small interface: the reference interpreter, or the JITed code
// on Unicorn (x86-64 or RISC-V 64). `run`, the example tests and the benchmarks all go through it.
import { fail, unwrap } from '../common/diag.ts';
import { analyzeLoadable, type AnalysisOptions, type ProgramImage } from '../analysis/index.ts';
import { analysisOptionsFor, findProfile, tccModeFor, type JitProfile } from '../jit/index.ts';
import { KernelModel, testRun, type LoadedObject, type LoadedProgram, type TestRunOptions, type TestRunResult } from '../kernel/index.ts';
import { X86Engine } from '../machine/x86Engine.ts';
import { RiscvEngine } from '../machine/riscvEngine.ts';
import type { JitEngine } from '../machine/jitEngine.ts';
import type { BpfObject, BpfProgram } from '../object/index.ts';
import { profileFor } from './jitAll.ts';

export type EngineName = 'interp' | 'x86_64' | 'riscv64';

export interface Runner {
  engine: EngineName;
  /** The JIT profile (machine engines), or null for the interpreter. */
  profile: JitProfile | null;
  model: KernelModel;
  loaded: LoadedObject;
  entry: LoadedProgram;
  /** True when `insns` in results counts BPF instructions (the interpreter does; JITed code runs natively). */
  countsInsns: boolean;
  testRun(opts: Omit<TestRunOptions, 'engine'>): TestRunResult;
  dispose(): void;
}

/** The images a load of `obj` gives (analysis/analyzeLoadable.ts); the entry's rejection is a user error. */
export const analyzeAll = (obj: BpfObject, entry: BpfProgram, opts: AnalysisOptions): ProgramImage[] =>
  unwrap(analyzeLoadable(obj, entry.name, opts));

export async function createRunner(
  obj: BpfObject,
  entry: BpfProgram,
  engine: EngineName,
  profileName?: string,
): Promise<Runner> {
  const find = (loaded: LoadedObject): LoadedProgram => {
    const e = loaded.programs.find((p) => p.name === entry.name);
    if (!e) fail('cli.internal', `program ${entry.name} did not load`);
    return e;
  };
  if (engine === 'interp') {
    // --profile picks the counter behaviour (tccModeFor); a RISC-V profile also brings its
    // verifier's decisions (upstream rejects bpf2bpf calls mixed with tail calls).
    const rv = profileName !== undefined && profileName !== 'host' && !findProfile(profileName) ? profileFor('riscv64', profileName) : null;
    const tcc = rv ? tccModeFor(rv) : profileName !== undefined ? tccModeFor(profileFor('x86_64', profileName)) : 'by-pointer';
    const model = new KernelModel();
    const loaded = model.loadObject(obj, analyzeAll(obj, entry, rv ? analysisOptionsFor(rv) : { privStack: 'adaptive' }));
    const e = find(loaded);
    return {
      engine, profile: null, model, loaded, entry: e, countsInsns: true,
      testRun: (opts) => testRun(model, e, { ...opts, tcc }),
      dispose: () => {},
    };
  }
  const profile = profileFor(engine, profileName);
  // Analyse first: a program the profile's verifier rejects (riscv64 upstream: bpf2bpf calls
  // mixed with tail calls) fails here with the verifier's message, before any machine exists.
  const images = analyzeAll(obj, entry, analysisOptionsFor(profile));
  const eng: JitEngine = engine === 'riscv64' ? await RiscvEngine.create({ profile }) : await X86Engine.create({ profile });
  try {
    const loaded = unwrap(eng.loadObject(obj, images));
    const e = find(loaded);
    return {
      engine, profile, model: eng.model, loaded, entry: e, countsInsns: false,
      testRun: (opts) => eng.testRun(e, opts),
      dispose: () => eng.close(),
    };
  } catch (e) {
    eng.close();
    throw e;
  }
}
