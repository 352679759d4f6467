// The step runner of the kernel's tail-call selftests (expected.json, see
// expectedSelftests.ts), one for every engine: a test's steps (load, prog_array updates,
// runs, global reads and writes, fentry/fexit/freplace attachment, tailcall_poke's
// background updates) run one by one on a SelftestEngine and each result is compared with
// the one a Linux 6.12+ kernel gives. The engines: the reference interpreter on the kernel
// model (interpreterSelftestEngine) and the JITs running in Unicorn (jitSelftestEngine).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ok, type Result } from '../../src/common/diag.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import type { BpfObject } from '../../src/object/types.ts';
import { analyzeProgram } from '../../src/analysis/index.ts';
import type { AnalysisOptions, ProgramImage } from '../../src/analysis/index.ts';
import {
  errnoName,
  KernelModel,
  testRun,
  type BpfMap,
  type LoadedObject,
  type KernelProgram,
  type ProgArrayMap,
  type TestRunResult,
} from '../../src/kernel/index.ts';
import { analysisOptionsFor } from '../../src/jit/profiles.ts';
import type { JitProfile } from '../../src/jit/types.ts';
import type { JitEngine } from '../../src/engine/jitEngine.ts';
import { Attacher, type TracingLink } from '../../src/engine/attach.ts';
import { FLAGS, hexBytes as hex, PROG_TYPES, selftestDir, type Expected, type SelfTest, type Step } from './expectedSelftests.ts';

/** tailcall_poke's background thread: the slot it toggles and the programs it writes there in turn. */
export interface Background {
  map: BpfMap;
  key: number;
  values: KernelProgram[];
  next: number;
  updates: number;
}

/** What the step runner needs of an engine. */
export interface SelftestEngine {
  readonly model: KernelModel;
  /** analyzeProgram options for this engine's kernel (the step's prog_type aside). */
  readonly analysis: AnalysisOptions;
  /** Instruction budget of one `run` step. */
  readonly budget: number;
  /** Loads an object's analysed programs; afterJit runs in the window between JIT and poke tracking. */
  load(object: BpfObject, images: ProgramImage[], opts: { reuseMaps: Map<string, BpfMap>; afterJit: () => void }): Result<LoadedObject>;
  testRun(prog: KernelProgram, opts: { data: Uint8Array; repeat: number; budget: number }): TestRunResult;
  /** bpf_map_update_elem on a prog_array from user space; 0 or -errno. */
  updateProgArray(map: BpfMap, key: number, prog: KernelProgram, flags?: bigint): number;
  /** fentry/fexit trampolines and freplace; absent where the engine cannot attach. */
  readonly attacher?: Attacher;
  /** After each background update around a load: what the engine guarantees under that race. */
  checkBackground?(loaded: LoadedObject, bg: Background, where: string): void;
  /** Frees an object's programs (a `repeat` iteration's objects are destroyed again). */
  unload?(loaded: LoadedObject): void;
}

/** The reference interpreter on a fresh kernel model, with the 6.12+ (by-pointer) or 5.10-6.11 (by-value) tail-call counter. */
export function interpreterSelftestEngine(tcc: 'by-pointer' | 'by-value'): SelftestEngine {
  const model = new KernelModel();
  return {
    model,
    analysis: {},
    budget: 1_000_000,
    load: (object, images, { afterJit }) => {
      const loaded = model.loadObject(object, images);
      afterJit();
      return ok(loaded);
    },
    testRun: (prog, opts) => testRun(model, prog, { ...opts, tcc }),
    updateProgArray: (map, key, prog, flags) => model.updateProgArray(map, key, prog, flags),
  };
}

/** A JIT engine (x86-64 or RISC-V in Unicorn) with its profile's analysis and an Attacher. */
export function jitSelftestEngine(eng: JitEngine, profile: JitProfile, extra: Pick<SelftestEngine, 'checkBackground' | 'unload'> = {}): SelftestEngine {
  const attacher = new Attacher(eng);
  return {
    model: eng.model,
    analysis: analysisOptionsFor(profile),
    budget: 5_000_000,
    load: (object, images, opts) => eng.loadObject(object, images, opts),
    testRun: (prog, opts) => eng.testRun(prog, opts),
    updateProgArray: (map, key, prog, flags) => attacher.updateProgArray(map, key, prog, flags),
    attacher,
    checkBackground: extra.checkBackground,
    unload: extra.unload,
  };
}

/** A load the verifier (or the JIT) refused, with its code. */
export class LoadRejected extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function checkErrno(got: number, expect: unknown, what: string): void {
  if (expect === 'ok') assert.equal(got, 0, `${what}: ${errnoName(got)}`);
  else if (expect === 'error') assert.notEqual(got, 0, `${what} should fail`);
  else if (typeof expect === 'object' && expect && 'error' in expect) assert.equal(errnoName(got), (expect as { error: string }).error, what);
}

/** Runs `body` on a fresh engine from `create` and closes the engine afterwards. */
export async function withEngine<E extends { close(): void }>(create: () => Promise<E>, body: (eng: E) => void | Promise<void>): Promise<void> {
  const eng = await create();
  try {
    await body(eng);
  } finally {
    eng.close();
  }
}

/** Runs a whole selftest on `engine`; throws LoadRejected when a load is refused. */
export function runSelftest(t: SelfTest, x: Expected, engine: SelftestEngine): void {
  new SelftestRunner(t, x, engine).run(t.steps);
}

/** One selftest's state on a fresh engine. */
export class SelftestRunner {
  readonly loaded = new Map<string, LoadedObject>();
  readonly links = new Map<string, TracingLink>();
  background: Background | null = null;

  constructor(
    readonly t: SelfTest,
    readonly x: Expected,
    readonly engine: SelftestEngine,
  ) {}

  obj(alias = 'main'): LoadedObject {
    const o = this.loaded.get(alias);
    assert.ok(o, `${this.t.name}: object ${alias} is not loaded`);
    return o;
  }

  prog(alias: string, name: string): KernelProgram {
    const p = this.obj(alias).programs.find((q) => q.name === name);
    assert.ok(p, `${this.t.name}: program ${alias}/${name}`);
    return p;
  }

  map(alias: string | undefined, name: string): BpfMap {
    const m = this.obj(alias).maps.find((q) => q?.name === name);
    assert.ok(m, `${this.t.name}: map ${alias}/${name}`);
    return m;
  }

  /** The global-data map of `section` (.bss, .data, ...). */
  section(alias: string | undefined, section: string): BpfMap {
    const m = this.obj(alias).maps.find((q) => q?.def.section === section);
    assert.ok(m, `${this.t.name}: section ${section}`);
    return m;
  }

  /** The packet bytes of a `run` step. */
  input(s: Step): Uint8Array {
    return hex(this.x.inputs[s.input!]!.hex);
  }

  /** Runs the steps before the test's first `run` step and returns that step. */
  runUntilFirstRun(): Step {
    const first = this.t.steps.findIndex((s) => s.op === 'run');
    this.run(this.t.steps.slice(0, first));
    return this.t.steps[first]!;
  }

  run(steps: Step[]): void {
    steps.forEach((s, n) => this.step(s, `${this.t.name} step ${n} (${s.op})`));
  }

  /** One iteration of the background thread's loop: bpf_map_update_elem(map, key, next value). */
  backgroundTick(): void {
    const bg = this.background;
    if (!bg) return;
    const p = bg.values[bg.next++ % bg.values.length]!;
    assert.equal(this.engine.updateProgArray(bg.map, bg.key, p), 0, `${this.t.name}: background update of slot ${bg.key}`);
    assert.equal((bg.map as ProgArrayMap<KernelProgram>).get(bg.key), p);
    bg.updates++;
  }

  step(s: Step, where: string): void {
    const { engine } = this;
    switch (s.op) {
      case 'open': // bpf_object__open: nothing reaches the kernel
      case 'map_pin': // pinning changes nothing the programs see
      case 'map_unpin':
        break;
      case 'load':
        this.load(s, where);
        break;
      case 'map_update':
        checkErrno(
          engine.updateProgArray(this.map(s.object, s.map!), s.key!, this.prog(s.value!.object, s.value!.prog), FLAGS[s.flags ?? 'BPF_ANY']),
          s.expect,
          where,
        );
        break;
      case 'map_delete':
        checkErrno(engine.model.deleteElem(this.map(s.object, s.map!), s.key!), s.expect, where);
        break;
      case 'run': {
        const r = engine.testRun(this.prog(s.object!, s.program!), { data: this.input(s), repeat: s.repeat ?? 1, budget: engine.budget });
        assert.equal(r.error, undefined, `${where}: ${r.error?.message}`);
        assert.equal(r.retval, (s.expect as { retval: number }).retval, `${where}: retval`);
        break;
      }
      case 'global_read': {
        const bytes = engine.model.space.mustView(this.section(s.object, s.section!).valueAddr + BigInt(s.offset!), s.size!);
        assert.equal(
          bytes.reduceRight((a, b) => a * 256 + b, 0),
          s.expect,
          `${where}: ${s.section}+${s.offset}`,
        );
        break;
      }
      case 'global_write':
        assert.equal(engine.model.updateElem(this.section(s.object, s.section!), new Uint8Array(4), hex(s.value_hex!)), 0, where);
        break;
      case 'attach': {
        const att = this.attacher(where);
        const prog = this.prog(s.object!, s.program!);
        if (s.target) {
          // bpf_program__attach_freplace(prog, target fd, function): the target comes with the attach
          const tr = att.setAttachTarget(prog, this.prog(s.target.object, s.target.program), s.target.function);
          assert.ok(tr.ok, `${where}: ${!tr.ok && tr.error.message}`);
        }
        const r = att.attach(prog);
        if (s.expect === 'ok') assert.ok(r.ok, `${where}: ${!r.ok && r.error.message}`);
        else assert.ok(!r.ok, `${where} should fail`);
        if (r.ok) this.links.set(`${s.object}/${s.program}`, r.value);
        break;
      }
      case 'detach': {
        const link = this.links.get(`${s.object}/${s.program}`);
        assert.ok(link, `${where}: ${s.program} is not attached`);
        const r = this.attacher(where).detach(link);
        checkErrno(r.ok ? 0 : -1, s.expect, where);
        this.links.delete(`${s.object}/${s.program}`);
        break;
      }
      case 'background_map_updates':
        this.background = {
          map: this.map(s.object, s.map!),
          key: s.key!,
          next: 0,
          updates: 0,
          values: s.alternate_values!.map((v) => this.prog(v.object, v.prog)),
        };
        break;
      case 'stop_background':
        assert.ok(this.background && this.background.updates > 0, `${where}: the background thread never ran`);
        this.background = null;
        break;
      case 'repeat':
        for (let i = 0; i < s.count!; i++) {
          const before = new Set(this.loaded.values());
          this.run(s.steps!);
          // each iteration's objects are destroyed again (tailcall_poke__destroy)
          for (const [alias, o] of this.loaded) {
            if (before.has(o)) continue;
            engine.unload?.(o);
            this.loaded.delete(alias);
          }
        }
        break;
      default:
        assert.fail(`${where}: unknown step`);
    }
  }

  private attacher(where: string): Attacher {
    assert.ok(this.engine.attacher, `${where}: this engine does not attach programs`);
    return this.engine.attacher;
  }

  load(s: Step, where: string): void {
    const r = loadObjectFile(path.join(selftestDir, this.x.objects[this.t.objects[s.object!]!]!.path));
    assert.ok(r.ok, `${where}: ${!r.ok && r.error.message}`);
    const images: ProgramImage[] = [];
    const wanted = r.value.programs.filter((p) => (s.programs ? s.programs.includes(p.name) : p.autoload));
    wanted.forEach((p, k) => {
      const progType = k === 0 && s.prog_type ? PROG_TYPES[s.prog_type] : undefined;
      const a = analyzeProgram(r.value, p, { ...this.engine.analysis, ...(progType ? { progType } : {}) });
      if (!a.ok) throw new LoadRejected(a.error.code, `${where}: ${p.name}: ${a.error.message}`);
      images.push(a.value);
    });
    const reuseMaps = new Map(Object.entries(s.reuse_maps ?? {}).map(([name, m]) => [name, this.map(m.object, m.map)] as const));
    this.backgroundTick();
    const lo = this.engine.load(r.value, images, { reuseMaps, afterJit: () => this.backgroundTick() });
    if (!lo.ok) throw new LoadRejected(lo.error.code, `${where}: ${lo.error.message}`);
    this.loaded.set(s.object!, lo.value);
    if (s.attach_target) {
      const at = s.attach_target;
      const tr = this.attacher(where).setAttachTarget(this.prog(s.object!, at.program), this.prog(at.target_object, at.target_program), at.target_function);
      assert.ok(tr.ok, `${where}: ${!tr.ok && tr.error.message}`);
    }
    this.checkBackground(lo.value, where);
    this.backgroundTick();
    this.checkBackground(lo.value, where);
  }

  private checkBackground(o: LoadedObject, where: string): void {
    if (this.background) this.engine.checkBackground?.(o, this.background, where);
  }
}
