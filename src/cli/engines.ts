// Engines by name behind one small interface: the reference interpreter, or the JITed code
// on Unicorn (x86-64 or RISC-V 64). `run`, the example tests and the benchmarks all go through it.
import { fail, unwrap } from '../common/diag.ts';
import { analyzeLoadable, type AnalysisOptions, type ProgramImage } from '../analysis/index.ts';
import { analysisOptionsFor, findProfile, tccModeFor, type JitProfile } from '../jit/index.ts';
import { KernelModel, testRun, type Engine, type LoadedObject, type KernelProgram, type TestRunOptions, type TestRunResult } from '../kernel/index.ts';
import { X86Engine } from '../engine/x86Engine.ts';
import { loadCapstone } from '../machine/capstone.ts';
import { RiscvEngine } from '../engine/riscvEngine.ts';
import type { JitEngine } from '../engine/jitEngine.ts';
import type { BpfObject, BpfProgram } from '../object/index.ts';
import { requireProfile } from './jitAll.ts';

export type EngineName = 'interp' | 'x86_64' | 'riscv64';

export interface Runner {
  engine: EngineName;
  /** The JIT profile (machine engines), or null for the interpreter. */
  profile: JitProfile | null;
  model: KernelModel;
  loaded: LoadedObject;
  entry: KernelProgram;
  /** True when `insns` in results counts BPF instructions (the interpreter does; JITed code runs natively). */
  countsInsns: boolean;
  testRun(opts: Omit<TestRunOptions, 'engine'>): TestRunResult;
  dispose(): void;
}

/**
 * How long the first run of a test run may take on a machine engine before it stops as
 * timed out (a program that never returns; the verifier would have rejected it).
 */
export const FIRST_RUN_TIMEOUT_MS = 10_000;

/**
 * The machine engine as `run` uses it: uncounted (budget Infinity) unless `--max-insns`
 * gives a budget, so translated blocks chain at full emulator speed (a counted run adds a
 * block hook, ~1.5-2x: bench/counted.ts). Unicorn bounds a run by time with a timer
 * thread it creates and joins around each uc_emu_start (~0.2 ms a run), so only the first
 * run of a test run has one: the later runs repeat it on the same ctx.
 */
function firstRunTimed(eng: JitEngine, budget: number, firstRunTimeoutMs: number): Engine {
  const first = eng.engine({ budget, timeoutMs: firstRunTimeoutMs });
  const rest = eng.engine({ budget });
  let runs = 0;
  return (model, prog, ctx) => (runs++ === 0 ? first : rest)(model, prog, ctx);
}

/** The images a load of `obj` gives (analysis/analyzeLoadable.ts); the entry's rejection is a user error. */
export const analyzeAll = (obj: BpfObject, entry: BpfProgram, opts: AnalysisOptions): ProgramImage[] => unwrap(analyzeLoadable(obj, entry.name, opts));

export async function createRunner(
  obj: BpfObject,
  entry: BpfProgram,
  engine: EngineName,
  profileName?: string,
  limits: { firstRunTimeoutMs?: number; maxMapMemory?: number; counted?: boolean } = {},
): Promise<Runner> {
  // Counted runs (`--max-insns`) enforce their budget by translated block with the native
  // counter, which decodes blocks with Capstone (~40 ms to load; without it Unicorn's
  // per-instruction count hook makes them 30-130x slower). Uncounted runs never load it.
  if (limits.counted && engine !== 'interp') await loadCapstone();
  const budget = limits.maxMapMemory !== undefined ? { maxMapMemory: limits.maxMapMemory } : {};
  const find = (loaded: LoadedObject): KernelProgram => {
    const e = loaded.programs.find((p) => p.name === entry.name);
    if (!e) fail('cli.internal', `program ${entry.name} did not load`);
    return e;
  };
  if (engine === 'interp') {
    // --profile picks the counter behaviour (tccModeFor); a RISC-V profile also brings its
    // verifier's decisions (upstream rejects bpf2bpf calls mixed with tail calls).
    const rv = profileName !== undefined && profileName !== 'host' && !findProfile(profileName) ? requireProfile('riscv64', profileName) : null;
    const tcc = rv ? tccModeFor(rv) : profileName !== undefined ? tccModeFor(requireProfile('x86_64', profileName)) : 'by-pointer';
    const model = new KernelModel(budget);
    const loaded = model.loadObject(obj, analyzeAll(obj, entry, rv ? analysisOptionsFor(rv) : { privStack: 'adaptive' }));
    const e = find(loaded);
    return {
      engine,
      profile: null,
      model,
      loaded,
      entry: e,
      countsInsns: true,
      testRun: (opts) => testRun(model, e, { ...opts, tcc }),
      dispose: () => {},
    };
  }
  const profile = requireProfile(engine, profileName);
  // Analyse first: a program the profile's verifier rejects (riscv64 upstream: bpf2bpf calls
  // mixed with tail calls) fails here with the verifier's message, before any machine exists.
  const images = analyzeAll(obj, entry, analysisOptionsFor(profile));
  const eng: JitEngine = engine === 'riscv64' ? await RiscvEngine.create({ profile, ...budget }) : await X86Engine.create({ profile, ...budget });
  try {
    const loaded = unwrap(eng.loadObject(obj, images));
    const e = find(loaded);
    return {
      engine,
      profile,
      model: eng.model,
      loaded,
      entry: e,
      countsInsns: false,
      // A finite budget (`run --max-insns`) needs the counted engine: it stops at exactly that
      // many machine instructions, naming where; without one, runs go uncounted at full speed.
      testRun: (opts) => {
        const timeoutMs = limits.firstRunTimeoutMs ?? FIRST_RUN_TIMEOUT_MS;
        const counted = opts.budget !== undefined && Number.isFinite(opts.budget);
        return testRun(eng.model, e, { ...opts, engine: firstRunTimed(eng, counted ? opts.budget! : Infinity, timeoutMs) });
      },
      dispose: () => eng.close(),
    };
  } catch (e) {
    eng.close();
    throw e;
  }
}
