// Loading an object into a session (objects.ts): analysis of its programs (a skeleton's
// autoload choices), maps (reusing pinned ones, pinning new ones: bpf_object__create_maps),
// JIT and placement on the engine, and the attach targets of its tracing and freplace
// programs, fixed at load as bpf_program__set_attach_target + bpf_check_attach_target do:
// given explicitly, or FUNC from `SEC("fentry/FUNC")` in the one loaded program that has
// FUNC. Targets are checked before anything reaches the engine, so a bad one fails the load.
import { type Result, err, ok } from '../../common/diag.ts';
import { analyzeProgram, type ProgramImage } from '../../analysis/index.ts';
import { analysisOptionsFor } from '../../jit/profiles.ts';
import type { JitProfile } from '../../jit/types.ts';
import type { BpfMap } from '../../kernel/index.ts';
import { Attacher } from '../../engine/attach.ts';
import type { JitEngine } from '../../engine/jitEngine.ts';
import { loadObject } from '../../object/index.ts';
import type { BpfObject } from '../../object/types.ts';
import { BPFFS } from '../commands/setupSpec.ts';
import type { DebugProgram } from './loadedProgram.ts';
import type { ObjectSource } from './objectSource.ts';
import type { ObjectsState, SessionObject } from './objectsState.ts';
import type { SetupStep, TargetRef } from './setup.ts';

/** What loading needs of the session's objects (TargetObjects, objects.ts, is the one). */
export interface ObjectStore {
  readonly eng: JitEngine;
  readonly source: ObjectSource;
  readonly attacher: Attacher;
  readonly state: ObjectsState;
  readonly programs: readonly DebugProgram[];
  displayName(p: DebugProgram): string;
  findProgram(ref: string, scope?: SessionObject | null): Result<DebugProgram>;
}

type LoadStep = Extract<SetupStep, { op: 'load' }>;
const fail = <T>(code: string, message: string): Result<T> => err(code, message);

/** Reads `spec.file` through the session's object source, then loadParsed. */
export function loadFile(o: ObjectStore, spec: LoadStep, profile: JitProfile): Result<{ object: SessionObject; notes: string[] }> {
  const bytes = o.source.read(spec.file);
  if (!bytes.ok) return bytes;
  const parsed = loadObject(bytes.value, spec.file);
  if (!parsed.ok) return parsed;
  return loadParsed(o, parsed.value, spec, profile);
}

/** Loads a parsed object; `entry` is loaded even when `?`-prefixed (the program a run starts in). */
export function loadParsed(
  o: ObjectStore,
  obj: BpfObject,
  spec: LoadStep,
  profile: JitProfile,
  entry?: string,
): Result<{ object: SessionObject; notes: string[] }> {
  const name = objectName(o, obj, spec.name);
  if (!name.ok) return name;
  const notes: string[] = [];
  const named = new Set<string>([
    ...(spec.programs ?? []),
    ...(spec.targets ?? []).map((t) => t.prog),
    ...(Array.isArray(spec.attach) ? spec.attach : []),
    ...(entry ? [entry] : []),
  ]);
  for (const n of named) {
    if (!obj.programs.some((p) => p.name === n))
      return fail('debug.no-such-prog', `no program '${n}' in ${spec.file} (programs: ${obj.programs.map((p) => p.name).join(', ')})`);
  }
  const wanted = spec.programs ? obj.programs.filter((p) => named.has(p.name)) : obj.programs.filter((p) => p.autoload || named.has(p.name));
  const images: ProgramImage[] = [];
  for (const p of wanted) {
    const a = analyzeProgram(obj, p, analysisOptionsFor(profile));
    if (a.ok) images.push(a.value);
    else if (named.has(p.name)) return a;
    else notes.push(`${name.value}: ${p.name} not loaded: ${a.error.message}`);
  }
  // Targets are checked before anything reaches the engine: a bad one fails the load.
  const targets = new Map<string, { prog: DebugProgram; func: string }>();
  for (const t of spec.targets ?? []) {
    const r = targetOf(o, t.target);
    if (!r.ok) return r;
    targets.set(t.prog, r.value);
  }
  const reuseMaps = new Map<string, BpfMap>();
  const pinAfter: { map: string; path: string }[] = [];
  // LIBBPF_PIN_BY_NAME: the pin path is <bpffs>/<map name> unless one was set.
  const byName = obj.maps.filter((m) => m.pinning === 1 && !spec.reuse?.some((r) => r.map === m.name)).map((m) => ({ map: m.name, path: `${BPFFS}${m.name}` }));
  for (const r of [...(spec.reuse ?? []), ...byName]) {
    const def = obj.maps.find((m) => m.name === r.map);
    if (!def) return fail('debug.no-such-map', `--reuse-map ${r.map}: no map '${r.map}' in ${spec.file}`);
    const pinned = o.state.pins.get(r.path);
    if (!pinned) {
      pinAfter.push(r);
      continue;
    }
    const d = pinned.def;
    // libbpf map_is_reuse_compat
    if (d.type !== def.type || d.keySize !== def.keySize || d.valueSize !== def.valueSize || d.maxEntries !== def.maxEntries || d.flags !== def.flags)
      return fail('debug.reuse-mismatch', `couldn't reuse pinned map at '${r.path}': parameter mismatch with ${r.map} of ${spec.file} (EINVAL)`);
    reuseMaps.set(r.map, pinned);
  }
  const loaded = o.eng.loadObject(obj, images, { reuseMaps });
  if (!loaded.ok) return loaded;
  const programs: DebugProgram[] = loaded.value.programs.map((kp) => {
    const jp = o.eng.jited(kp)!;
    return { name: kp.name, object: name.value, kernel: kp, image: kp.image, jit: jp.jit, funcBases: jp.funcBases, progStruct: kp.structAddr };
  });
  const so: SessionObject = { name: name.value, path: spec.file, loaded: loaded.value, programs };
  o.state.loadedObjects.push(so);
  for (const r of pinAfter) {
    const m = loaded.value.maps.find((q) => q?.name === r.map)!;
    o.state.pins.set(r.path, m);
    notes.push(`Pinned map ${so.name}:${r.map} at ${r.path}`);
  }
  for (const p of programs) {
    const kind = Attacher.kindOf(p.kernel);
    if (kind === undefined || kind === 'other') continue;
    const explicit = targets.get(p.name);
    const r = explicit ? setTarget(o, p, explicit.prog, explicit.func) : targetFromSection(o, p);
    if (!r.ok) return r;
  }
  return ok({ object: so, notes });
}

/** libbpf's object name, made unique in the session (`.2`, `.3` ...) unless given. */
function objectName(o: ObjectStore, obj: BpfObject, given?: string): Result<string> {
  const taken = (n: string): boolean => o.state.loadedObjects.some((q) => q.name === n);
  if (given !== undefined) return taken(given) ? fail('debug.object-name', `an object named '${given}' is loaded already`) : ok(given);
  if (!taken(obj.name)) return ok(obj.name);
  for (let k = 2; ; k++) if (!taken(`${obj.name}.${k}`)) return ok(`${obj.name}.${k}`);
}

/** A target function that exists. */
export function targetOf(o: ObjectStore, t: TargetRef): Result<{ prog: DebugProgram; func: string }> {
  const p = o.findProgram(t.prog);
  if (!p.ok) return p;
  if (!p.value.jit.funcs.some((f) => f.name === t.func))
    return fail('debug.no-such-func', `${t.prog} has no function '${t.func}' (functions: ${p.value.jit.funcs.map((f) => f.name).join(', ')})`);
  return ok({ prog: p.value, func: t.func });
}

/** bpf_program__set_attach_target + the load-time checks (the Attacher's). */
export function setTarget(o: ObjectStore, p: DebugProgram, tgt: DebugProgram, func: string): Result<void> {
  const r = o.attacher.setAttachTarget(p.kernel, tgt.kernel, func);
  if (!r.ok) return r;
  o.state.noTarget.delete(p.kernel);
  return ok(undefined);
}

/** `fentry/FUNC`: the one program of the other loaded objects with a function FUNC (a target is loaded before its tracer). */
function targetFromSection(o: ObjectStore, p: DebugProgram): Result<void> {
  const func = p.kernel.program.attach?.target;
  if (!func) {
    o.state.noTarget.set(p.kernel, `${p.name} (section ${p.kernel.program.section}) names no target function: give one (PROG:FUNC)`);
    return ok(undefined);
  }
  const cands = o.programs.filter((q) => q.object !== p.object && q.jit.funcs.some((f) => f.name === func));
  if (cands.length === 1) return setTarget(o, p, cands[0]!, func);
  o.state.noTarget.set(
    p.kernel,
    cands.length === 0
      ? `${func} (from section ${p.kernel.program.section}) is in no loaded BPF program: a kernel function, not modelled here`
      : `${func} (from section ${p.kernel.program.section}) is in ${cands.map((q) => o.displayName(q)).join(' and ')}: give the target as ${p.name}=PROG:${func}`,
  );
  return ok(undefined);
}
