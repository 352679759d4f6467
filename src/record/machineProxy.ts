// The part of TracingMachine that is plain plumbing: every Machine call delegated to the
// real machine, with two additions the tracer relies on —
//  - breakpoint / watchpoint / code-hook ids of its own, stable while the real hooks are
//    taken out and put back ("quiet" re-execution must not stop at user breakpoints);
//  - a `dirty` flag: any register, memory or code write from outside a run means the
//    debuggee changed outside execution.
import type { CallTrap, CodeHook, ExceptionTable, Machine, MachineSnapshot, MemRegion, RunOptions, StopReason, WriteObserver } from '../machine/machine.ts';

interface Bp {
  addr: bigint;
  real: number | null;
}
interface Watch {
  access: 'read' | 'write';
  begin: bigint;
  end: bigint;
  real: number | null;
}

export abstract class MachineProxy implements Machine {
  protected quiet = false;
  protected dirty = false;
  protected running = false;
  private nextId = 1;
  protected readonly bps = new Map<number, Bp>();
  private readonly watches = new Map<number, Watch>();
  private readonly hooks = new Map<number, number>();

  constructor(readonly real: Machine) {}

  abstract run(opts?: RunOptions): StopReason;
  abstract step(): StopReason;
  abstract call(entry: bigint, args: bigint[], stackTop: bigint, opts?: RunOptions): StopReason;
  abstract callFromTrap(entry: bigint, args: bigint[], opts?: { budget?: number }): { stop: StopReason; retval: bigint };
  abstract callNested(entry: bigint, args: bigint[], opts?: { budget?: number }): { stop: StopReason; retval: bigint };

  protected setQuiet(q: boolean): void {
    if (this.quiet === q) return;
    this.quiet = q;
    for (const b of this.bps.values()) {
      if (q && b.real !== null) {
        this.real.removeBreakpoint(b.real);
        b.real = null;
      } else if (!q && b.real === null) b.real = this.real.addBreakpoint(b.addr);
    }
    for (const w of this.watches.values()) {
      if (q && w.real !== null) {
        this.real.removeWatchpoint(w.real);
        w.real = null;
      } else if (!q && w.real === null) w.real = this.real.addWatchpoint(w.access, w.begin, w.end);
    }
  }

  protected mapStop(s: StopReason): StopReason {
    if (s.kind === 'breakpoint') {
      for (const [id, b] of this.bps) if (b.addr === s.pc) return { ...s, id };
    }
    if (s.kind === 'watch') {
      for (const [id, w] of this.watches) if (w.real === s.id) return { ...s, id };
    }
    return s;
  }

  // ---------------------------------------------------------------- hooks (stable ids)
  trackWrites(begin: bigint, end: bigint, fn: WriteObserver): number {
    return this.real.trackWrites(begin, end, fn);
  }
  untrackWrites(id: number): void {
    this.real.untrackWrites(id);
  }

  addBreakpoint(addr: bigint): number {
    const id = this.nextId++;
    this.bps.set(id, { addr, real: this.quiet ? null : this.real.addBreakpoint(addr) });
    return id;
  }

  removeBreakpoint(id: number): void {
    const b = this.bps.get(id);
    if (!b) return;
    this.bps.delete(id);
    // The real machine keeps one breakpoint per address: remove it only with the last user.
    if (b.real !== null && ![...this.bps.values()].some((o) => o.real === b.real)) this.real.removeBreakpoint(b.real);
  }

  breakpoints(): { id: number; addr: bigint }[] {
    return [...this.bps].map(([id, b]) => ({ id, addr: b.addr }));
  }

  addCodeHook(begin: bigint, end: bigint, fn: CodeHook): number {
    const id = this.nextId++;
    this.hooks.set(
      id,
      this.real.addCodeHook(begin, end, (pc, size) => (this.quiet ? undefined : fn(pc, size))),
    );
    return id;
  }

  removeCodeHook(id: number): void {
    const h = this.hooks.get(id);
    if (h !== undefined) this.real.removeCodeHook(h);
    this.hooks.delete(id);
  }

  addWatchpoint(access: 'read' | 'write', begin: bigint, end: bigint): number {
    const id = this.nextId++;
    this.watches.set(id, { access, begin, end, real: this.quiet ? null : this.real.addWatchpoint(access, begin, end) });
    return id;
  }

  removeWatchpoint(id: number): void {
    const w = this.watches.get(id);
    if (w?.real != null) this.real.removeWatchpoint(w.real);
    this.watches.delete(id);
  }

  // ---------------------------------------------------------------- plain delegation
  get arch() {
    return this.real.arch;
  }
  get codeGeneration() {
    return this.real.codeGeneration;
  }
  get lastExecuted() {
    return this.real.lastExecuted;
  }
  get closed() {
    return this.real.closed;
  }
  get pc() {
    return this.real.pc;
  }
  get cpu() {
    return this.real.cpu;
  }
  get retval() {
    return this.real.retval;
  }
  protected touch(): void {
    if (!this.running) this.dirty = true;
  }
  readReg(name: string): bigint {
    return this.real.readReg(name);
  }
  readRegs(names: readonly string[]): bigint[] {
    return this.real.readRegs(names);
  }
  writeReg(name: string, value: bigint): void {
    this.touch();
    this.real.writeReg(name, value);
  }
  writeRegs(values: Record<string, bigint>): void {
    this.touch();
    this.real.writeRegs(values);
  }
  setPc(pc: bigint): void {
    this.touch();
    this.real.setPc(pc);
  }
  map(base: bigint, size: number, perms: number): void {
    this.touch();
    this.real.map(base, size, perms);
  }
  allocator(): (size: number) => Uint8Array {
    return this.real.allocator();
  }
  mapShared(base: bigint, bytes: Uint8Array, perms: number): void {
    this.touch();
    this.real.mapShared(base, bytes, perms);
  }
  unmap(base: bigint, size: number): void {
    this.touch();
    this.real.unmap(base, size);
  }
  protect(base: bigint, size: number, perms: number): void {
    this.touch();
    this.real.protect(base, size, perms);
  }
  regions(): MemRegion[] {
    return this.real.regions();
  }
  isMapped(addr: bigint, size?: number): boolean {
    return this.real.isMapped(addr, size);
  }
  readMem(addr: bigint, size: number): Uint8Array {
    return this.real.readMem(addr, size);
  }
  writeMem(addr: bigint, bytes: Uint8Array): void {
    this.touch();
    this.real.writeMem(addr, bytes);
  }
  readU64(addr: bigint): bigint {
    return this.real.readU64(addr);
  }
  writeU64(addr: bigint, value: bigint): void {
    this.touch();
    this.real.writeU64(addr, value);
  }
  writeCode(addr: bigint, bytes: Uint8Array): void {
    this.touch();
    this.real.writeCode(addr, bytes);
  }
  readText(addr: bigint, len: number): Uint8Array {
    return this.real.readText(addr, len);
  }
  pokeText(addr: bigint, bytes: Uint8Array): void {
    this.touch();
    this.real.pokeText(addr, bytes);
  }
  selectCpu(cpu: number, gsBase: bigint, thisCpuOff?: bigint): void {
    this.touch();
    this.real.selectCpu(cpu, gsBase, thisCpuOff);
  }
  installHelperPage(fn: CallTrap): void {
    this.real.installHelperPage(fn);
  }
  installKfuncPage(fn: CallTrap): void {
    this.real.installKfuncPage(fn);
  }
  installThunks(): void {
    this.real.installThunks();
  }
  setExceptionTable(t: ExceptionTable | undefined): void {
    this.real.setExceptionTable(t);
  }
  installSentinel(): void {
    this.real.installSentinel();
  }
  snapshot(opts?: { memory?: boolean }): MachineSnapshot {
    return this.real.snapshot(opts);
  }
  restore(s: MachineSnapshot): void {
    this.touch();
    this.real.restore(s);
  }

  close(): void {
    this.real.close();
  }
}
