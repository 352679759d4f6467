// Launch, for the debugger and for recording alike: engine (x86-64, or RISC-V 64 with
// --arch riscv64) -> main object loaded (every autoload program analysed and JITed as
// libbpf and the kernel would; prog_array initialisers applied) -> `--map-update` swaps
// (through the poke state machine, like any later update) -> the setup steps in order
// (`--load`, `--attach`, `--pin`, `--map-update`: objects.ts) -> the DebugTarget.
// A recording passes hooks: the kernel model's nondeterministic source, and the machine
// the target drives (its TracingMachine), set before anything loads.
import { type Result, err, ok } from '../../common/diag.ts';
import { chooseProgram } from '../../object/index.ts';
import type { NondetSource } from '../../kernel/index.ts';
import type { JitEngine } from '../../engine/jitEngine.ts';
import { X86Engine } from '../../engine/x86Engine.ts';
import { loadCapstone } from '../../machine/capstone.ts';
import { RiscvEngine } from '../../engine/riscvEngine.ts';
import type { BpfObject } from '../../object/types.ts';
import type { DebugTarget } from './debugTarget.ts';
import type { JitTargetOptions } from './jitTarget.ts';
import { TargetObjects } from './objects.ts';
import { fileSource, type ObjectSource } from './objectSource.ts';
import { describeStep, type SetupStep } from './setup.ts';
import { x86Target } from './x86Target.ts';
import { riscvTarget } from './riscvTarget.ts';
import { profileFor } from '../../jit/profileFor.ts';

export interface LaunchOptions {
  prog?: string;
  arch?: 'x86_64' | 'riscv64';
  profile?: string;
  mapUpdates?: { map: string; key: number; prog: string }[];
  /** After the main object and `mapUpdates`, in order: more objects, links, pins, updates. */
  setup?: SetupStep[];
  /** Where the object files of setup steps and `load` commands come from (default: the file system). */
  source?: ObjectSource;
}

export interface LaunchHooks {
  /** The kernel model's nondeterministic values, clock start and CPU (a recording fixes them). */
  engine?: { nondet?: NondetSource; clockStart?: bigint; cpu?: number };
  /** Called once the engine exists, before any object loads: the machine the target drives. */
  onEngine?: (eng: JitEngine) => JitTargetOptions;
}

/** The program to debug: --prog, else the object's entry program (object/entryProgram.ts). */
export function pickEntry(obj: BpfObject, name?: string): Result<string> {
  const p = chooseProgram(obj, name);
  return p.ok ? ok(p.value.name) : p;
}

export async function launchTarget(obj: BpfObject, opts: LaunchOptions = {}, hooks: LaunchHooks = {}): Promise<Result<DebugTarget>> {
  // The target's Disassembler and the machine's block counter and watchpoints decode with Capstone.
  await loadCapstone();
  const arch = opts.arch ?? 'x86_64';
  const profile = profileFor(arch, opts.profile);
  if (!profile.ok) return profile;
  const entryName = pickEntry(obj, opts.prog);
  if (!entryName.ok) return entryName;
  const engOpts = { profile: profile.value, ...hooks.engine };
  const eng = arch === 'riscv64' ? await RiscvEngine.create(engOpts) : await X86Engine.create(engOpts);
  const r = setUp(eng, obj, entryName.value, opts, hooks);
  if (!r.ok) eng.close();
  return r;
}

function setUp(eng: JitEngine, obj: BpfObject, entryName: string, opts: LaunchOptions, hooks: LaunchHooks): Result<DebugTarget> {
  const tOpts = hooks.onEngine?.(eng) ?? {};
  const objects = new TargetObjects(eng, opts.source ?? fileSource);
  const main = objects.loadMain(obj, eng.profile, entryName);
  if (!main.ok) return main;
  objects.launchNotes.push(...main.value.notes);
  const entry = main.value.object.programs.find((p) => p.name === entryName);
  if (!entry) return err('debug.no-entry', `program ${entryName} was not JITed`);
  const t = eng instanceof X86Engine ? x86Target(eng, objects, entry, tOpts) : riscvTarget(eng as RiscvEngine, objects, entry, tOpts);
  if (!t.ok) return t;
  for (const u of opts.mapUpdates ?? []) {
    const map = objects.findMap(u.map);
    if (!map.ok) return map;
    const prog = objects.findProgram(u.prog);
    if (!prog.ok) return prog;
    const rc = objects.updateProgArray(map.value, u.key, prog.value);
    if (rc !== 0) return err('debug.map-update', `--map-update ${u.map}:${u.key}=${u.prog} failed (error ${-rc})`);
  }
  for (const step of opts.setup ?? []) {
    const r = objects.apply(step, eng.profile);
    if (!r.ok) return err(r.error.code, `${describeStep(step)}: ${r.error.message}`, r.error.place);
    objects.launchNotes.push(...r.value);
  }
  return t;
}
