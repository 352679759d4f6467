// The objects of one debugging session on a JIT engine, as libbpf and the kernel keep them:
// every object loaded (the main one first), the links of attached fentry / fexit /
// fmod_ret / freplace programs (machine/attach.ts's Attacher does the kernel's part), and
// the BPF file system's pinned maps. Names resolve across objects (`[OBJ:]NAME`): the
// object of the current frame first, then the main object, else the one object that has
// the name; two others having it is an error that says how to qualify it.
//
// libbpf/kernel behaviours modelled:
//  - a load analyses and JITs every autoload program (a skeleton's autoload choices with a
//    program list); a program the verifier rejects fails the load only when it was asked
//    for by name, as the entry program, or to be attached;
//  - the attach target of a tracing program is fixed at load (bpf_program__set_attach_target
//    + bpf_check_attach_target): given explicitly, or FUNC from its section
//    (`fentry/FUNC`) in the one loaded program that has FUNC; freplace programs may take
//    another target at attach time (bpf_tracing_prog_attach with a target fd);
//  - a pin path (bpf_map__set_pin_path before load, or `__uint(pinning,
//    LIBBPF_PIN_BY_NAME)`: <bpffs>/<map name>) reuses the map pinned there when it is
//    compatible (map_is_reuse_compat: type, key/value size, max_entries, flags) and pins
//    the new one when nothing is pinned there yet (bpf_object__create_maps);
//  - prog_array updates from user space go through the Attacher's 6.13+ freplace checks.
// Reverse execution restores `state` (objects, links, pins) with the Attacher and the
// engine; addresses are never reused, so a re-load after going back gets fresh ones.
import { type Result, err, ok } from '../../common/diag.ts';
import type { JitProfile } from '../../jit/types.ts';
import type { BpfMap, KernelProgram } from '../../kernel/index.ts';
import { errnoName } from '../../kernel/index.ts';
import { ArrayMap } from '../../kernel/maps/array.ts';
import { Attacher } from '../../engine/attach.ts';
import type { JitEngine } from '../../engine/jitEngine.ts';
import type { BpfObject } from '../../object/types.ts';
import { AddressIndex } from './addressIndex.ts';
import type { DebugProgram } from './loadedProgram.ts';
import { loadFile, loadParsed, setTarget, targetOf, type ObjectStore } from './objectLoad.ts';
import type { ObjectsState, SessionLink, SessionObject } from './objectsState.ts';
import { fileSource, type ObjectSource } from './objectSource.ts';
import type { SetupStep, TargetRef } from './setup.ts';
import { trampolineSymbol, TrampolineImages, type TraceTarget, type TrampolineInfo } from './trampolines.ts';

export { fileSource, type ObjectSource } from './objectSource.ts';
export type { TrampolineInfo } from './trampolines.ts';
export type { SessionObject, SessionLink } from './objectsState.ts';

const fail = <T>(code: string, message: string, program?: string): Result<T> => err(code, message, program ? { program } : {});

export class TargetObjects implements ObjectStore {
  readonly attacher: Attacher;
  readonly state: ObjectsState = { loadedObjects: [], links: [], pins: new Map(), noTarget: new Map() };
  /** Every trampoline image built (not restored: pages are never reused). */
  private readonly images: TrampolineImages;
  /** What loading and attaching at launch had to say (shown when the session starts). */
  readonly launchNotes: string[] = [];
  private cache: { sig: string; programs: DebugProgram[]; index: AddressIndex } | null = null;

  constructor(
    readonly eng: JitEngine,
    readonly source: ObjectSource = fileSource,
  ) {
    this.attacher = new Attacher(eng);
    this.images = new TrampolineImages(this.attacher);
  }

  get main(): SessionObject {
    return this.state.loadedObjects[0]!;
  }

  get objects(): readonly SessionObject[] {
    return this.state.loadedObjects;
  }

  get links(): readonly SessionLink[] {
    return this.state.links;
  }

  get pins(): ReadonlyMap<string, BpfMap> {
    return this.state.pins;
  }

  /** Changes whenever the set of loaded programs does (the Session rebuilds what it derives). */
  get signature(): string {
    return this.state.loadedObjects.map((o) => `${o.name}:${o.programs.map((p) => p.kernel.id).join(',')}`).join(';');
  }

  private derived(): { programs: DebugProgram[]; index: AddressIndex } {
    const sig = this.signature;
    if (this.cache?.sig !== sig) {
      const programs = this.state.loadedObjects.flatMap((o) => o.programs);
      this.cache = { sig, programs, index: new AddressIndex(programs) };
    }
    return this.cache;
  }

  get programs(): readonly DebugProgram[] {
    return this.derived().programs;
  }

  get index(): AddressIndex {
    return this.derived().index;
  }

  objectOf(p: DebugProgram): SessionObject | undefined {
    return this.state.loadedObjects.find((o) => o.programs.includes(p));
  }

  /** `name`, or `OBJ:name` when another object has a program of that name. */
  displayName(p: DebugProgram): string {
    return this.programs.filter((q) => q.name === p.name).length > 1 ? `${p.object}:${p.name}` : p.name;
  }

  // ---------------------------------------------------------------- names

  private objectNamed(name: string): Result<SessionObject> {
    const o = this.state.loadedObjects.find((q) => q.name === name);
    return o ? ok(o) : fail('debug.no-such-object', `no object '${name}' (objects: ${this.state.loadedObjects.map((q) => q.name).join(', ')})`);
  }

  /**
   * One thing of a kind among the objects: `OBJ:NAME`, or NAME in the scope object, the
   * main object, or the single object that has it.
   */
  private resolve<T>(
    ref: string,
    kind: string,
    scope: SessionObject | null,
    find: (o: SessionObject, name: string) => T | undefined,
    same = (a: T, b: T) => a === b,
  ): Result<T> {
    const colon = ref.indexOf(':');
    if (colon > 0) {
      const o = this.objectNamed(ref.slice(0, colon));
      if (!o.ok) return o;
      const v = find(o.value, ref.slice(colon + 1));
      return v !== undefined
        ? ok(v)
        : fail(`debug.no-such-${kind === 'program' ? 'prog' : kind}`, `no ${kind} '${ref.slice(colon + 1)}' in object ${o.value.name}`);
    }
    for (const o of [scope, this.state.loadedObjects[0]]) {
      const v = o ? find(o, ref) : undefined;
      if (v !== undefined) return ok(v);
    }
    const hits: { o: SessionObject; v: T }[] = [];
    for (const o of this.state.loadedObjects) {
      const v = find(o, ref);
      if (v !== undefined && !hits.some((h) => same(h.v, v))) hits.push({ o, v });
    }
    if (hits.length === 1) return ok(hits[0]!.v);
    if (hits.length > 1)
      return fail(
        'debug.ambiguous',
        `${kind} '${ref}' is in ${hits.map((h) => h.o.name).join(' and ')}: say ${hits.map((h) => `${h.o.name}:${ref}`).join(' or ')}`,
      );
    return fail(`debug.no-such-${kind === 'program' ? 'prog' : kind}`, `no ${kind} '${ref}'`);
  }

  findProgram(ref: string, scope: SessionObject | null = null): Result<DebugProgram> {
    return this.resolve(ref, 'program', scope, (o, n) => o.programs.find((p) => p.name === n));
  }

  /** A program by name, or the program holding a function of that name (`break subprog_tail`). */
  findCode(ref: string, scope: SessionObject | null = null): Result<DebugProgram> {
    const p = this.findProgram(ref, scope);
    if (p.ok || p.error.code !== 'debug.no-such-prog') return p;
    const f = this.resolve(ref, 'function', scope, (o, n) => o.programs.find((q) => q.jit.funcs.some((fn) => fn.name === n)));
    return f.ok || f.error.code === 'debug.ambiguous' ? f : p;
  }

  findMap(ref: string, scope: SessionObject | null = null): Result<BpfMap> {
    return this.resolve(ref, 'map', scope, (o, n) => o.loaded.maps.find((m) => m?.name === n));
  }

  /** A global variable: the map holding it and where. */
  findGlobal(ref: string, scope: SessionObject | null = null): Result<{ map: ArrayMap; off: number; size: number; object: SessionObject }> {
    return this.resolve(
      ref,
      'global',
      scope,
      (o, n) => {
        const g = o.loaded.object.globals.find((v) => v.name === n);
        const m = g && o.loaded.maps[g.mapIndex];
        return g && m instanceof ArrayMap ? { map: m, off: g.offset, size: g.size, object: o } : undefined;
      },
      (a, b) => a.map === b.map && a.off === b.off,
    );
  }

  /** Every map once (a reused map belongs to the object that created it), with its object. */
  allMaps(): { object: SessionObject; map: BpfMap }[] {
    const seen = new Set<BpfMap>();
    const out: { object: SessionObject; map: BpfMap }[] = [];
    for (const o of this.state.loadedObjects)
      for (const m of o.loaded.maps) {
        if (!m || seen.has(m)) continue;
        seen.add(m);
        out.push({ object: o, map: m });
      }
    return out;
  }

  /** The object that owns `map` (first to have it), for display. */
  ownerOf(map: BpfMap): SessionObject | undefined {
    return this.state.loadedObjects.find((o) => o.loaded.maps.includes(map));
  }

  /** `name`, or `OBJ:name` when another map of that name exists. */
  mapDisplayName(map: BpfMap): string {
    const all = this.allMaps();
    const o = all.find((x) => x.map === map)?.object;
    return all.filter((x) => x.map.name === map.name).length > 1 && o ? `${o.name}:${map.name}` : map.name;
  }

  // ---------------------------------------------------------------- setup steps

  /** Applies one setup step; returns lines worth telling the user. */
  apply(step: SetupStep, profileName: JitProfile, scope: SessionObject | null = null): Result<string[]> {
    switch (step.op) {
      case 'load': {
        const r = loadFile(this, step, profileName);
        if (!r.ok) return r;
        const so = r.value.object;
        const mapNames = so.loaded.maps.filter((m) => m !== undefined).map((m) => m.name);
        const notes = [
          `Loaded ${so.name} from ${so.path}: programs ${so.programs.map((p) => p.name).join(', ') || '(none)'}${mapNames.length ? `; maps ${mapNames.join(', ')}` : ''}`,
          ...r.value.notes,
        ];
        const which =
          step.attach === 'all'
            ? r.value.object.programs
                .filter((p) => {
                  const k = Attacher.kindOf(p.kernel);
                  return k !== undefined && k !== 'other';
                })
                .map((p) => p.name)
            : (step.attach ?? []);
        if (step.attach === 'all' && which.length === 0)
          return fail('debug.nothing-to-attach', `${step.file}: no fentry, fexit, fmod_ret or freplace program to attach`);
        for (const name of which) {
          const a = this.attach(`${r.value.object.name}:${name}`);
          if (!a.ok) return a;
          notes.push(a.value);
        }
        return ok(notes);
      }
      case 'attach': {
        const a = this.attach(step.prog, step.target, scope);
        return a.ok ? ok([a.value]) : a;
      }
      case 'detach': {
        const d = this.detach(step, scope);
        return d.ok ? ok([d.value]) : d;
      }
      case 'mapUpdate': {
        const map = this.findMap(step.map, scope);
        if (!map.ok) return map;
        const prog = this.findProgram(step.prog, scope);
        if (!prog.ok) return prog;
        const rc = this.updateProgArray(map.value, step.key, prog.value);
        if (rc !== 0) return fail('debug.map-update', `${step.map}[${step.key}] = ${step.prog}: the update fails with ${errnoName(rc)}`);
        return ok([]);
      }
      case 'pin': {
        const map = this.findMap(step.map, scope);
        if (!map.ok) return map;
        if (this.state.pins.has(step.path)) return fail('debug.pin-exists', `${step.path} is pinned already (EEXIST)`);
        this.state.pins.set(step.path, map.value);
        return ok([`Pinned map ${this.mapDisplayName(map.value)} at ${step.path}`]);
      }
      case 'unpin': {
        if (!this.state.pins.delete(step.path)) return fail('debug.no-pin', `nothing is pinned at ${step.path} (ENOENT)`);
        return ok([`Unpinned ${step.path}`]);
      }
      case 'unload':
        return this.unload(step.object);
    }
  }

  /** prog_array update from user space (bpf_map_update_elem), with the 6.13+ freplace checks; 0 or -errno. */
  updateProgArray(map: BpfMap, key: number, prog: DebugProgram, flags = 0n): number {
    return this.attacher.updateProgArray(map, key, prog.kernel, flags);
  }

  // ---------------------------------------------------------------- links

  /** bpf_link_create for a tracing/freplace program; the message names what happened. */
  attach(ref: string, target?: TargetRef, scope: SessionObject | null = null): Result<string> {
    const pr = this.findProgram(ref, scope);
    if (!pr.ok) return pr;
    const p = pr.value;
    const kind = Attacher.kindOf(p.kernel);
    if (kind === undefined)
      return fail(
        'debug.not-attachable',
        `${this.displayName(p)} is a ${p.image.progType} program: only fentry, fexit, fmod_ret and freplace programs attach to BPF functions`,
        p.name,
      );
    if (kind === 'other')
      return fail(
        'attach.EOPNOTSUPP',
        `${this.displayName(p)} (${p.kernel.program.section}): only fentry/fexit/fmod_ret/freplace attach to BPF functions here (EOPNOTSUPP)`,
        p.name,
      );
    const current = this.attacher.attachTargetOf(p.kernel);
    if (target) {
      const t = targetOf(this, target);
      if (!t.ok) return t;
      const same = current && current.prog === t.value.prog.kernel && current.name === t.value.func;
      // bpf_tracing_prog_attach: only an EXT program takes a target fd at attach time.
      if (current && !same && kind !== 'freplace')
        return fail(
          'attach.EINVAL',
          `${this.displayName(p)} was loaded for ${current.name} of ${this.displayName(this.dbgOf(current.prog)!)}; only freplace programs take another target at attach (EINVAL)`,
          p.name,
        );
      if (!same) {
        const r = setTarget(this, p, t.value.prog, t.value.func);
        if (!r.ok) return r;
      }
    } else if (!current) {
      return fail('debug.no-target', `${this.displayName(p)} has no attach target: ${this.state.noTarget.get(p.kernel) ?? 'give one (PROG:FUNC)'}`, p.name);
    }
    const r = this.attacher.attach(p.kernel);
    if (!r.ok) return r;
    const at = r.value.target;
    const tp = this.dbgOf(at.prog)!;
    const link: SessionLink = { id: r.value.id, prog: p, kind, target: { prog: tp, funcIdx: at.func, func: at.name, addr: at.addr }, raw: r.value };
    this.state.links.push(link);
    this.noteImage(link.target);
    const where = `${at.name} of ${this.displayName(tp)}`;
    const how =
      kind === 'freplace'
        ? `replaces ${where} (jmp at 0x${at.addr.toString(16)})`
        : `runs ${kind === 'fentry' ? 'before' : kind === 'fexit' ? 'after' : 'as fmod_ret of'} ${where} (${kind}, trampoline ${trampolineSymbol(link.target)})`;
    return ok(`Link ${link.id}: ${this.displayName(p)} ${how}`);
  }

  /** The link of `prog` (or number `link`) goes: bpf_link release. */
  detach(step: Extract<SetupStep, { op: 'detach' }>, scope: SessionObject | null = null): Result<string> {
    let link: SessionLink | undefined;
    if (step.link !== undefined) {
      link = this.state.links.find((l) => l.id === step.link);
      if (!link) return fail('debug.no-link', `no link ${step.link} (info links lists them)`);
    } else {
      const p = this.findProgram(step.prog!, scope);
      if (!p.ok) return p;
      link = this.state.links.find((l) => l.prog === p.value);
      if (!link) return fail('debug.no-link', `${this.displayName(p.value)} is not attached`, p.value.name);
    }
    const r = this.attacher.detach(link.raw);
    if (!r.ok) return r;
    this.state.links.splice(this.state.links.indexOf(link), 1);
    this.noteImage(link.target);
    const verb = link.kind === 'freplace' ? 'replaces' : link.kind === 'fentry' ? 'runs before' : link.kind === 'fexit' ? 'runs after' : 'runs as fmod_ret of';
    return ok(`Link ${link.id} detached: ${this.displayName(link.prog)} no longer ${verb} ${link.target.func} of ${this.displayName(link.target.prog)}`);
  }

  /** bpf_object__close: links of its programs go first (a skeleton's destroy); its sites stop being poked. */
  private unload(name: string): Result<string[]> {
    const o = this.objectNamed(name);
    if (!o.ok) return o;
    const so = o.value;
    if (so === this.main) return fail('debug.unload-main', `${so.name} is the session's main object: it cannot be unloaded`);
    const target = this.state.links.find((l) => l.target.prog.object === so.name && l.prog.object !== so.name);
    if (target) return fail('debug.unload-busy', `${this.displayName(target.target.prog)} of ${so.name} is the target of link ${target.id}: detach it first`);
    const notes: string[] = [];
    for (const l of this.state.links.filter((q) => q.prog.object === so.name)) {
      const d = this.detach({ op: 'detach', link: l.id });
      if (!d.ok) return d;
      notes.push(d.value);
    }
    const pokes = (this.eng as JitEngine & { pokes?: { untrack(name: string): void } }).pokes;
    for (const p of so.programs) {
      if (this.programs.some((q) => q !== p && q.name === p.name && q.object !== so.name))
        return fail(
          'debug.unload-name',
          `cannot unload ${so.name}: its program ${p.name} shares its name with ${this.programs
            .filter((q) => q.name === p.name && q !== p)
            .map((q) => q.object)
            .join(', ')} (the poke state machine tracks sites by program name)`,
        );
    }
    for (const p of so.programs) pokes?.untrack(p.name);
    for (const [path, m] of this.state.pins)
      if (so.loaded.maps.includes(m) && this.state.loadedObjects.filter((q) => q.loaded.maps.includes(m)).length === 1)
        notes.push(`${path} stays pinned (the pin holds map ${m.name})`);
    this.state.loadedObjects.splice(this.state.loadedObjects.indexOf(so), 1);
    notes.push(`Unloaded ${so.name}`);
    return ok(notes);
  }

  dbgOf(kp: KernelProgram): DebugProgram | undefined {
    for (const o of this.state.loadedObjects) for (const p of o.programs) if (p.kernel === kp) return p;
    return undefined;
  }

  /** Loads a parsed object (the main one at launch; `entry` loads even if `?`-prefixed). */
  loadMain(obj: BpfObject, profile: JitProfile, entry: string): Result<{ object: SessionObject; notes: string[] }> {
    return loadParsed(this, obj, { op: 'load', file: obj.path }, profile, entry);
  }

  /** Records the image the Attacher now has at `target`, with the programs linked there. */
  private noteImage(target: TraceTarget): void {
    const on = this.state.links.filter((l) => l.target.prog === target.prog && l.target.funcIdx === target.funcIdx);
    this.images.note(
      target,
      on.map((l) => ({ kind: l.kind, name: this.displayName(l.prog) })),
    );
  }

  /** The trampoline image holding `addr`, if any. */
  trampolineAt(addr: bigint): TrampolineInfo | null {
    return this.images.at(addr);
  }

  /** The live trampoline of a traced function, if programs are attached there. */
  liveTrampoline(target: TraceTarget): TrampolineInfo | null {
    return this.images.liveOf(target);
  }

  /** Objects whose JS state reverse execution restores. */
  stateRoots(): object[] {
    return [this.state, this.attacher];
  }
}
