// Machine on Unicorn 2 (through koffi, see unicornLib.ts). Design decisions, each from a
// measured trap in ../shared/reference/unicorn-koffi.md:
// - Every uc_emu_start passes count > 0 (the budget). Unicorn then keeps its C counting
//   hook on every instruction from the first translation on: the budget is exact, the pc
//   after a fault is exact on x86 AND riscv (no dummy memory hook needed), and since count
//   never returns to 0 the whole-cache flush of trap 4 never happens. Single step is
//   count = 1 on the same path (~0.5 µs). Cost: tight loops run ~165 M insns/s, not 500.
// - Runs end at a return-address sentinel page (code hook), never with `until` (trap 3).
// - Code writes always drop translated blocks (trap 1); hooks added late are followed
//   by a cache removal over their range so they fire (trap 2).
// - Stopping in a code hook leaves pc on that instruction: breakpoints skip once (trap 5).
// - Stopping in a memory hook completes the access and rewinds pc: watchpoints move pc
//   past the instruction themselves (trap 7).
// - Exceptions in hooks are caught, stop the run, and are rethrown after uc_emu_start
//   returns (trap 8); close() is refused inside hooks and runs (trap 9).
import {
  HELPER_BASE, HELPER_STRIDE, KFUNC_BASE, PAGE_SIZE, SENTINEL_ADDR, THIS_CPU_OFF_ADDR, THUNK_BASE,
} from '../common/layout.ts';
import { insnLength, loadCapstone } from './capstone.ts';
import * as E from './errors.ts';
import { hostAllocator, hostRange } from './hostMemory.ts';
import {
  PERM_RX, PERM_X, type CallTrap, type CodeHook, type Machine, type MachineArch, type MachineSnapshot,
  type MemAccess, type MemRegion, type RunOptions, type StopReason,
} from './machine.ts';
import { argRegs, pcReg, regTable, retReg, spReg } from './regs.ts';
import { sameBytes, UcSnapshot, type RegionCopy } from './snapshot.ts';
import { callTrapPage, sentinelPage, thunkPage } from './trapPages.ts';
import * as U from './unicornLib.ts';

const DEFAULT_BUDGET = 50_000_000;
const MAX_BATCH = 64;
const PAGE = BigInt(PAGE_SIZE);

interface Region extends MemRegion {
  /** Keeps shared host memory alive while mapped. */
  view?: Uint8Array;
  /** Trap/thunk/sentinel pages: never snapshotted. */
  internal?: boolean;
}

type HookRec = { hh: bigint; cb?: unknown };

/** Normalises a uint64 delivered by koffi to a callback (>= 2^63 arrives negative). */
const u64 = (x: number | bigint): bigint => BigInt.asUintN(64, BigInt(x));

/** Creates a machine; loads Capstone first (watchpoints need instruction lengths). */
export async function createMachine(arch: MachineArch): Promise<UnicornMachine> {
  await loadCapstone();
  return new UnicornMachine(arch);
}

export class UnicornMachine implements Machine {
  readonly arch: MachineArch;
  private readonly L = U.unicornLib();
  private readonly uc: unknown;
  private isClosed = false;
  private inHook = 0;
  private running = false;
  private readonly regs: Readonly<Record<string, number>>;
  private readonly one = new BigUint64Array(1);
  private readonly batchIds = new Int32Array(MAX_BATCH);
  private readonly batchVals = U.unicornLib().allocU64(MAX_BATCH);
  private readonly regionList: Region[] = [];
  private readonly hooks: HookRec[] = [];
  private readonly callbacks = new Set<unknown>();
  private curCpu = 0;
  private sentinelInstalled = false;

  // State of the current run, written by hooks.
  private stopReason: StopReason | undefined;
  private hookError: unknown;
  private fault: { type: number; addr: bigint; size: number } | undefined;
  private watchHit: { id: number; access: 'read' | 'write'; addr: bigint; size: number; pc: bigint } | undefined;
  private skipAddr: bigint | undefined;
  /** Inside callFromTrap: breakpoints, watchpoints and hook stops are ignored. */
  private quiet = false;

  private nextId = 1;
  private readonly bps = new Map<number, { addr: bigint; rec: HookRec }>();
  private readonly bpAt = new Map<bigint, number>();
  private readonly userHooks = new Map<number, HookRec & { begin: bigint; end: bigint }>();
  private readonly watches = new Map<number, HookRec>();
  private readonly bpCb: unknown;

  constructor(arch: MachineArch) {
    this.arch = arch;
    this.regs = regTable(arch);
    const out: unknown[] = [null];
    const [a, m] = arch === 'x86_64' ? [U.UC_ARCH_X86, U.UC_MODE_64] : [U.UC_ARCH_RISCV, U.UC_MODE_RISCV64];
    this.check('uc_open', this.L.uc_open(a, m, out));
    this.uc = out[0];
    this.bpCb = this.register(this.L.codeHookPtr, (_uc: unknown, addr: number | bigint) => {
      this.guard(undefined, () => this.onBreakpoint(u64(addr)));
    });
    const invalid = this.register(this.L.memHookPtr, (_uc: unknown, type: number, addr: number | bigint, size: number) =>
      this.guard(false, () => {
        this.fault = { type, addr: u64(addr), size };
        return false; // let Unicorn stop with the matching UC_ERR_*
      }),
    );
    this.hookAdd(U.UC_HOOK_MEM_INVALID, invalid, 1n, 0n);
    const intr = this.register(this.L.intrHookPtr, (_uc: unknown, intno: number) =>
      this.guard(undefined, () => this.stopWith({ kind: 'exception', pc: this.pc, vector: intno })),
    );
    this.hookAdd(U.UC_HOOK_INTR, intr, 1n, 0n);
  }

  // ---------------------------------------------------------------- plumbing
  get closed(): boolean {
    return this.isClosed;
  }

  private open(): void {
    if (this.isClosed) throw E.machineClosed();
  }

  private check(op: string, code: number): void {
    if (code !== 0) throw E.unicornError(op, code, this.L.uc_strerror(code));
  }

  private register(type: unknown, fn: Function): unknown {
    const cb = this.L.register(fn, type as never);
    this.callbacks.add(cb);
    return cb;
  }

  private unregister(cb: unknown): void {
    if (this.callbacks.delete(cb)) this.L.unregister(cb);
  }

  private hookAdd(type: number, cb: unknown, begin: bigint, end: bigint): HookRec {
    const hh = new BigUint64Array(1);
    this.check('uc_hook_add', this.L.uc_hook_add(this.uc, hh, type, cb, null, begin, end));
    const rec = { hh: hh[0]!, cb };
    this.hooks.push(rec);
    return rec;
  }

  private hookDel(rec: HookRec): void {
    this.check('uc_hook_del', this.L.uc_hook_del(this.uc, rec.hh));
    const i = this.hooks.indexOf(rec);
    if (i >= 0) this.hooks.splice(i, 1);
  }

  /** Runs hook code; an exception stops the run and is rethrown when uc_emu_start returns. */
  private guard<T>(fallback: T, fn: () => T): T {
    this.inHook++;
    try {
      return fn();
    } catch (e) {
      if (this.hookError === undefined) this.hookError = e;
      this.L.uc_emu_stop(this.uc);
      return fallback;
    } finally {
      this.inHook--;
    }
  }

  private stopWith(r: StopReason): void {
    if (!this.stopReason) this.stopReason = r;
    this.L.uc_emu_stop(this.uc);
  }

  private dropCache(begin: bigint, end: bigint): void {
    this.check('uc_ctl(TB_REMOVE_CACHE)', this.L.uc_ctl_range(this.uc, U.UC_CTL_TB_REMOVE_CACHE_W, begin, end));
  }

  // ---------------------------------------------------------------- registers
  private id(name: string): number {
    const id = this.regs[name];
    if (id === undefined) throw E.unknownRegister(this.arch, name);
    return id;
  }

  readReg(name: string): bigint {
    this.open();
    this.one[0] = 0n;
    this.check('uc_reg_read', this.L.uc_reg_read(this.uc, this.id(name), this.one));
    return this.one[0]!;
  }

  writeReg(name: string, value: bigint): void {
    this.open();
    this.one[0] = BigInt.asUintN(64, value);
    this.check('uc_reg_write', this.L.uc_reg_write(this.uc, this.id(name), this.one));
  }

  readRegs(names: readonly string[]): bigint[] {
    this.open();
    const out: bigint[] = [];
    for (let start = 0; start < names.length; start += MAX_BATCH) {
      const part = names.slice(start, start + MAX_BATCH);
      part.forEach((n, i) => {
        this.batchIds[i] = this.id(n);
        this.batchVals.write(i, 0n);
      });
      this.check('uc_reg_read_batch', this.L.uc_reg_read_batch(this.uc, this.batchIds, this.batchVals.addrs, part.length));
      for (let i = 0; i < part.length; i++) out.push(this.batchVals.read(i));
    }
    return out;
  }

  writeRegs(values: Record<string, bigint>): void {
    this.open();
    const names = Object.keys(values);
    for (let start = 0; start < names.length; start += MAX_BATCH) {
      const part = names.slice(start, start + MAX_BATCH);
      part.forEach((n, i) => {
        this.batchIds[i] = this.id(n);
        this.batchVals.write(i, BigInt.asUintN(64, values[n]!));
      });
      this.check('uc_reg_write_batch', this.L.uc_reg_write_batch(this.uc, this.batchIds, this.batchVals.addrs, part.length));
    }
  }

  get pc(): bigint {
    return this.readReg(pcReg(this.arch));
  }

  setPc(pc: bigint): void {
    this.writeReg(pcReg(this.arch), pc);
  }

  get retval(): bigint {
    return this.readReg(retReg(this.arch));
  }

  get cpu(): number {
    return this.curCpu;
  }

  // ---------------------------------------------------------------- memory
  map(base: bigint, size: number, perms: number): void {
    this.open();
    this.check(`uc_mem_map(0x${base.toString(16)}, 0x${size.toString(16)})`, this.L.uc_mem_map(this.uc, base, size, perms));
    this.regionList.push({ base, size, perms, shared: false });
  }

  allocator(): (size: number) => Uint8Array {
    return hostAllocator;
  }

  mapShared(base: bigint, bytes: Uint8Array, perms: number): void {
    this.open();
    const host = hostRange(bytes);
    if (!host) throw E.notSharedMemory();
    this.check(
      `uc_mem_map_ptr(0x${base.toString(16)}, 0x${host.size.toString(16)})`,
      this.L.uc_mem_map_ptr(this.uc, base, host.size, perms, host.address),
    );
    this.regionList.push({ base, size: host.size, perms, shared: true, view: bytes });
  }

  unmap(base: bigint, size: number): void {
    this.open();
    this.check('uc_mem_unmap', this.L.uc_mem_unmap(this.uc, base, size));
    this.reshape(base, size, null);
  }

  protect(base: bigint, size: number, perms: number): void {
    this.open();
    this.check('uc_mem_protect', this.L.uc_mem_protect(this.uc, base, size, perms));
    this.reshape(base, size, perms);
  }

  /** Splits our region list the way Unicorn splits its own on unmap/protect. */
  private reshape(base: bigint, size: number, perms: number | null): void {
    const end = base + BigInt(size);
    const next: Region[] = [];
    for (const r of this.regionList) {
      const rEnd = r.base + BigInt(r.size);
      if (rEnd <= base || r.base >= end) {
        next.push(r);
        continue;
      }
      const piece = (b: bigint, e: bigint, p: number): Region => {
        const off = Number(b - r.base);
        const piece: Region = { ...r, base: b, size: Number(e - b), perms: p };
        if (r.view) piece.view = r.view.subarray(off, off + Number(e - b));
        return piece;
      };
      if (r.base < base) next.push(piece(r.base, base, r.perms));
      if (perms !== null) next.push(piece(r.base > base ? r.base : base, rEnd < end ? rEnd : end, perms));
      if (rEnd > end) next.push(piece(end, rEnd, r.perms));
    }
    this.regionList.splice(0, this.regionList.length, ...next.sort((a, b) => (a.base < b.base ? -1 : 1)));
  }

  regions(): MemRegion[] {
    return this.regionList.map(({ base, size, perms, shared }) => ({ base, size, perms, shared }));
  }

  isMapped(addr: bigint, size = 1): boolean {
    let a = addr;
    const end = addr + BigInt(size);
    // Walk adjacent regions so a range spanning two mappings counts as mapped.
    for (;;) {
      const r = this.regionList.find((x) => a >= x.base && a < x.base + BigInt(x.size));
      if (!r) return false;
      a = r.base + BigInt(r.size);
      if (a >= end) return true;
    }
  }

  /** The JS view of [addr, addr+len) when it lies inside one shared region (no native call). */
  private sharedView(addr: bigint, len: number): Uint8Array | undefined {
    for (const r of this.regionList) {
      if (r.view && addr >= r.base && addr + BigInt(len) <= r.base + BigInt(r.size)) {
        const off = Number(addr - r.base);
        if (off + len <= r.view.length) return r.view.subarray(off, off + len);
      }
    }
    return undefined;
  }

  readMem(addr: bigint, size: number): Uint8Array {
    this.open();
    const shared = this.sharedView(addr, size);
    if (shared) return shared.slice();
    const buf = new Uint8Array(size);
    if (size === 0) return buf;
    if (this.L.uc_mem_read(this.uc, addr, buf, size) !== 0) throw E.unmappedHostAccess(addr, size);
    return buf;
  }

  writeMem(addr: bigint, bytes: Uint8Array): void {
    this.open();
    if (bytes.length === 0) return;
    const shared = this.sharedView(addr, bytes.length);
    if (shared) {
      shared.set(bytes);
      return;
    }
    if (this.L.uc_mem_write(this.uc, addr, bytes, bytes.length) !== 0) throw E.unmappedHostAccess(addr, bytes.length);
  }

  readU64(addr: bigint): bigint {
    const b = this.readMem(addr, 8);
    return new DataView(b.buffer).getBigUint64(0, true);
  }

  writeU64(addr: bigint, value: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.writeMem(addr, b);
  }

  writeCode(addr: bigint, bytes: Uint8Array): void {
    this.writeMem(addr, bytes);
    this.dropCache(addr, addr + BigInt(bytes.length));
  }

  // TextPoker: the kernel model's pokes land here. A write from inside a running hook
  // does not take effect in Unicorn, so pokes are refused while the CPU runs.
  readText(addr: bigint, len: number): Uint8Array {
    return this.readMem(addr, len);
  }

  pokeText(addr: bigint, bytes: Uint8Array): void {
    if (this.running) throw E.reentrantRun();
    this.writeCode(addr, bytes);
  }

  // ---------------------------------------------------------------- per-CPU
  selectCpu(cpu: number, gsBase: bigint, thisCpuOff: bigint = gsBase): void {
    this.open();
    this.curCpu = cpu;
    if (this.arch !== 'x86_64') return;
    // x86-64 SMP: gs base = __per_cpu_offset[cpu] and this_cpu_off (at gs:[&this_cpu_off])
    // holds the same value, so `add r9, gs:[&this_cpu_off]` turns an offset-form per-CPU
    // pointer into this CPU's address (private stack prologue, v6.13+). A kernel model that
    // biases its per-CPU offsets passes its own this_cpu_off.
    this.writeReg('gs_base', gsBase);
    this.writeU64(gsBase + THIS_CPU_OFF_ADDR, thisCpuOff);
  }

  // ---------------------------------------------------------------- trap pages
  private mapInternal(base: bigint, bytes: Uint8Array): void {
    if (this.isMapped(base)) return;
    this.map(base, PAGE_SIZE, PERM_RX);
    this.regionList.find((r) => r.base === base)!.internal = true;
    this.writeCode(base, bytes);
  }

  private installCallTrap(base: bigint, fn: CallTrap): void {
    this.mapInternal(base, callTrapPage(this.arch));
    const args = argRegs(this.arch);
    const ret = retReg(this.arch);
    const cb = this.register(this.L.codeHookPtr, (_uc: unknown, addr: number | bigint) => {
      this.guard(undefined, () => {
        const off = u64(addr) - base;
        if (off % HELPER_STRIDE !== 0n) return;
        const r0 = fn(Number(off / HELPER_STRIDE), this.readRegs(args));
        this.writeReg(ret, r0);
      });
    });
    this.hookAdd(U.UC_HOOK_CODE, cb, base, base + PAGE - 1n);
    this.dropCache(base, base + PAGE);
  }

  installHelperPage(fn: CallTrap): void {
    this.installCallTrap(HELPER_BASE, fn);
  }

  installKfuncPage(fn: CallTrap): void {
    this.installCallTrap(KFUNC_BASE, fn);
  }

  installThunks(): void {
    if (this.arch === 'x86_64') this.mapInternal(THUNK_BASE, thunkPage());
  }

  installSentinel(): void {
    if (this.sentinelInstalled) return;
    this.sentinelInstalled = true;
    this.mapInternal(SENTINEL_ADDR, sentinelPage(this.arch));
  }

  // ---------------------------------------------------------------- execution
  run(opts: RunOptions = {}): StopReason {
    this.open();
    const pc = this.pc;
    if (this.bpAt.has(pc)) this.skipAddr = pc;
    return this.emulate(pc, opts.budget ?? DEFAULT_BUDGET, opts.timeoutMs);
  }

  step(): StopReason {
    this.open();
    const pc = this.pc;
    if (this.bpAt.has(pc)) this.skipAddr = pc;
    const r = this.emulate(pc, 1, undefined);
    return r.kind === 'budget' ? { kind: 'step', pc: r.pc } : r;
  }

  call(entry: bigint, args: bigint[], stackTop: bigint, opts: RunOptions = {}): StopReason {
    this.open();
    this.installSentinel();
    const regs: Record<string, bigint> = {};
    argRegs(this.arch).forEach((n, i) => {
      if (i < args.length) regs[n] = args[i]!;
    });
    if (this.arch === 'x86_64') {
      // The kernel's `call bpf_func`: the return address on the stack is our sentinel.
      const sp = stackTop - 8n;
      this.writeU64(sp, SENTINEL_ADDR);
      regs[spReg(this.arch)] = sp;
    } else {
      regs['sp'] = stackTop;
      regs['ra'] = SENTINEL_ADDR;
    }
    regs[pcReg(this.arch)] = entry;
    this.writeRegs(regs);
    return this.run(opts);
  }

  callFromTrap(entry: bigint, args: bigint[], opts: { budget?: number } = {}): { stop: StopReason; retval: bigint } {
    this.open();
    if (!this.running || this.inHook === 0) throw E.notInTrap();
    // Unicorn 2.0.1 accepts uc_emu_start from inside a hook (measured): park the
    // interrupted CPU state, run the function below the current stack pointer to the
    // sentinel, then put everything back. Its counting hook restarts, so the outer run's
    // budget restarts from here too.
    const parked = this.snapshot({ memory: false });
    const saved = { stop: this.stopReason, fault: this.fault, watch: this.watchHit, skip: this.skipAddr, quiet: this.quiet };
    const budget = opts.budget ?? DEFAULT_BUDGET;
    try {
      this.installSentinel();
      const sp = (this.readReg(spReg(this.arch)) - 0x100n) & ~0xfn;
      const regs: Record<string, bigint> = {};
      argRegs(this.arch).forEach((n, i) => {
        if (i < args.length) regs[n] = args[i]!;
      });
      if (this.arch === 'x86_64') {
        this.writeU64(sp - 8n, SENTINEL_ADDR);
        regs['rsp'] = sp - 8n;
      } else {
        regs['sp'] = sp;
        regs['ra'] = SENTINEL_ADDR;
      }
      this.writeRegs(regs);
      this.stopReason = undefined;
      this.fault = undefined;
      this.watchHit = undefined;
      this.skipAddr = undefined;
      this.quiet = true;
      const err = this.L.uc_emu_start(this.uc, entry, 0n, 0n, budget);
      if (this.hookError !== undefined) throw this.hookError;
      const stop = this.classify(err, budget, true);
      return { stop, retval: this.retval };
    } finally {
      this.check('uc_context_restore', this.L.uc_context_restore(this.uc, (parked as UcSnapshot).context()));
      parked.dispose();
      this.stopReason = saved.stop;
      this.fault = saved.fault;
      this.watchHit = saved.watch;
      this.skipAddr = saved.skip;
      this.quiet = saved.quiet;
    }
  }

  private emulate(begin: bigint, count: number, timeoutMs: number | undefined): StopReason {
    if (this.running || this.inHook > 0) throw E.reentrantRun();
    this.stopReason = undefined;
    this.hookError = undefined;
    this.fault = undefined;
    this.watchHit = undefined;
    const timeoutUs = timeoutMs === undefined ? 0n : BigInt(Math.max(1, Math.round(timeoutMs * 1000)));
    this.running = true;
    let err: number;
    try {
      err = this.L.uc_emu_start(this.uc, begin, 0n, timeoutUs, Math.max(1, count));
    } finally {
      this.running = false;
      this.skipAddr = undefined;
    }
    if (this.hookError !== undefined) {
      const e = this.hookError;
      this.hookError = undefined;
      throw e;
    }
    return this.classify(err, count);
  }

  /**
   * `nested`: inside callFromTrap. Writing the pc from inside a hook makes Unicorn restart
   * the outer run at the (restored) pc, re-firing the trap, so pc is left alone there.
   */
  private classify(err: number, count: number, nested = false): StopReason {
    const pc = this.pc;
    if (this.watchHit) {
      // The access completed but pc was rewound to the instruction: step past it.
      const w = this.watchHit;
      const len = insnLength(this.arch, this.readCodeWindow(w.pc, 15), w.pc);
      const next = w.pc + BigInt(len);
      this.setPc(next);
      const value = w.size <= 8 && this.isMapped(w.addr, w.size) ? leU64(this.readMem(w.addr, w.size)) : 0n;
      return { kind: 'watch', pc: next, id: w.id, access: w.access, addr: w.addr, size: w.size, value };
    }
    if (this.stopReason) return this.stopReason;
    if (err !== 0) {
      if (this.fault) return faultReason(this.fault, pc);
      if (err === U.UC_ERR.INSN_INVALID) return { kind: 'invalid-insn', pc };
      if (err === U.UC_ERR.EXCEPTION) return { kind: 'exception', pc, vector: -1 };
      this.check('uc_emu_start', err);
    }
    // hlt / wfi on the sentinel page stopped the CPU just after it; a step or budget stop
    // may also land on it. Either way the program has returned: park pc on the sentinel.
    if (this.sentinelInstalled && pc >= SENTINEL_ADDR && pc <= SENTINEL_ADDR + PAGE) {
      if (pc !== SENTINEL_ADDR && !nested) this.setPc(SENTINEL_ADDR);
      return { kind: 'exited', pc: SENTINEL_ADDR };
    }
    const q = [0n];
    this.check('uc_query', this.L.uc_query(this.uc, U.UC_QUERY_TIMEOUT, q));
    if (BigInt(q[0]!) !== 0n) return { kind: 'timeout', pc };
    // x86 `hlt` ends emulation with pc after it; the JIT never emits one.
    if (this.arch === 'x86_64' && this.isMapped(pc - 1n) && this.readMem(pc - 1n, 1)[0] === 0xf4 && count > 1) {
      return { kind: 'halted', pc };
    }
    return { kind: 'budget', pc, executed: count };
  }

  /** Up to `max` bytes at addr, stopping at the end of mapped memory. */
  private readCodeWindow(addr: bigint, max: number): Uint8Array {
    let n = max;
    while (n > 0 && !this.isMapped(addr, n)) n--;
    return this.readMem(addr, n);
  }

  // ---------------------------------------------------------------- hooks
  private onBreakpoint(addr: bigint): void {
    if (this.quiet) return;
    if (this.skipAddr === addr) {
      this.skipAddr = undefined;
      return;
    }
    const id = this.bpAt.get(addr);
    if (id !== undefined) this.stopWith({ kind: 'breakpoint', pc: addr, id });
  }

  addBreakpoint(addr: bigint): number {
    this.open();
    const existing = this.bpAt.get(addr);
    if (existing !== undefined) return existing;
    const id = this.nextId++;
    const rec = this.hookAdd(U.UC_HOOK_CODE, this.bpCb, addr, addr);
    this.dropCache(addr, addr + 1n);
    this.bps.set(id, { addr, rec });
    this.bpAt.set(addr, id);
    return id;
  }

  removeBreakpoint(id: number): void {
    this.open();
    const bp = this.bps.get(id);
    if (!bp) return;
    this.hookDel(bp.rec);
    this.dropCache(bp.addr, bp.addr + 1n);
    this.bps.delete(id);
    this.bpAt.delete(bp.addr);
  }

  breakpoints(): { id: number; addr: bigint }[] {
    return [...this.bps].map(([id, b]) => ({ id, addr: b.addr }));
  }

  addCodeHook(begin: bigint, end: bigint, fn: CodeHook): number {
    this.open();
    const id = this.nextId++;
    const cb = this.register(this.L.codeHookPtr, (_uc: unknown, addr: number | bigint, size: number) =>
      this.guard(undefined, () => {
        const pc = u64(addr);
        if (fn(pc, size) === 'stop' && !this.quiet) this.stopWith({ kind: 'hook', pc, id });
      }),
    );
    const rec = this.hookAdd(U.UC_HOOK_CODE, cb, begin, end);
    this.dropCache(begin, end + 1n);
    this.userHooks.set(id, { ...rec, begin, end });
    return id;
  }

  removeCodeHook(id: number): void {
    this.open();
    const h = this.userHooks.get(id);
    if (!h) return;
    this.hookDel(this.hooks.find((r) => r.hh === h.hh)!);
    this.dropCache(h.begin, h.end + 1n);
    this.unregister(h.cb);
    this.userHooks.delete(id);
  }

  addWatchpoint(access: 'read' | 'write', begin: bigint, end: bigint): number {
    this.open();
    const id = this.nextId++;
    const cb = this.register(this.L.memHookPtr, (_uc: unknown, _type: number, addr: number | bigint, size: number) =>
      this.guard(true, () => {
        if (this.quiet) return true;
        if (!this.watchHit) this.watchHit = { id, access, addr: u64(addr), size, pc: this.pc };
        this.L.uc_emu_stop(this.uc);
        return true;
      }),
    );
    const type = access === 'read' ? U.UC_HOOK_MEM_READ : U.UC_HOOK_MEM_WRITE;
    this.watches.set(id, this.hookAdd(type, cb, begin, end));
    return id;
  }

  removeWatchpoint(id: number): void {
    this.open();
    const w = this.watches.get(id);
    if (!w) return;
    this.hookDel(w);
    this.unregister(w.cb);
    this.watches.delete(id);
  }

  // ---------------------------------------------------------------- snapshots
  snapshot(opts: { memory?: boolean } = {}): MachineSnapshot {
    this.open();
    const out: unknown[] = [null];
    this.check('uc_context_alloc', this.L.uc_context_alloc(this.uc, out));
    this.check('uc_context_save', this.L.uc_context_save(this.uc, out[0]));
    const mem: RegionCopy[] = [];
    if (opts.memory !== false) {
      for (const r of this.regionList) {
        if (r.internal) continue;
        const bytes = r.view ? r.view.slice(0, r.size) : this.readMem(r.base, r.size);
        mem.push({ base: r.base, bytes, exec: (r.perms & PERM_X) !== 0 });
      }
    }
    return new UcSnapshot(this, this.arch, this.pc, out[0], mem, (ctx) => this.L.uc_context_free(ctx));
  }

  restore(s: MachineSnapshot): void {
    this.open();
    if (!(s instanceof UcSnapshot) || s.owner !== this) throw E.wrongSnapshot();
    if (this.running) throw E.reentrantRun();
    this.check('uc_context_restore', this.L.uc_context_restore(this.uc, s.context()));
    for (const copy of s.mem) {
      const region = this.regionList.find((r) => r.base === copy.base);
      if (region?.view) {
        if (!sameBytes(region.view.subarray(0, copy.bytes.length), copy.bytes)) region.view.set(copy.bytes);
        if (copy.exec) this.dropCache(copy.base, copy.base + BigInt(copy.bytes.length));
        continue;
      }
      if (!this.isMapped(copy.base, copy.bytes.length)) continue; // unmapped since: leave it
      if (sameBytes(this.readMem(copy.base, copy.bytes.length), copy.bytes)) continue;
      if (copy.exec) this.writeCode(copy.base, copy.bytes);
      else this.writeMem(copy.base, copy.bytes);
    }
  }

  // ---------------------------------------------------------------- lifetime
  close(): void {
    if (this.isClosed) return;
    if (this.inHook > 0 || this.running) throw E.closeWhileRunning();
    this.isClosed = true;
    this.L.uc_close(this.uc);
    for (const cb of this.callbacks) this.L.unregister(cb);
    this.callbacks.clear();
    this.hooks.length = 0;
    this.regionList.length = 0; // drops shared views: host memory is freed once JS lets go
  }
}

function leU64(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  return v;
}

function faultReason(f: { type: number; addr: bigint; size: number }, pc: bigint): StopReason {
  const access: MemAccess =
    f.type === U.UC_MEM_READ_UNMAPPED || f.type === U.UC_MEM_READ_PROT
      ? 'read'
      : f.type === U.UC_MEM_WRITE_UNMAPPED || f.type === U.UC_MEM_WRITE_PROT
        ? 'write'
        : 'fetch';
  const cause = f.type >= U.UC_MEM_WRITE_PROT ? 'protected' : 'unmapped';
  return { kind: 'fault', pc, access, addr: f.addr, size: f.size, cause };
}

