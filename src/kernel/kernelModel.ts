// The kernel a program runs in: guest address space, maps (from each object's MapDefs,
// with global-data initial values and prog_array static initialisers), loaded programs
// with synthesized struct bpf_prog, virtual clock and timers, trace output, CPU. Every
// engine (the interpreter here, the JIT engines in machine/) runs against one KernelModel.
import type { BpfObject, BpfProgram, MapDef } from '../object/types.ts';
import type { ProgramImage } from '../analysis/types.ts';
import type { BpfCaller, InterpEnv, InterpProgram } from '../bpf/interpreter.ts';
import { BPF_PROG_BPF_FUNC_OFF, BPF_PROG_STRUCT_SIZE } from '../common/kernelStructs.ts';
import { KSTACK_BASE, KSTACK_SIZE, NR_CPUS, PROG_STRUCT_BASE } from '../common/layout.ts';
import { type Diag, type Result, err, ok } from '../common/diag.ts';
import { AddressSpace, type Allocator } from './addressSpace.ts';
import { MapPlacer, type BpfMap, keyBytes } from './maps/base.ts';
import { createMap } from './maps/createMap.ts';
import { ArrayMap } from './maps/array.ts';
import { ProgArrayMap, type ProgArrayListener, type ProgRef } from './maps/progArray.ts';
import { callKfunc } from './kfuncs.ts';
import { callHelper, type HelperContext, TimerTable, skbLoadBe } from './helpers/index.ts';
import type { TimerState } from './helpers/timerTable.ts';
import { type NondetSource, SeededNondet } from './nondet.ts';
import { DEFAULT_KERNEL_LAYOUT, type KernelLayout } from '../analysis/kernelLayout.ts';
import { SCRATCH_BASE, SCRATCH_SIZE, mapCtxRegions } from './ctx.ts';
import { mapOpFailed, unknownGlobal, unknownMap, unknownProgram } from './errors.ts';
import { mapPerCpuStatics } from './perCpu.ts';
import { thisCpuOff } from './privStack.ts';

export interface KernelProgram extends ProgRef {
  readonly id: number;
  readonly name: string;
  readonly object: LoadedObject;
  readonly program: BpfProgram;
  readonly image: ProgramImage;
  /** Guest address of the synthesized struct bpf_prog. */
  readonly structAddr: bigint;
}

export interface LoadedObject {
  readonly id: number;
  readonly name: string;
  readonly object: BpfObject;
  /** By MapDef.index (LD_IMM64 pseudo map imm). */
  readonly maps: BpfMap[];
  readonly programs: KernelProgram[];
}

export interface KernelModelOptions {
  allocator?: Allocator;
  nondet?: NondetSource;
  /** CPU programs run on (0..NR_CPUS-1). */
  cpu?: number;
  /** Virtual clock start (ns). */
  clockStart?: bigint;
  /** Budget of guest memory for all maps (bytes; maps/limits.ts DEFAULT_MAX_MAP_MEMORY). */
  maxMapMemory?: number;
  /** Kernel struct layout of ctx structures (default: the shipped 6.18.44 one). */
  layout?: KernelLayout;
}

const PROG_REGION_SLOTS = 256;

export class KernelModel {
  readonly space: AddressSpace;
  readonly placer: MapPlacer;
  readonly objects: LoadedObject[] = [];
  readonly nondet: NondetSource;
  readonly layout: KernelLayout;
  readonly timers = new TimerTable();
  /** bpf_trace_printk lines, in order. */
  readonly trace: string[] = [];
  cpu: number;
  clock: bigint;
  private mapsByAddr = new Map<bigint, BpfMap>();
  private progsByStruct = new Map<bigint, KernelProgram>();
  private progsByImage = new Map<InterpProgram, KernelProgram>();
  private progListeners: ProgArrayListener<KernelProgram>[] = [];
  private nextMapId = 1;
  private nextProgId = 1;
  private progRegionEnd = PROG_STRUCT_BASE;
  private progNext = PROG_STRUCT_BASE;
  private scratchNext = 0;

  constructor(opts: KernelModelOptions = {}) {
    this.space = new AddressSpace(opts.allocator);
    this.placer = new MapPlacer(this.space, opts.maxMapMemory);
    this.nondet = opts.nondet ?? new SeededNondet();
    this.layout = opts.layout ?? DEFAULT_KERNEL_LAYOUT;
    this.cpu = opts.cpu ?? 0;
    this.clock = opts.clockStart ?? 1_000_000_000n;
    for (let c = 0; c < NR_CPUS; c++) this.space.map(`kernel stack cpu${c}`, KSTACK_BASE + BigInt(c) * KSTACK_SIZE, Number(KSTACK_SIZE));
    mapCtxRegions(this.space);
    mapPerCpuStatics(this.space);
  }

  /** Top of `cpu`'s kernel stack: R10 of the interpreter's first frame. */
  stackTop(cpu = this.cpu): bigint {
    return KSTACK_BASE + BigInt(cpu + 1) * KSTACK_SIZE;
  }

  /**
   * Loads an object: creates its maps, then its programs (one ProgramImage each, from the
   * analysis layer), then fills prog_array static initialisers (`__array(values, ...)`).
   */
  loadObject(object: BpfObject, images: readonly ProgramImage[]): LoadedObject {
    const obj: LoadedObject = { id: this.objects.length, name: object.name, object, maps: [], programs: [] };
    for (const def of object.maps) obj.maps[def.index] = this.createMap(def);
    for (const image of images) obj.programs.push(this.addProgram(obj, image));
    this.objects.push(obj);
    for (const def of object.maps) {
      const m = obj.maps[def.index];
      if (!(m instanceof ProgArrayMap) || !def.initSlots) continue;
      for (const s of def.initSlots) {
        const p = obj.programs.find((q) => q.name === s.prog);
        if (p) (m as ProgArrayMap<KernelProgram>).setProg(s.slot, p);
      }
    }
    return obj;
  }

  private createMap(def: MapDef): BpfMap {
    const m = createMap(def, this.nextMapId++, this.placer);
    this.mapsByAddr.set(m.addr, m);
    if (m instanceof ProgArrayMap) {
      (m as ProgArrayMap<KernelProgram>).onChange((...a) => this.progListeners.forEach((l) => l(...a)));
    }
    return m;
  }

  private addProgram(obj: LoadedObject, image: ProgramImage): KernelProgram {
    if (this.progNext >= this.progRegionEnd) {
      const r = this.space.map('bpf_prog structs', this.progRegionEnd, PROG_REGION_SLOTS * BPF_PROG_STRUCT_SIZE);
      this.progNext = r.base;
      this.progRegionEnd = r.base + BigInt(r.size);
    }
    const structAddr = this.progNext;
    this.progNext += BigInt(BPF_PROG_STRUCT_SIZE);
    const p: KernelProgram = { id: this.nextProgId++, name: image.program.name, object: obj, program: image.program, image, structAddr };
    this.progsByStruct.set(structAddr, p);
    this.progsByImage.set(image, p);
    return p;
  }

  /** The machine layer points bpf_func (off 0x48) at the JITed entry. */
  setBpfFunc(prog: KernelProgram, addr: bigint): void {
    this.space.mustStore(prog.structAddr + BigInt(BPF_PROG_BPF_FUNC_OFF), 8, addr);
  }

  /**
   * Subscribes to every prog_array update/delete (present and future maps). The listener
   * runs before the update returns, so code patching happens inside the "syscall".
   */
  onProgArrayChange(listener: ProgArrayListener<KernelProgram>): () => void {
    this.progListeners.push(listener);
    return () => {
      const k = this.progListeners.indexOf(listener);
      if (k >= 0) this.progListeners.splice(k, 1);
    };
  }

  // ---- lookups ----

  private objectNamed(objName?: string): LoadedObject[] {
    return objName === undefined ? this.objects : this.objects.filter((o) => o.name === objName);
  }

  findProgram(name: string, objName?: string): Result<KernelProgram> {
    for (const o of this.objectNamed(objName)) {
      const p = o.programs.find((q) => q.name === name);
      if (p) return ok(p);
    }
    return err(unknownProgram(name).code, unknownProgram(name).message);
  }

  findMap(name: string, objName?: string): Result<BpfMap> {
    for (const o of this.objectNamed(objName)) {
      const m = o.maps.find((q) => q && q.name === name);
      if (m) return ok(m);
    }
    return err(unknownMap(name).code, unknownMap(name).message);
  }

  mapAt(addr: bigint): BpfMap | undefined {
    return this.mapsByAddr.get(addr);
  }

  progAtStruct(addr: bigint): KernelProgram | undefined {
    return this.progsByStruct.get(addr);
  }

  loadedOf(image: InterpProgram): KernelProgram | undefined {
    return this.progsByImage.get(image);
  }

  // ---- user-space map operations (the bpf(2) syscall side) ----

  /** prog_array update with a program; 0 or -errno. */
  updateProgArray(map: BpfMap, key: number, prog: KernelProgram, flags = 0n): number {
    if (!(map instanceof ProgArrayMap)) return -22;
    return (map as ProgArrayMap<KernelProgram>).setProg(key, prog, flags);
  }

  /** Map delete from user space; 0 or -errno. */
  deleteElem(map: BpfMap, key: number | Uint8Array): number {
    return map.delete(typeof key === 'number' ? keyBytes(key) : key);
  }

  /** Map update from user space; 0 or -errno. */
  updateElem(map: BpfMap, key: Uint8Array, value: Uint8Array, flags = 0n): number {
    return map.update(key, value, flags, this.cpu);
  }

  // ---- globals (.data/.rodata/.bss variables) ----

  private globalOf(name: string, objName?: string): Result<{ map: ArrayMap; off: number; size: number }> {
    for (const o of this.objectNamed(objName)) {
      const g = o.object.globals.find((v) => v.name === name);
      const m = g && o.maps[g.mapIndex];
      if (g && m instanceof ArrayMap) return ok({ map: m, off: g.offset, size: g.size });
    }
    const d: Diag = unknownGlobal(name);
    return err(d.code, d.message);
  }

  readGlobal(name: string, objName?: string): Result<Uint8Array> {
    const g = this.globalOf(name, objName);
    if (!g.ok) return g;
    return ok(this.space.mustView(g.value.map.valueAddr + BigInt(g.value.off), g.value.size).slice());
  }

  /** A global as an unsigned little-endian integer. */
  readGlobalInt(name: string, objName?: string): Result<bigint> {
    const r = this.readGlobal(name, objName);
    if (!r.ok) return r;
    let v = 0n;
    for (let k = r.value.length - 1; k >= 0; k--) v = (v << 8n) | BigInt(r.value[k]!);
    return ok(v);
  }

  /** Writes a global from user space (allowed for .rodata too, as before freezing). */
  writeGlobal(name: string, value: Uint8Array | bigint, objName?: string): Result<void> {
    const g = this.globalOf(name, objName);
    if (!g.ok) return g;
    const { map, off, size } = g.value;
    const bytes = typeof value === 'bigint' ? leBytes(value, size) : value;
    if (bytes.length !== size) return err('kernel.global-size', `global '${name}' is ${size} bytes, got ${bytes.length}`);
    this.space.write(map.valueAddr + BigInt(off), bytes, true);
    return ok(undefined);
  }

  /** Replaces a whole global-data section value (selftests' global_write of `.bss`). */
  writeSection(mapName: string, value: Uint8Array, objName?: string): Result<void> {
    const m = this.findMap(mapName, objName);
    if (!m.ok) return m;
    const r = this.updateElem(m.value, keyBytes(0), value);
    if (r !== 0) {
      const d = mapOpFailed(mapName, 'update', r);
      return err(d.code, d.message);
    }
    return ok(undefined);
  }

  // ---- time ----

  /** Advances the virtual clock, running timer callbacks as they come due. */
  advanceClock(ns: bigint): void {
    const target = this.clock + ns;
    for (;;) {
      const [t] = this.timers.due(target);
      if (!t) break;
      if (t.expires! > this.clock) this.clock = t.expires!;
      this.timers.fire(t, this.helperContext(t.caller ?? noCaller), this.clock);
    }
    this.clock = target;
  }

  /** Runs the timer at `addr` now, due or not (the debugger's "fire" request). */
  fireTimer(addr: bigint): boolean {
    const t = this.timers.timers.get(addr);
    if (!t || t.expires === undefined) return false;
    this.timers.fire(t, this.helperContext(t.caller ?? noCaller), this.clock);
    return true;
  }

  /**
   * Timers fired "on request" (the debugger's `timer fire`): the virtual clock advances to
   * each armed timer in expiry order and its callback runs, as the hrtimer softirq would.
   * A callback that keeps re-arming itself is stopped after `limit` firings.
   */
  fireArmedTimers(limit = 1000): number {
    let n = 0;
    for (; n < limit; n++) {
      const [t] = this.armedTimers();
      if (!t) break;
      if (t.expires! > this.clock) this.clock = t.expires!;
      this.timers.fire(t, this.helperContext(t.caller ?? noCaller), this.clock);
    }
    return n;
  }

  /** Armed timers, earliest expiry first. */
  armedTimers(): TimerState[] {
    return [...this.timers.timers.values()]
      .filter((t) => t.expires !== undefined)
      .sort((a, b) => (a.expires! < b.expires! ? -1 : a.expires! > b.expires! ? 1 : 0));
  }

  /** Runs every timer that is due now. */
  runDueTimers(): number {
    let n = 0;
    for (let t = this.timers.due(this.clock)[0]; t; t = this.timers.due(this.clock)[0]) {
      this.timers.fire(t, this.helperContext(t.caller ?? noCaller), this.clock);
      n++;
    }
    return n;
  }

  // ---- engine plumbing ----

  /** What helpers see during a call from an engine whose BpfCaller is `caller`. */
  helperContext(caller: BpfCaller): HelperContext {
    return {
      space: this.space,
      layout: this.layout,
      cpu: this.cpu,
      nondet: this.nondet,
      now: () => this.clock,
      mapAt: (a) => this.mapAt(a),
      trace: (line) => void this.trace.push(line),
      timers: this.timers,
      caller,
      scratch: (bytes) => this.scratch(bytes),
    };
  }

  private scratch(bytes: Uint8Array): bigint {
    const len = (bytes.length + 7) & ~7;
    if (this.scratchNext + len > SCRATCH_SIZE) this.scratchNext = 0;
    const addr = SCRATCH_BASE + BigInt(this.scratchNext);
    this.scratchNext += len;
    this.space.mustView(addr, bytes.length).set(bytes);
    return addr;
  }

  /** The interpreter's environment over this model. */
  interpEnv(): InterpEnv {
    const loaded = (p: InterpProgram): KernelProgram => {
      const l = this.progsByImage.get(p);
      if (!l) throw new Error('kernel model: program image is not loaded');
      return l;
    };
    return {
      load: (a, s) => this.space.load(a, s),
      store: (a, s, v) => this.space.store(a, s, v),
      callHelper: (id, args, caller) => callHelper(this.helperContext(caller), id, args),
      callKfunc: (id, args) => callKfunc(this.objects, id, args),
      mapAddr: (p, idx) => loaded(p).object.maps[idx]!.addr,
      mapValueAddr: (p, idx) => loaded(p).object.maps[idx]!.valueAddr,
      progAt: (ptr) => this.progsByStruct.get(ptr)?.image,
      ldAbs: (ctx, off, size) => skbLoadBe(this.space, this.layout, ctx, off, size),
      stackTop: this.stackTop(),
      thisCpuOff: () => thisCpuOff(this.cpu),
    };
  }
}

const noCaller: BpfCaller = {
  callFunction: () => {
    throw new Error('timer callback without an engine');
  },
};

function leBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let k = 0; k < size; k++) out[k] = Number((v >> BigInt(8 * k)) & 0xffn);
  return out;
}
