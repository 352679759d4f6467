// What the x86-64 and RISC-V engines share: the kernel model's programs JITed, linked
// (jit/link.ts) and placed into text slots on a Machine, as the kernel runs them.
//  - program n of the engine lives at TEXT_BASE + n * TEXT_SLOT, each function on a 64-byte
//    boundary (BPF_PROG_CHUNK_SIZE of the prog pack), slack filled with a trapping byte;
//  - bpf_func in each synthesized struct bpf_prog points at the entry;
//  - the model's address space is mapped with zero copy (its allocator is the machine's);
//  - helpers trap into the model; callbacks (bpf_loop, timers) run nested on this CPU;
//  - per-CPU areas and private stacks come from the model (kernel/privStack.ts).
// The arch engines add what differs: the compiler, the fill byte, and (x86-64) the poke
// state machine behind direct tail calls. Test runs return the interpreter's RunResult
// shape; tail calls are counted (see countTailCalls), instructions are not (that would
// need a JS hook on every instruction).
import { BpfThrow } from '../bpf/bpfThrow.ts';
import { insnAt } from '../jit/insnAt.ts';
import { BpfdbgError, type Diag, type Result, ok } from '../common/diag.ts';
import { NR_CPUS, PAGE_SIZE } from '../common/layout.ts';
import type { ProgramImage } from '../analysis/types.ts';
import type { BpfObject } from '../object/types.ts';
import type { BpfCaller, RunResult } from '../bpf/interpreter.ts';
import type { JitEnv, JitImage, JitProfile } from '../jit/types.ts';
import { layoutPlacement, linkImage } from '../jit/link.ts';
import type { KernelModel, KernelModelOptions, LoadedObject, KernelProgram } from '../kernel/kernelModel.ts';
import { testRun, type Engine, type TestRunOptions, type TestRunResult } from '../kernel/testRun.ts';
import { callHelper } from '../kernel/helpers/index.ts';
import { callKfunc } from '../kernel/kfuncs.ts';
import type { BpfMap } from '../kernel/maps/base.ts';
import type { PokeStateMachine } from '../kernel/pokes/pokeStateMachine.ts';
import { jitEnvFor } from '../kernel/jitEnv.ts';
import { PrivStackAllocator, perCpuBase, thisCpuOff } from '../kernel/privStack.ts';
import { PERM_R, PERM_RW, PERM_RX, type RunOptions, type StopReason } from '../machine/machine.ts';
import type { UnicornMachine } from '../machine/unicornMachine.ts';
import { placeInTextSlot, textSlotBase } from '../jit/textSlot.ts';

class SlotCounter {
  next = 0;
}

export interface JitedProgram {
  kernel: KernelProgram;
  jit: JitImage;
  /** Guest address of each function, in JitImage.funcs order ([0] = bpf_func). */
  funcBases: bigint[];
  /** Text slot index (TEXT_BASE + slot * TEXT_SLOT). */
  slot: number;
}

/** Options of loadObject (libbpf-side choices the selftests make). */
export interface EngineLoadOptions {
  /**
   * bpf_map__reuse_fd: maps (by name) taken from an earlier object instead of created; the
   * programs are JITed against them. (The model still creates its own copy, left unused.)
   */
  reuseMaps?: ReadonlyMap<string, BpfMap>;
  /**
   * Runs after every program is JITed and placed, before its direct tail-call sites are
   * tracked: the window in which the kernel's poke descriptors are not yet
   * tailcall_target_stable, so prog_array updates skip them (tailcall_poke races it).
   */
  afterJit?: () => void;
}

export interface JitEngineOptions extends Omit<KernelModelOptions, 'allocator'> {
  profile?: JitProfile;
  /**
   * Count tail calls (default true): two code hooks per program, at bpf_func and at the
   * tail-call landing (bpf_func + tailCallOffset). A normal entry passes both, a tail call
   * only the landing. Every code hook costs each executed instruction a few ns, and a run
   * that stops and resumes on one of those two instructions counts it twice.
   */
  countTailCalls?: boolean;
}

/** Where a code address is: program, function, offset and the BPF instruction there. */
export interface CodeLocation {
  prog: JitedProgram;
  func: number;
  off: number;
  /** Xlated instruction whose native code covers the address (null before the first). */
  insn: number | null;
}

export abstract class JitEngine {
  readonly privStacks: PrivStackAllocator;
  protected readonly progs = new Map<KernelProgram, JitedProgram>();
  protected readonly inside = new Set<number>();
  /**
   * Text slots are never reused (a CPU may still return through old code). A class
   * instance, so a recorder's state walk (record/modelState.ts) does not rewind it.
   */
  private readonly slots = new SlotCounter();
  private entries = 0;
  private landings = 0;

  protected constructor(
    readonly machine: UnicornMachine,
    readonly model: KernelModel,
    readonly profile: JitProfile,
    private readonly countTailCalls: boolean,
  ) {
    const m = machine;
    const mapRegion = (r: { base: bigint; bytes: Uint8Array; writable: boolean }): void => m.mapShared(r.base, r.bytes, r.writable ? PERM_RW : PERM_R);
    model.space.regions().forEach(mapRegion);
    model.space.onMap(mapRegion);
    this.privStacks = new PrivStackAllocator(model.space); // maps the per-CPU areas
    this.selectCpu(model.cpu);
    const caller: BpfCaller = {
      callFunction: (addr, args) => this.callBpf(addr, args),
      loopInGuest: (nr, fn, ctx) => m.loopInGuest(nr, fn, ctx),
    };
    m.installHelperPage((id, args) => callHelper(model.helperContext(caller), id, args));
    m.installKfuncPage((id, args) => {
      try {
        return callKfunc(model.objects, id, args);
      } catch (e) {
        if (e instanceof BpfThrow) return this.throwToBoundary(e.cookie);
        throw e instanceof BpfdbgError ? new BpfdbgError({ ...e.diag, place: { ...this.callSitePlace(), ...e.diag.place } }) : e;
      }
    });
    m.installThunks();
    m.installSentinel();
    m.setExceptionTable((pc) => this.exceptionFixup(pc));
  }

  /**
   * The kernel's exception table for this engine's programs: a faulting BPF_PROBE_MEM load
   * (a JIT region 'extable' starting at pc) zeroes its destination register and resumes
   * after the load (ex_handler_bpf).
   */
  private exceptionFixup(pc: bigint): { reg: string; resume: bigint } | undefined {
    const loc = this.locate(pc);
    if (!loc) return undefined;
    const r = loc.prog.jit.funcs[loc.func]!.regions.find((x) => x.role === 'extable' && x.start === loc.off);
    if (!r || r.insn === undefined) return undefined;
    const dst = loc.prog.jit.image.insns[r.insn]!.dst;
    return { reg: this.nativeReg(dst), resume: loc.prog.funcBases[loc.func]! + BigInt(r.end) };
  }

  /**
   * The poke state machine behind direct tail calls (x86-64), or null where the arch has no
   * text poking for tail calls (RISC-V: a prog_array update is only a slot store).
   */
  abstract readonly pokes: PokeStateMachine | null;
  /** The arch's JIT (pure: image in, JitImage out). */
  protected abstract compile(image: ProgramImage, env: JitEnv): Result<JitImage>;
  /** Byte that fills the slack between functions: it must trap when executed. */
  protected abstract readonly fillByte: number;
  /** The machine's name of the native register the JIT maps BPF register `bpfReg` to. */
  protected abstract nativeReg(bpfReg: number): string;
  /** Native register holding BPF R0 when the program returns (RunResult.r0). */
  protected abstract readonly r0Reg: string;
  /** After every program of an object is placed (and afterJit ran): x86 tracks its poke sites. */
  protected afterLoad(_loaded: LoadedObject, _placed: readonly JitedProgram[]): void {}
  /** A CPU left BPF code (RCU quiescent state). */
  protected onQuiescent(_cpu: number): void {}

  /** Which CPU runs next: per-CPU base (x86: gs base and this_cpu_off) of its area. */
  selectCpu(cpu: number): void {
    if (cpu < 0 || cpu >= NR_CPUS) throw new Error(`cpu ${cpu} out of range (NR_CPUS ${NR_CPUS})`);
    this.model.cpu = cpu;
    this.machine.selectCpu(cpu, perCpuBase(cpu), thisCpuOff(cpu));
  }

  protected bpfFuncOf(p: KernelProgram | null): bigint | null {
    return p ? (this.progs.get(p)?.funcBases[0] ?? null) : null;
  }

  /** Loads an object into the model (maps, programs, prog_array initialisers), JITs and places every program. */
  loadObject(object: BpfObject, images: readonly ProgramImage[], opts: EngineLoadOptions = {}): Result<LoadedObject> {
    const loaded = this.model.loadObject(object, images);
    for (const def of object.maps) {
      const m = opts.reuseMaps?.get(def.name);
      if (m) (loaded.maps as BpfMap[])[def.index] = m;
    }
    const placed: JitedProgram[] = [];
    for (const kp of loaded.programs) {
      const r = this.place(loaded, kp);
      if (!r.ok) return r;
      placed.push(r.value);
    }
    opts.afterJit?.();
    this.afterLoad(loaded, placed);
    return ok(loaded);
  }

  /** A fresh text slot (TEXT_SLOT bytes, unmapped) for code that is not a program (trampolines). */
  allocTextSlot(): bigint {
    return textSlotBase(this.slots.next++);
  }

  private place(loaded: LoadedObject, kp: KernelProgram): Result<JitedProgram> {
    const jr = this.compile(kp.image, jitEnvFor(loaded, kp, this.privStacks));
    if (!jr.ok) return jr;
    const jit = jr.value;
    const slot = this.slots.next++;
    const placed = placeInTextSlot(jit.funcs, slot, kp.name);
    if (!placed.ok) return placed;
    const { base, funcAddrs: funcBases, bytes: off } = placed.value;
    const linked = linkImage(jit, layoutPlacement(funcBases));
    if (!linked.ok) return linked;
    const size = Math.max(PAGE_SIZE, Math.ceil(Number(off) / PAGE_SIZE) * PAGE_SIZE);
    const text = new Uint8Array(size).fill(this.fillByte);
    linked.value.forEach((code, i) => text.set(code, Number(funcBases[i]! - base)));
    this.machine.map(base, size, PERM_RX);
    this.machine.writeCode(base, text);
    this.model.setBpfFunc(kp, funcBases[0]!);
    if (this.countTailCalls) {
      const entry = funcBases[0]!;
      const landing = entry + BigInt(jit.funcs[0]!.tailCallOffset);
      this.machine.addCodeHook(entry, entry, () => void this.entries++);
      this.machine.addCodeHook(landing, landing, () => void this.landings++);
    }
    const p: JitedProgram = { kernel: kp, jit, funcBases, slot };
    this.progs.set(kp, p);
    return ok(p);
  }

  jited(kp: KernelProgram): JitedProgram | undefined {
    return this.progs.get(kp);
  }

  programs(): JitedProgram[] {
    return [...this.progs.values()];
  }

  /** Program, function and BPF instruction of a code address. */
  locate(addr: bigint): CodeLocation | undefined {
    for (const p of this.progs.values()) {
      for (const [f, fn] of p.jit.funcs.entries()) {
        const b = p.funcBases[f]!;
        if (addr < b || addr >= b + BigInt(fn.code.length)) continue;
        const off = Number(addr - b);
        const local = insnAt(fn, off);
        return { prog: p, func: f, off, insn: local === null ? null : fn.insnStart + local };
      }
    }
    return undefined;
  }

  /** Marks `cpu` as running BPF code (grace periods wait for it). */
  enter(cpu = this.model.cpu): void {
    this.inside.add(cpu);
  }

  /** `cpu` left BPF code: an RCU quiescent state. */
  leave(cpu = this.model.cpu): void {
    this.inside.delete(cpu);
    this.onQuiescent(cpu);
  }

  /** Calls bpf_func(ctx) like the kernel: return address = SENTINEL_ADDR, first argument = ctx. */
  run(kp: KernelProgram, ctxAddr: bigint, opts: RunOptions = {}): { stop: StopReason; r0: bigint; tailCalls: number } {
    const p = this.progs.get(kp);
    if (!p) throw new Error(`program ${kp.name} is not JITed on this engine`);
    this.selectCpu(this.model.cpu);
    this.entries = 0;
    this.landings = 0;
    this.enter();
    try {
      const stop = this.machine.call(p.funcBases[0]!, [ctxAddr, 0n], this.model.stackTop(), opts);
      return { stop, r0: this.machine.readReg(this.r0Reg), tailCalls: this.landings - this.entries };
    } finally {
      this.leave();
    }
  }

  /**
   * Runs a BPF callback (bpf_loop, a timer): nested inside the helper trap that asked for
   * it, or — for a timer fired after the program returned or while it is held stopped —
   * as its own run with the CPU state put back afterwards.
   */
  private callBpf(addr: bigint, args: readonly bigint[]): bigint {
    const { stop, retval } = this.machine.callNested(addr, [...args]);
    if (stop.kind !== 'exited') throw new BpfdbgError(this.stopDiag(stop));
    return retval;
  }

  /** The kernel model's Engine: the same RunResult shape as the interpreter. */
  engine(opts: RunOptions = {}): Engine {
    return (_model, kp, ctx) => {
      try {
        const { stop, r0, tailCalls } = this.run(kp, ctx.addr, opts);
        const res: RunResult = { r0, insns: 0, tailCalls };
        if (stop.kind !== 'exited') res.error = this.stopDiag(stop);
        return res;
      } catch (e) {
        if (e instanceof BpfdbgError) return { r0: 0n, insns: 0, tailCalls: 0, error: e.diag };
        throw e;
      }
    };
  }

  /** BPF_PROG_TEST_RUN of `kp` on the JITed code. */
  testRun(kp: KernelProgram, opts: Omit<TestRunOptions, 'engine'> & RunOptions = {}): TestRunResult {
    return testRun(this.model, kp, { ...opts, engine: this.engine({ budget: opts.budget, timeoutMs: opts.timeoutMs }) });
  }

  /**
   * Inside the bpf_throw trap: makes the trap's return enter the exception callback of the
   * boundary program (bpf_throw's stack walk and its call of aux->bpf_exception_cb). Only
   * JITs with bpf_jit_supports_exceptions() get here (the analysis refuses bpf_throw elsewhere).
   */
  protected throwToBoundary(_cookie: bigint): bigint {
    throw new BpfdbgError({ code: 'machine.no-exceptions', message: `the ${this.profile.arch} JIT does not support bpf_throw`, place: this.callSitePlace() });
  }

  /**
   * The return address of the innermost call (x86-64: at [rsp]; RISC-V: ra), to place a
   * stop outside BPF code (a jump to an unmapped helper address) at the call that went there.
   */
  protected returnAddress(): bigint | undefined {
    return undefined;
  }

  /**
   * Inside a helper or kfunc trap: the program, BPF instruction and source line of the call,
   * found from the return address one byte back.
   */
  protected callSitePlace(): Diag['place'] {
    const ret = this.returnAddress();
    const loc = ret !== undefined ? this.locate(ret - 1n) : undefined;
    return loc ? this.placeOf(loc) : {};
  }

  /** Program, BPF instruction and its source line of a located native address. */
  private placeOf(loc: NonNullable<ReturnType<JitEngine['locate']>>): Diag['place'] {
    const place: Diag['place'] = { program: loc.prog.kernel.name };
    if (loc.insn !== null) {
      const insn = loc.insn as NonNullable<Diag['place']['insn']>;
      place.insn = insn;
      const src = loc.prog.kernel.image.sourceOf(insn);
      if (src) {
        place.srcFile = src.file;
        place.line = src.line;
      }
    }
    return place;
  }

  /**
   * A stop other than a return, as a Diag placed like the interpreter's: program, BPF
   * instruction and its source line, with the native address in the message. A stop outside
   * BPF code is placed at the BPF call that led there, when one did.
   */
  stopDiag(stop: StopReason): Diag {
    const hex = (v: bigint): string => `0x${v.toString(16)}`;
    let loc = this.locate(stop.pc);
    let where = hex(stop.pc);
    if (!loc) {
      const ret = this.returnAddress();
      const caller = ret !== undefined ? this.locate(ret - 1n) : undefined;
      if (caller) {
        loc = caller;
        where = `${hex(stop.pc)}, outside BPF code, reached from ${caller.prog.jit.funcs[caller.func]!.name}+0x${caller.off.toString(16)}`;
      }
    } else where = `${loc.prog.jit.funcs[loc.func]!.name}+0x${loc.off.toString(16)} (${hex(stop.pc)})`;
    const place: Diag['place'] = loc ? this.placeOf(loc) : {};
    return { code: `machine.${stop.kind}`, message: describeStop(stop, where), place };
  }

  close(): void {
    this.machine.close();
  }
}

export function describeStop(stop: StopReason, where: string): string {
  const hex = (v: bigint): string => `0x${v.toString(16)}`;
  switch (stop.kind) {
    case 'exited':
      return `returned at ${where}`;
    case 'fault':
      return `${stop.access} of ${stop.size} bytes at ${hex(stop.addr)} (${stop.cause}) at ${where}`;
    case 'invalid-insn':
      return `invalid instruction at ${where}`;
    case 'exception':
      return `CPU exception ${stop.vector} at ${where}`;
    case 'halted':
      return `hlt at ${where}`;
    case 'budget':
      return `instruction budget (${stop.executed}) exhausted at ${where}`;
    case 'timeout':
      return `timed out at ${where}`;
    case 'breakpoint':
      return `breakpoint ${stop.id} at ${where}`;
    case 'step':
      return `stepped to ${where}`;
    case 'watch':
      return `watchpoint ${stop.id}: ${stop.access} of ${hex(stop.addr)} at ${where}`;
    case 'hook':
      return `stopped by hook ${stop.id} at ${where}`;
    case 'callback':
      return `a helper ran BPF callbacks and returned to ${where}`;
  }
}
