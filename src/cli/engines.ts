// Engines by name behind one small interface: the reference interpreter, or the JITed code
// on Unicorn (x86-64). `run`, the example tests and the benchmarks all go through it.
import { fail, unwrap } from '../common/diag.ts';
import { analyzeProgram, type ProgramImage } from '../analysis/index.ts';
import { analysisOptionsFor, type JitProfile } from '../jit/index.ts';
import { KernelModel, testRun, type LoadedObject, type LoadedProgram, type TestRunOptions, type TestRunResult } from '../kernel/index.ts';
import { X86Engine } from '../machine/x86Engine.ts';
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

/**
 * Every autoload program is analysed and loaded (prog_array targets are separate programs);
 * a program the verifier rejects only matters when it is the one run.
 */
export function analyzeAll(obj: BpfObject, entry: BpfProgram, opts: Parameters<typeof analyzeProgram>[2]): ProgramImage[] {
  const images: ProgramImage[] = [];
  for (const p of obj.programs) {
    if (!p.autoload && p !== entry) continue;
    const r = analyzeProgram(obj, p, opts);
    if (!r.ok) {
      if (p === entry) unwrap(r);
      continue;
    }
    images.push(r.value);
  }
  return images;
}

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
    let tcc: 'by-pointer' | 'by-value' = 'by-pointer';
    if (profileName !== undefined) tcc = profileFor('x86_64', profileName).tcc ?? 'by-pointer';
    const model = new KernelModel();
    const loaded = model.loadObject(obj, analyzeAll(obj, entry, { privStack: 'adaptive' }));
    const e = find(loaded);
    return {
      engine, profile: null, model, loaded, entry: e, countsInsns: true,
      testRun: (opts) => testRun(model, e, { ...opts, tcc }),
      dispose: () => {},
    };
  }
  if (engine === 'riscv64') fail('cli.no-engine', 'the riscv64 engine runs in tests and `dump --arch riscv64`; `run --engine riscv64` is not available yet');
  const profile = profileFor('x86_64', profileName);
  const x86 = await X86Engine.create({ profile });
  const loaded = unwrap(x86.loadObject(obj, analyzeAll(obj, entry, analysisOptionsFor(profile))));
  const e = find(loaded);
  return {
    engine, profile, model: x86.model, loaded, entry: e, countsInsns: false,
    testRun: (opts) => x86.testRun(e, opts),
    dispose: () => x86.close(),
  };
}
