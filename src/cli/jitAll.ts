// JIT every program of an object the way a load would: one kernel model (so map and
// per-CPU addresses are the ones a run uses), each program compiled under a profile.
import { BpfdbgError, fail, type Diag } from '../common/diag.ts';
import { analyzeProgram } from '../analysis/index.ts';
import { analysisOptionsFor, compileX86, layoutPlacement, linkImage, type JitImage, type JitProfile } from '../jit/index.ts';
import { compileRiscv } from '../jit/riscv64/index.ts';
import { jitEnvFor } from '../kernel/jitEnv.ts';
import { PrivStackAllocator } from '../kernel/privStack.ts';
import type { BpfObject, BpfProgram } from '../object/index.ts';
import { KernelModel, type LoadedObject, type KernelProgram } from '../kernel/index.ts';
import { ProgArrayMap } from '../kernel/maps/progArray.ts';
import { PokeStateMachine } from '../kernel/pokes/pokeStateMachine.ts';
import { ArrayTextPoker } from '../kernel/pokes/textPoker.ts';
import type { PlacedPoke } from '../kernel/pokes/pokeDescriptor.ts';
import { readHostDescription } from './hostDescription.ts';
import { profileForHost, type HostProfileChoice } from '../jit/hostProfile.ts';
import { hostKernelBtf, shippedKernelBtf, type KernelBtf } from '../object/kernelBtf.ts';
import { release } from 'node:os';
import { profileFor } from '../jit/profileFor.ts';
import { placeInTextSlot, textSlotBase } from '../jit/textSlot.ts';

let hostChoice: HostProfileChoice | undefined;
/** This machine's profile (`--profile host`), read once per process. */
export function hostProfileChoice(): HostProfileChoice {
  return (hostChoice ??= profileForHost(readHostDescription()));
}

/** The profile `--arch`/`--profile` select, with the one line `bpfdbg list` prints about it. */
export function profileChoice(arch: 'x86_64' | 'riscv64', name: string | undefined): HostProfileChoice {
  if (arch === 'x86_64' && name === 'host') return hostProfileChoice();
  const profile = requireProfile(arch, name);
  return { profile, why: name === undefined ? `default for ${arch} (--profile host: this machine's JIT)` : `given by --profile: ${profile.describes}` };
}

/** Where CO-RE relocations resolve for a profile: the running kernel's BTF for 'host' when it has one. */
export function kernelBtfFor(profile: JitProfile): (() => KernelBtf) | undefined {
  if (profile.kernelBtf !== 'host') return undefined;
  return () => hostKernelBtf(release()) ?? shippedKernelBtf();
}

/** The profile `--arch`/`--profile` name (host included); an unknown name is a one-line error. */
export function requireProfile(arch: 'x86_64' | 'riscv64', name: string | undefined): JitProfile {
  const r = profileFor(arch, name, () => hostProfileChoice().profile);
  if (!r.ok) fail('cli.bad-profile', r.error.message);
  return r.value;
}

export interface LinkedProgram {
  program: BpfProgram;
  jit: JitImage;
  funcAddrs: bigint[];
  /** Linked bytes per function (calls and addresses filled for the placement in funcAddrs). */
  code: Uint8Array[];
}

/** A program that did not JIT: the verifier's (analysis) or the JIT's reason. */
export interface JitFailure {
  program: BpfProgram;
  error: Diag;
}

export type JitOutcome = LinkedProgram | JitFailure;
export const isJitFailure = (o: JitOutcome): o is JitFailure => 'error' in o;

/** Every program of `progs` JITed, or each failure with its reason; throws the first failure. */
export function jitPrograms(obj: BpfObject, progs: readonly BpfProgram[], profile: JitProfile): LinkedProgram[] {
  return jitEach(obj, progs, profile).map((o) => {
    if (isJitFailure(o)) throw new BpfdbgError(o.error);
    return o;
  });
}

/**
 * JITs each of `progs` on its own, as a loader trying the programs of an object one by one
 * would: a program the verifier or the JIT refuses becomes a JitFailure and the others
 * still JIT. Every program of the object that analyses is loaded into one kernel model,
 * `?`-prefixed ones too, so map and program addresses are the ones a run uses.
 */
export function jitEach(obj: BpfObject, progs: readonly BpfProgram[], profile: JitProfile): JitOutcome[] {
  const model = new KernelModel();
  const opts = analysisOptionsFor(profile);
  const analysed = new Map(obj.programs.map((p) => [p.name, analyzeProgram(obj, p, opts)]));
  const images = [...analysed.values()].flatMap((r) => (r.ok ? [r.value] : []));
  const loaded = model.loadObject(obj, images);
  const priv = new PrivStackAllocator(model.space);
  const out: JitOutcome[] = [];
  for (const program of progs) {
    const a = analysed.get(program.name);
    if (a && !a.ok) {
      out.push({ program, error: a.error });
      continue;
    }
    const n = loaded.programs.findIndex((p) => p.name === program.name);
    const lp = loaded.programs[n];
    if (!lp) continue;
    const env = jitEnvFor(loaded, lp, priv);
    const jit = profile.arch === 'riscv64' ? compileRiscv(lp.image, profile, env) : compileX86(lp.image, profile, env);
    if (!jit.ok) {
      out.push({ program, error: jit.error });
      continue;
    }
    const placed = placeInTextSlot(jit.value.funcs, n, lp.program.name);
    if (!placed.ok) {
      out.push({ program, error: placed.error });
      continue;
    }
    const funcAddrs = placed.value.funcAddrs;
    const linked = linkImage(jit.value, layoutPlacement(funcAddrs));
    if (!linked.ok) out.push({ program, error: linked.error });
    else out.push({ program: lp.program, jit: jit.value, funcAddrs, code: linked.value });
  }
  if (profile.arch === 'x86_64')
    armLoadTimePokes(
      loaded,
      out.filter((o): o is LinkedProgram => !isJitFailure(o)),
    );
  return out;
}

/**
 * The load-time state of direct tail-call sites, as bpftool shows it: libbpf fills the
 * prog_array slots of static initialisers after every program loaded
 * (bpf_object__init_prog_arrays), and each update runs the kernel's poke descriptors
 * (prog_array_map_poke_run), so a site whose slot holds a program is armed. The same
 * state machine as a run (src/kernel/pokes) patches the dumped bytes. A slot's program is
 * placed at its load slot's address whether or not this dump shows it.
 */
function armLoadTimePokes(loaded: LoadedObject, jited: readonly LinkedProgram[]): void {
  const poker = new ArrayTextPoker();
  const placed: PlacedPoke[] = [];
  for (const j of jited) {
    j.code.forEach((c, i) => poker.place(j.funcAddrs[i]!, c));
    for (const d of j.jit.pokes) {
      const map = loaded.maps[d.mapIndex];
      if (map) placed.push({ prog: j.program.name, desc: d, funcAddr: j.funcAddrs[d.func]!, mapId: map.id });
    }
  }
  if (placed.length === 0) return;
  const entryOf = (p: KernelProgram | null): bigint | null => {
    const n = p ? loaded.programs.indexOf(p) : -1;
    return n < 0 ? null : textSlotBase(n);
  };
  // Nothing runs during a load: grace periods end at once.
  new PokeStateMachine(poker, { cpusInsideBpf: () => [] }).track(placed, (mapId, key) => {
    const map = loaded.maps.find((q) => q?.id === mapId);
    return map instanceof ProgArrayMap ? entryOf((map as ProgArrayMap<KernelProgram>).get(key)) : null;
  });
}
