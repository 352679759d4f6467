// The Unicorn plumbing under UnicornMachine: engine handle and return-code checks, hook
// bookkeeping with exceptions held until uc_emu_start returns (trap 8), batched register
// access (uc_reg_read_batch: ~0.25 µs for 20 registers vs ~2 µs one by one), guest memory
// with copy-free access to shared host regions, code writes that drop translated blocks
// (trap 1), and the per-CPU gs base.
import { THIS_CPU_OFF_ADDR } from '../common/layout.ts';
import * as E from './errors.ts';
import { hostAllocator, hostRange } from './hostMemory.ts';
import type { MachineArch, MemRegion, StopReason } from './machine.ts';
import { pcReg, regTable, retReg } from './regs.ts';
import { RegionTable } from './regionTable.ts';
import * as U from './unicornLib.ts';

const MAX_BATCH = 64;

export type HookRec = { hh: bigint; cb?: unknown };

/** Normalises a uint64 delivered by koffi to a callback (>= 2^63 arrives negative). */
export const u64 = (x: number | bigint): bigint => BigInt.asUintN(64, BigInt(x));

export abstract class UnicornCore {
  readonly arch: MachineArch;
  protected readonly L = U.unicornLib();
  protected readonly uc: unknown;
  protected isClosed = false;
  protected inHook = 0;
  protected running = false;
  protected readonly regs: Readonly<Record<string, number>>;
  protected readonly one = new BigUint64Array(1);
  protected readonly batchIds = new Int32Array(MAX_BATCH);
  protected readonly batchVals = U.unicornLib().allocU64(MAX_BATCH);
  protected readonly regionList = new RegionTable();
  protected readonly hooks: HookRec[] = [];
  protected readonly callbacks = new Set<unknown>();
  protected curCpu = 0;

  // State of the current run, written by hooks.
  protected stopReason: StopReason | undefined;
  protected hookError: unknown;

  constructor(arch: MachineArch) {
    this.arch = arch;
    this.regs = regTable(arch);
    const out: unknown[] = [null];
    const [a, m] = arch === 'x86_64' ? [U.UC_ARCH_X86, U.UC_MODE_64] : [U.UC_ARCH_RISCV, U.UC_MODE_RISCV64];
    this.check('uc_open', this.L.uc_open(a, m, out));
    this.uc = out[0];
  }

  /** Closes the engine and forgets every callback and mapping (callers check hooks/runs). */
  protected closeEngine(): void {
    this.isClosed = true;
    this.L.uc_close(this.uc);
    for (const cb of this.callbacks) this.L.unregister(cb);
    this.callbacks.clear();
    this.hooks.length = 0;
    this.regionList.clear(); // drops shared views: host memory is freed once JS lets go
    this.batchVals.free();
  }

  private codeGen = 0;

  /** See Machine.codeGeneration. */
  get codeGeneration(): number {
    return this.codeGen;
  }

  /** Guest code or mappings changed: a new code generation, and the subclass's hook. */
  protected codeChanged(): void {
    this.codeGen++;
    this.onCodeChanged();
  }

  /** writeMem is about to write [addr, addr + len) (write trackers of the subclass). */
  protected wrote(_addr: bigint, _len: number): void {}

  /** What a subclass drops when code changes (what single steps decoded). */
  protected onCodeChanged(): void {}

  // ---------------------------------------------------------------- plumbing
  get closed(): boolean {
    return this.isClosed;
  }

  protected open(): void {
    if (this.isClosed) throw E.machineClosed();
  }

  protected check(op: string, code: number): void {
    if (code !== 0) throw E.unicornError(op, code, this.L.uc_strerror(code));
  }

  protected register(type: unknown, fn: (...args: never[]) => unknown): unknown {
    const cb = this.L.register(fn, type as never);
    this.callbacks.add(cb);
    return cb;
  }

  protected unregister(cb: unknown): void {
    if (this.callbacks.delete(cb)) this.L.unregister(cb);
  }

  protected hookAdd(type: number, cb: unknown, begin: bigint, end: bigint, userData: unknown = null): HookRec {
    const hh = new BigUint64Array(1);
    this.check('uc_hook_add', this.L.uc_hook_add(this.uc, hh, type, cb, userData, begin, end));
    const rec = { hh: hh[0]!, cb };
    this.hooks.push(rec);
    return rec;
  }

  /** Deletes the hook `rec.hh` names (rec may be a copy of hookAdd's record, extended). */
  protected hookDel(rec: HookRec): void {
    this.check('uc_hook_del', this.L.uc_hook_del(this.uc, rec.hh));
    const i = this.hooks.findIndex((r) => r.hh === rec.hh);
    if (i >= 0) this.hooks.splice(i, 1);
  }

  /** Runs hook code; an exception stops the run and is rethrown when uc_emu_start returns. */
  protected guard<T>(fallback: T, fn: () => T): T {
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

  protected stopWith(r: StopReason): void {
    if (!this.stopReason) this.stopReason = r;
    this.L.uc_emu_stop(this.uc);
  }

  protected dropCache(begin: bigint, end: bigint): void {
    this.check('uc_ctl(TB_REMOVE_CACHE)', this.L.uc_ctl_range(this.uc, U.UC_CTL_TB_REMOVE_CACHE_W, begin, end));
  }

  // ---------------------------------------------------------------- registers
  protected id(name: string): number {
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
    this.codeChanged();
    this.regionList.add({ base, size, perms, shared: false });
  }

  allocator(): (size: number) => Uint8Array {
    return hostAllocator;
  }

  mapShared(base: bigint, bytes: Uint8Array, perms: number): void {
    this.open();
    const host = hostRange(bytes);
    if (!host) throw E.notSharedMemory();
    this.check(`uc_mem_map_ptr(0x${base.toString(16)}, 0x${host.size.toString(16)})`, this.L.uc_mem_map_ptr(this.uc, base, host.size, perms, host.address));
    this.codeChanged();
    this.regionList.add({ base, size: host.size, perms, shared: true, view: bytes });
  }

  unmap(base: bigint, size: number): void {
    this.open();
    this.check('uc_mem_unmap', this.L.uc_mem_unmap(this.uc, base, size));
    this.codeChanged();
    this.regionList.reshape(base, size, null);
  }

  protect(base: bigint, size: number, perms: number): void {
    this.open();
    this.check('uc_mem_protect', this.L.uc_mem_protect(this.uc, base, size, perms));
    this.codeChanged();
    this.regionList.reshape(base, size, perms);
  }

  regions(): MemRegion[] {
    return this.regionList.all().map(({ base, size, perms, shared }) => ({ base, size, perms, shared }));
  }

  isMapped(addr: bigint, size = 1): boolean {
    return this.regionList.isMapped(addr, size);
  }

  readMem(addr: bigint, size: number): Uint8Array {
    this.open();
    const shared = this.regionList.sharedView(addr, size);
    if (shared) return shared.slice();
    const buf = new Uint8Array(size);
    if (size === 0) return buf;
    if (this.L.uc_mem_read(this.uc, addr, buf, size) !== 0) throw E.unmappedHostAccess(addr, size);
    return buf;
  }

  writeMem(addr: bigint, bytes: Uint8Array): void {
    this.open();
    if (bytes.length === 0) return;
    this.wrote(addr, bytes.length);
    const shared = this.regionList.sharedView(addr, bytes.length);
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
    this.codeChanged();
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
}
