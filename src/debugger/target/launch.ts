// Launch: object -> kernel model (every autoload program analysed and loaded, as libbpf
// and the kernel would; prog_array initialisers applied) -> JITed target on a Machine ->
// `--map-update` swaps (through the poke state machine, like any later update). x86-64 or
// RISC-V 64 (--arch riscv64, its profiles).
import { type Result, err, ok } from '../../common/diag.ts';
import { analyzeLoadable } from '../../analysis/index.ts';
import { chooseProgram } from '../../object/index.ts';
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

/** The program to debug: --prog, else the object's entry program (object/entryProgram.ts). */
export function pickEntry(obj: BpfObject, name?: string): Result<string> {
  const p = chooseProgram(obj, name);
  return p.ok ? ok(p.value.name) : p;
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
  const loadable = analyzeLoadable(obj, entryName.value, analysis);
  if (!loadable.ok) return loadable;
  const images = loadable.value;
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
