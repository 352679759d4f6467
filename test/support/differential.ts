// Runs generated cases on the reference interpreter and on the JITed code, and reports
// the first observable difference: r0, tail-call count, error, or any map's contents.
import { analyzeProgram, type ProgramImage } from '../../src/analysis/index.ts';
import { analysisOptionsFor, type JitProfile } from '../../src/jit/index.ts';
import type { TccMode } from '../../src/bpf/interpreter.ts';
import { KernelModel, ProgArrayMap, SeededNondet, testRun, type LoadedObject, type TestRunResult } from '../../src/kernel/index.ts';
import type { JitEngine } from '../../src/engine/jitEngine.ts';
import { X86Engine } from '../../src/engine/x86Engine.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import type { BpfObject } from '../../src/object/index.ts';
import type { GeneratedCase } from './randomProgram.ts';
import type { FormCase } from './formCases.ts';

export interface Observation {
  r0: bigint;
  tailCalls: number;
  error: string | null;
  /** Map name -> hex of every value (array-like: by key order; hash: sorted keys). */
  maps: Record<string, string>;
}

function images(obj: BpfObject, profile: JitProfile | null): ProgramImage[] | string {
  const opts = profile ? analysisOptionsFor(profile) : { privStack: 'adaptive' as const };
  const key = JSON.stringify(opts);
  let perObj = imageCache.get(obj);
  if (!perObj) imageCache.set(obj, (perObj = new Map()));
  const hit = perObj.get(key);
  if (hit) return hit;
  const res = analyzeAllOf(obj, opts);
  perObj.set(key, res);
  return res;
}

function analyzeAllOf(obj: BpfObject, opts: Parameters<typeof analyzeProgram>[2]): ProgramImage[] | string {
  const out: ProgramImage[] = [];
  for (const p of obj.programs) {
    const r = analyzeProgram(obj, p, opts);
    if (!r.ok) return rejection(r.error.code, `${p.name}: ${r.error.message} (insn ${r.error.place.insn})`);
    out.push(r.value);
  }
  return out;
}

/** A load the verifier (or JIT) refused, as `[code] message`: comparable by its code. */
export const rejection = (code: string, message: string): string => `[${code}] ${message}`;

/** The code of a rejection string made by rejection(), or null. */
export function rejectionCode(r: string): string | null {
  return /^\[([^\]]+)\]/.exec(r)?.[1] ?? null;
}

function errorKind(code: string): string {
  const last = code.split('.').pop()!;
  return /budget|timeout/.test(last) ? 'budget' : last;
}

/** Analysis results per object and option set: every profile of a class shares them. */
const imageCache = new WeakMap<BpfObject, Map<string, ProgramImage[] | string>>();

function observe(loaded: LoadedObject, res: TestRunResult): Observation {
  const maps: Record<string, string> = {};
  for (const m of loaded.maps) {
    if (!m || m instanceof ProgArrayMap) continue;
    const parts = m.keys().map((k) => `${Buffer.from(k).toString('hex')}=${Buffer.from(m.lookupValue(k) ?? new Uint8Array()).toString('hex')}`);
    maps[m.def.name] = parts.sort().join(',');
  }
  // An error is compared by kind only (budget, fault, ...): the engines name the place
  // differently (BPF insn vs native pc) and count budgets in different units.
  return { r0: res.r0, tailCalls: res.tailCalls, error: res.error ? errorKind(res.error.code) : null, maps };
}

/**
 * The oracle. `analysisOf`: the profile whose verifier decisions apply (the same analysis
 * options the JIT engine gets), so both sides see the same programs, or reject the same.
 */
export function runInterp(c: GeneratedCase, tcc: TccMode = 'by-pointer', analysisOf: JitProfile | null = null): Observation | string {
  const ims = images(c.object, analysisOf);
  if (typeof ims === 'string') return ims;
  const model = new KernelModel();
  const loaded = model.loadObject(c.object, ims);
  const entry = loaded.programs.find((p) => p.name === c.entry)!;
  return observe(loaded, testRun(model, entry, { data: c.data, tcc, budget: 1_000_000 }));
}

/** One engine per profile, recreated every `reuse` cases (text slots are finite). */
abstract class JitPool<E extends JitEngine> {
  private engine: E | null = null;
  private uses = 0;
  constructor(
    readonly profile: JitProfile,
    private readonly reuse = 64,
  ) {}

  protected abstract create(): Promise<E>;

  async run(c: GeneratedCase): Promise<Observation | string> {
    if (!this.engine || this.uses >= this.reuse) {
      this.engine?.close();
      this.engine = await this.create();
      this.uses = 0;
    }
    this.uses++;
    // Same random sequence as a fresh model: prandom is part of what the program sees.
    if (this.engine.model.nondet instanceof SeededNondet) this.engine.model.nondet.reseed();
    const ims = images(c.object, this.profile);
    if (typeof ims === 'string') return ims;
    const loaded = this.engine.loadObject(c.object, ims);
    if (!loaded.ok) return rejection(loaded.error.code, loaded.error.message);
    const entry = loaded.value.programs.find((p) => p.name === c.entry)!;
    return observe(loaded.value, this.engine.testRun(entry, { data: c.data, budget: 5_000_000 }));
  }

  close(): void {
    this.engine?.close();
    this.engine = null;
  }
}

export class X86Pool extends JitPool<X86Engine> {
  protected create(): Promise<X86Engine> {
    return X86Engine.create({ profile: this.profile });
  }
}

export class RiscvPool extends JitPool<RiscvEngine> {
  protected create(): Promise<RiscvEngine> {
    return RiscvEngine.create({ profile: this.profile });
  }
}

/** The first difference between two observations, or null when they agree. */
export function diff(a: Observation, b: Observation): string | null {
  if (a.error !== b.error) return `error: ${a.error} vs ${b.error}`;
  if (a.error) return null; // both failed the same way (e.g. both hit the budget)
  if (a.r0 !== b.r0) return `r0: 0x${a.r0.toString(16)} vs 0x${b.r0.toString(16)}`;
  if (a.tailCalls !== b.tailCalls) return `tail calls: ${a.tailCalls} vs ${b.tailCalls}`;
  for (const k of Object.keys(a.maps)) if (a.maps[k] !== b.maps[k]) return `map ${k}: ${a.maps[k]} vs ${b.maps[k]}`;
  return null;
}

/**
 * Runs each case on the interpreter (`oracle`) and on `pool`, closing the pool after, and
 * returns one line per disagreement (a rejection on either side is one).
 */
export async function formCaseMismatches(
  cases: readonly FormCase[],
  pool: JitPool<JitEngine>,
  oracle: (c: FormCase) => Observation | string,
): Promise<string[]> {
  const mismatches: string[] = [];
  try {
    for (const c of cases) {
      const want = oracle(c);
      const got = await pool.run(c);
      if (typeof want === 'string' || typeof got === 'string') {
        mismatches.push(`${c.label}: rejected`);
        continue;
      }
      const d = diff(want, got);
      if (d) mismatches.push(`${c.label}: ${d}`);
    }
  } finally {
    pool.close();
  }
  return mismatches;
}
