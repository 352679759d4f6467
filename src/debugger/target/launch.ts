// Launch: object -> kernel model (every autoload program analysed and loaded, as libbpf
// and the kernel would; prog_array initialisers applied) -> JITed target on a Machine ->
// `--map-update` swaps (through the poke state machine, like any later update). x86-64 or
// RISC-V 64 (--arch riscv64, its profiles).
import { type Result, err, ok } from '../../common/diag.ts';
import { analyzeProgram, type ProgramImage } from '../../analysis/index.ts';
import { analysisOptionsFor, DEFAULT_X86_PROFILE, findProfile } from '../../jit/profiles.ts';
import { X86Engine } from '../../machine/x86Engine.ts';
import { RiscvEngine } from '../../machine/riscvEngine.ts';
import { RV_UPSTREAM, rvProfileByName } from '../../jit/riscv64/index.ts';
import type { BpfObject } from '../../object/types.ts';
import type { DebugTarget } from './debugTarget.ts';
import { x86Target } from './x86Target.ts';
import { riscvTarget } from './riscvTarget.ts';

export interface LaunchOptions {
  prog?: string;
  arch?: 'x86_64' | 'riscv64';
  profile?: string;
  mapUpdates?: { map: string; key: number; prog: string }[];
}

/** The program to debug: --prog, else `entry`, else the first autoload program no prog_array targets. */
export function pickEntry(obj: BpfObject, name?: string): Result<string> {
  if (name !== undefined) {
    if (!obj.programs.some((p) => p.name === name))
      return err('debug.no-such-prog', `no program '${name}' in ${obj.path} (programs: ${obj.programs.map((q) => q.name).join(', ')})`);
    return ok(name);
  }
  if (obj.programs.length === 0) return err('debug.no-programs', `${obj.path} has no BPF programs`);
  const targets = new Set(obj.maps.flatMap((m) => (m.initSlots ?? []).map((s) => s.prog)));
  const p = obj.programs.find((q) => q.name === 'entry') ?? obj.programs.find((q) => q.autoload && !targets.has(q.name)) ?? obj.programs[0]!;
  return ok(p.name);
}

export async function launchTarget(obj: BpfObject, opts: LaunchOptions = {}): Promise<Result<DebugTarget>> {
  const arch = opts.arch ?? 'x86_64';
  const profile = arch === 'riscv64'
    ? (opts.profile === undefined ? RV_UPSTREAM : rvProfileByName(opts.profile))
    : (opts.profile === undefined ? DEFAULT_X86_PROFILE : findProfile(opts.profile));
  if (!profile) return err('debug.bad-profile', `unknown ${arch} profile '${opts.profile}'`);
  const entryName = pickEntry(obj, opts.prog);
  if (!entryName.ok) return entryName;
  const analysis = analysisOptionsFor(profile);
  const images: ProgramImage[] = [];
  for (const p of obj.programs) {
    if (!p.autoload && p.name !== entryName.value) continue;
    const r = analyzeProgram(obj, p, analysis);
    if (!r.ok) {
      if (p.name === entryName.value) return r;
      continue; // a program the verifier rejects only matters when it is the one debugged
    }
    images.push(r.value);
  }
  const eng = arch === 'riscv64' ? await RiscvEngine.create({ profile }) : await X86Engine.create({ profile });
  const loaded = eng.loadObject(obj, images);
  if (!loaded.ok) {
    eng.close();
    return loaded;
  }
  const model = eng.model;
  const t = eng instanceof X86Engine ? x86Target(eng, loaded.value, entryName.value) : riscvTarget(eng as RiscvEngine, loaded.value, entryName.value);
  if (!t.ok) {
    eng.close();
    return t;
  }
  for (const u of opts.mapUpdates ?? []) {
    const map = model.findMap(u.map, loaded.value.name);
    if (!map.ok) return map;
    const prog = model.findProgram(u.prog, loaded.value.name);
    if (!prog.ok) return prog;
    const rc = model.updateProgArray(map.value, u.key, prog.value);
    if (rc !== 0) return err('debug.map-update', `--map-update ${u.map}:${u.key}=${u.prog} failed (error ${-rc})`);
  }
  return t;
}
