// Machine on Unicorn 2 (through koffi, see unicornLib.ts; plumbing in unicornCore.ts).
// Design decisions, each from a measured trap in ../shared/reference/unicorn-koffi.md:
// - Every uc_emu_start passes count = 0: Unicorn's per-instruction count hook (count > 0)
//   cost counted runs 30-130x; and a flip of count between 0 and > 0 flushes every
//   translated block (trap 4), so no run on an engine uses it.
//   - Uncounted runs (budget Infinity: `bpfdbg run`) chain translated blocks at full speed,
//     bounded by a timeout.
//   - Counted runs (budgets, single steps, reverse execution) count natively by translated
//     block (nativeBlockCounter.ts, x86-64 hosts): its block hook stops the run before a
//     block that would cross the budget, and what is left of the budget runs as the start
//     of that block, cut by an `until` exit (the block dropped first: a cached block is not
//     cut). A step is a budget of 1 with an exit just past its instruction (stepExits.ts),
//     which also keeps Unicorn from translating far ahead. Every stop knows its exact count
//     (lastExecuted, the count hook's rule). Fault and watchpoint pcs stay exact: on x86-64
//     the memory hooks' presence makes Unicorn store the pc before each access; on riscv64
//     the accesses the block made tell the instruction (accessPc.ts). Measured on a compute
//     loop: 1.7-2.1x uncounted on x86-64, 1.9-2.3x on riscv64, where Unicorn's block hook
//     with an empty callback alone cost 1.9-2.6x (bench/counted.ts, docs/PERFORMANCE.md).
//   - Without the native counter (another host, or Capstone not loaded) and after
//     useUnicornCount() (the tests' oracle), counted runs pass count > 0 as before: exact
//     budgets and fault pcs from Unicorn's count hook.
// - Runs end at a return-address sentinel page of hlt / wfi, which stop Unicorn by
//   themselves; `until` only ends steps and the rest of a budget inside a block.
// - Code writes always drop translated blocks (trap 1); hooks added late are followed
//   by a cache removal over their range so they fire (trap 2).
// - Stopping in a code hook leaves pc on that instruction: breakpoints skip once (trap 5).
// - Stopping in a memory hook completes the access and rewinds pc: watchpoints move pc
//   past the instruction themselves (trap 7).
// - Exceptions in hooks are caught, stop the run, and are rethrown after uc_emu_start
//   returns (trap 8); close() is refused inside hooks and runs (trap 9).
// - Writing the pc from inside a hook makes Unicorn restart at that pc (measured): the
//   nested runs of callFromTrap leave the pc alone.
// - A nested uc_emu_start (callFromTrap: bpf_loop and timer callbacks) runs with the
//   native counter's state saved and put back. A run with Unicorn's count shares
//   uc->emu_counter with it, so after a helper that ran callbacks that run is stopped right
//   after the helper's `ret` (stopAfterTrap); by block it is stopped there too, and goes
//   on at once with its budget as it was unless it asked to stop there (stopAfterCallback).
import { CALLBACK_LOOP_ADDR, HELPER_BASE, HELPER_STRIDE, KFUNC_BASE, PAGE_SIZE, SENTINEL_ADDR, THUNK_BASE } from '../common/layout.ts';
import { callbackLoopPage } from './loopTrampoline.ts';
import { KFUNC_TRAP_PAGES } from '../common/kallsyms.ts';
import { capstoneLoaded, disasm, insnLength } from './capstone.ts';
import { riscvAccessInsn } from './accessPc.ts';
import { StepExits } from './stepExits.ts';
import * as E from './errors.ts';
import {
  PERM_RX,
  PERM_X,
  type CallTrap,
  type CodeHook,
  type ExceptionTable,
  type Machine,
  type MachineArch,
  type MachineSnapshot,
  type MemAccess,
  type RunOptions,
  type StopReason,
  type WriteObserver,
} from './machine.ts';
import { argRegs, pcReg, retReg, spReg } from './regs.ts';
import { UnicornCore, u64, type HookRec } from './unicornCore.ts';
import { UcSnapshot, type RegionCopy } from './snapshot.ts';
import { callTrapPage, sentinelPage, thunkPage } from './trapPages.ts';
import * as U from './unicornLib.ts';
import { bytesEqual } from '../common/bytes.ts';
import { NativeBlockCounter } from './nativeBlockCounter.ts';

const DEFAULT_BUDGET = 50_000_000;
/**
 * Helper ids 0..0x10ff: the UAPI helpers plus the kernel-internal functions bpfdbg numbers
 * from 0x1000 (bpf_skb_load_helper_*_no_cache, targets of the LD_ABS/LD_IND rewrite).
 */
const HELPER_TRAP_PAGES = 0x11;
const PAGE = BigInt(PAGE_SIZE);

/**
 * Creates a machine. Capstone is not loaded here: only watchpoints (instruction lengths) and
 * the native block counter (block decoding) need it, and `bpfdbg run` uses neither, so its
 * start-up does not pay for compiling Capstone's wasm (~40 ms). Debugger, recording and
 * replay sessions load it first (openSession, openRecordingSession, the replayer).
 */
export async function createMachine(arch: MachineArch): Promise<UnicornMachine> {
  return new UnicornMachine(arch);
}

export class UnicornMachine extends UnicornCore implements Machine {
  private sentinelInstalled = false;
  private fault: { type: number; addr: bigint; size: number } | undefined;
  private watchHit: { id: number; access: 'read' | 'write'; addr: bigint; size: number; pc: bigint } | undefined;
  private skipAddr: bigint | undefined;
  /** Inside callFromTrap: breakpoints, watchpoints and hook stops are ignored. */
  private quiet = false;
  /** Nested runs callFromTrap has made (a trap hook compares it before and after its helper). */
  private callbackRuns = 0;
  /** The current (outer or nested) run was stopped right after a helper that ran callbacks. */
  private afterCallback = false;
  /** The trap being handled continues in the guest's bpf_loop loop with these arguments (loopInGuest). */
  private guestLoop: bigint[] | undefined;

  private nextId = 1;
  private readonly bps = new Map<number, { addr: bigint; rec: HookRec }>();
  private readonly bpAt = new Map<bigint, number>();
  private readonly userHooks = new Map<number, HookRec & { begin: bigint; end: bigint }>();
  private readonly watches = new Map<number, HookRec>();
  private readonly trackers = new Map<number, HookRec & { begin: bigint; end: bigint; fn: WriteObserver }>();
  private readonly stepExits: StepExits;
  private readonly bpCb: unknown;
  constructor(arch: MachineArch) {
    super(arch);
    this.stepExits = new StepExits(arch);
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
      this.guard(undefined, () => this.stopWith(exceptionReason(this.arch, this.pc, intno))),
    );
    this.hookAdd(U.UC_HOOK_INTR, intr, 1n, 0n);
  }

  // ---------------------------------------------------------------- trap pages
  private mapInternal(base: bigint, bytes: Uint8Array): void {
    if (this.isMapped(base)) return;
    this.map(base, bytes.length, PERM_RX);
    this.regionList.at(base)!.internal = true;
    this.writeCode(base, bytes);
  }

  private installCallTrap(base: bigint, pages: number, fn: CallTrap): void {
    const page = callTrapPage(this.arch);
    const bytes = new Uint8Array(pages * PAGE_SIZE);
    for (let i = 0; i < pages; i++) bytes.set(page, i * PAGE_SIZE);
    this.mapInternal(base, bytes);
    const end = base + BigInt(bytes.length);
    const args = argRegs(this.arch);
    const ret = retReg(this.arch);
    const cb = this.register(this.L.codeHookPtr, (_uc: unknown, addr: number | bigint) => {
      this.guard(undefined, () => {
        const off = u64(addr) - base;
        if (off % HELPER_STRIDE !== 0n) return;
        const runs = this.callbackRuns;
        this.guestLoop = undefined;
        const r0 = fn(Number(off / HELPER_STRIDE), this.readRegs(args));
        const loop = this.guestLoop as bigint[] | undefined; // set by loopInGuest from inside fn
        if (loop) {
          // Instead of the trap's return: the loop, which returns to the helper's caller.
          this.guestLoop = undefined;
          const regs: Record<string, bigint> = {};
          loop.forEach((v, i) => {
            regs[args[i]!] = v;
          });
          regs[pcReg(this.arch)] = CALLBACK_LOOP_ADDR;
          this.writeRegs(regs);
          return;
        }
        this.writeReg(ret, r0);
        if (this.callbackRuns !== runs) this.stopAfterTrap();
      });
    });
    this.hookAdd(U.UC_HOOK_CODE, cb, base, end - 1n);
    this.dropCache(base, end);
  }

  /** installHelperPage ran (bpf_loop's guest loop needs the helper trap). */
  private helperPage = false;
  /**
   * The loop page is mapped. A flag rather than isMapped per run: that built the page
   * (4 KiB) each uncounted run and moved the region table's last-found region off the one
   * the next run's return-address write uses.
   */
  private loopPageMapped = false;

  installHelperPage(fn: CallTrap): void {
    this.helperPage = true;
    this.installCallTrap(HELPER_BASE, HELPER_TRAP_PAGES, fn);
  }

  /**
   * From the helper trap being handled, in an uncounted run: bpf_loop's loop goes on as
   * guest code (loopTrampoline.ts) when the trap returns, calling `fn(i, ctx)` up to `nr`
   * times and returning what the kernel's helper returns. False where the loop must run
   * from the host: counted runs (debugger, recording) count a helper with its callbacks as
   * its one `ret` and run callbacks quietly (callFromTrap), and outside a trap.
   */
  loopInGuest(nr: bigint, fn: bigint, ctx: bigint): boolean {
    if (!this.running || this.inHook === 0 || !this.uncounted || !this.loopPageMapped) return false;
    this.guestLoop = [nr, fn, ctx];
    return true;
  }

  installKfuncPage(fn: CallTrap): void {
    this.installCallTrap(KFUNC_BASE, KFUNC_TRAP_PAGES, fn);
  }

  installThunks(): void {
    if (this.arch === 'x86_64') this.mapInternal(THUNK_BASE, thunkPage());
  }

  installSentinel(): void {
    if (this.sentinelInstalled) return;
    this.sentinelInstalled = true;
    this.mapInternal(SENTINEL_ADDR, sentinelPage(this.arch));
  }

  /**
   * CPU contexts parked around nested runs, one per nesting depth, allocated once and kept:
   * a bpf_loop callback parks and restores the CPU each time, and a uc_context_alloc/free
   * and a pc read per callback were a third of its cost.
   */
  private readonly parkedContexts: unknown[] = [];
  private parkDepth = 0;

  private park(): unknown {
    let ctx = this.parkedContexts[this.parkDepth];
    if (ctx === undefined) {
      const out: unknown[] = [null];
      this.check('uc_context_alloc', this.L.uc_context_alloc(this.uc, out));
      ctx = this.parkedContexts[this.parkDepth] = out[0];
    }
    this.check('uc_context_save', this.L.uc_context_save(this.uc, ctx));
    this.parkDepth++;
    return ctx;
  }

  private unpark(ctx: unknown): void {
    this.parkDepth--;
    this.check('uc_context_restore', this.L.uc_context_restore(this.uc, ctx));
  }

  /** The current run is uncounted (budget Infinity: Unicorn count 0). */
  private uncounted = false;

  /** undefined: not tried yet; null: not available here (not an x86-64 host, or Capstone not loaded). */
  private counter: NativeBlockCounter | null | undefined;
  /**
   * Instructions the last run or step executed, exactly, whatever stopped it (the count
   * hook's rule: a faulting or breakpoint instruction is not executed, a watched access and
   * a helper's `ret` with its callbacks are); undefined after an uncounted run or where
   * native counting is unavailable.
   */
  lastExecuted: number | undefined;

  /**
   * Adds a UC_HOOK_BLOCK callback of host code on every block (and drops the translated
   * blocks, which have no hook yet). bench/counted.ts measures with it what Unicorn's block
   * hook costs uncounted runs by itself, under whatever callback counting would use.
   */
  addNativeBlockHook(callback: unknown, userData: unknown = null): void {
    this.open();
    this.hookAdd(U.UC_HOOK_BLOCK, callback, 1n, 0n, userData);
    this.dropExecutable();
  }

  /**
   * Blocks translated before a block hook was added have no hook (trap 2): drop them, region
   * by region (a whole-cache UC_CTL_TB_FLUSH took 0.3-9 s here, on a session's engine).
   */
  private dropExecutable(): void {
    for (const r of this.regionList.all()) if ((r.perms & PERM_X) !== 0) this.dropCache(r.base, r.base + BigInt(r.size));
  }

  /** Counted runs keep to Unicorn's count hook (useUnicornCount). */
  private unicornCountOnly = false;

  /**
   * Counted runs on this machine enforce budgets with Unicorn's per-instruction count hook,
   * as they did before budgets were enforced by block: the oracle the block-enforced runs
   * are tested against. Call it before the first counted run.
   */
  useUnicornCount(): void {
    if (this.counter !== undefined) throw new Error('internal: useUnicornCount after the first counted run');
    this.unicornCountOnly = true;
  }

  /** Counted runs enforce budgets by block (count 0): the native counter is there and useUnicornCount was not called. */
  private get byBlocks(): boolean {
    return !!this.counter && !this.unicornCountOnly;
  }

  private blockCounter(): NativeBlockCounter | undefined {
    if (this.counter === undefined) {
      // Without Capstone (a CLI `run --max-insns`) nothing decodes blocks: Unicorn's count alone.
      this.counter = (capstoneLoaded() && NativeBlockCounter.create(this.arch, this.L.address(this.uc), (a, n) => this.readMem(a, n))) || null;
      if (this.counter) {
        this.hookAdd(U.UC_HOOK_BLOCK, this.counter.callback, 1n, 0n, this.counter.userData);
        // By block, accesses are counted too (riscv64 fault and watch pcs); on x86-64 the
        // hook's presence makes Unicorn keep the pc exact at every access (accessPc.ts).
        if (!this.unicornCountOnly) this.hookAdd(U.UC_HOOK_MEM_READ | U.UC_HOOK_MEM_WRITE, this.counter.memCallback, 1n, 0n, this.counter.userData);
        this.dropExecutable();
      }
    }
    return this.counter ?? undefined;
  }

  private exTable: ExceptionTable | undefined;

  // ---------------------------------------------------------------- execution
  setExceptionTable(t: ExceptionTable | undefined): void {
    this.exTable = t;
  }

  /**
   * A read fault at an exception-table site: zero the destination and resume after the
   * load, as the kernel's ex_handler_bpf does. True when fixed up.
   */
  private fixupFault(err: number): boolean {
    const f = this.fault;
    if (err === 0 || !f || this.stopReason || this.hookError !== undefined || !this.exTable) return false;
    if (f.type !== U.UC_MEM_READ_UNMAPPED && f.type !== U.UC_MEM_READ_PROT) return false;
    const fix = this.exTable(this.pc);
    if (!fix) return false;
    this.writeReg(fix.reg, 0n);
    this.setPc(fix.resume);
    this.fault = undefined;
    return true;
  }

  run(opts: RunOptions = {}): StopReason {
    this.open();
    const pc = this.pc;
    if (this.bpAt.has(pc)) this.skipAddr = pc;
    return this.emulate(pc, opts.budget ?? DEFAULT_BUDGET, opts.timeoutMs, opts.stopAfterCallback ?? false);
  }

  step(): StopReason {
    this.open();
    const pc = this.pc;
    if (this.bpAt.has(pc)) this.skipAddr = pc;
    const r = this.emulate(pc, 1, undefined, false);
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

  /**
   * Calls a BPF function (a timer or bpf_loop callback) from wherever the CPU is: from a
   * helper trap (callFromTrap), or while stopped / after a run, as a separate run below the
   * current stack whose CPU state is put back afterwards (a timer firing from softirq
   * context while the debugger holds the program, or after it has returned).
   */
  callNested(entry: bigint, args: bigint[], opts: { budget?: number } = {}): { stop: StopReason; retval: bigint } {
    if (this.running && this.inHook > 0) return this.callFromTrap(entry, args, opts);
    this.open();
    const parked = this.park();
    const quiet = this.quiet;
    this.quiet = true; // the user's breakpoints belong to the held program, not to this call
    try {
      const sp = (this.readReg(spReg(this.arch)) - 0x100n) & ~0xfn;
      const stop = this.call(entry, args, sp, { budget: opts.budget ?? DEFAULT_BUDGET });
      return { stop, retval: this.retval };
    } finally {
      this.quiet = quiet;
      this.unpark(parked);
    }
  }

  callFromTrap(entry: bigint, args: bigint[], opts: { budget?: number } = {}): { stop: StopReason; retval: bigint } {
    this.open();
    if (!this.running || this.inHook === 0) throw E.notInTrap();
    // Unicorn 2.0.1 accepts uc_emu_start from inside a hook (measured): park the
    // interrupted CPU state, run the function below the current stack pointer to the
    // sentinel, then put everything back. It restarts the instruction counter the outer run
    // shares: the trap hook stops the outer run after the helper returns (stopAfterTrap).
    const parked = this.park();
    const counted = this.counter?.save();
    const saved = {
      stop: this.stopReason,
      fault: this.fault,
      watch: this.watchHit,
      skip: this.skipAddr,
      quiet: this.quiet,
      after: this.afterCallback,
    };
    // An uncounted outer run keeps the nested one uncounted too: flipping Unicorn's count
    // between 0 and > 0 flushes every translated block (trap 4).
    const budget = opts.budget ?? (this.uncounted ? Infinity : DEFAULT_BUDGET);
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
      let err = 0;
      try {
        // A callback that itself runs callbacks is stopped after that helper: go on.
        const byBlocks = this.byBlocks;
        // The nested run counts from 0 against its own budget; the outer count is restored after.
        this.counter?.reset(byBlocks ? budget : Infinity);
        for (let pc = entry; ; pc = this.pc) {
          this.afterCallback = false;
          err = this.L.uc_emu_start(this.uc, pc, 0n, 0n, byBlocks ? 0 : unicornCount(budget));
          if (!this.resumable(err)) break;
          if (byBlocks) {
            this.counter!.setLimit(budget);
            this.counter!.clearStopped();
          }
        }
      } finally {
        this.callbackRuns++;
      }
      if (this.hookError !== undefined) throw this.hookError;
      const stop = this.classify(err, budget, true);
      return { stop, retval: this.retval };
    } finally {
      this.unpark(parked);
      if (counted) this.counter!.restore(counted);
      this.stopReason = saved.stop;
      this.fault = saved.fault;
      this.watchHit = saved.watch;
      this.skipAddr = saved.skip;
      this.quiet = saved.quiet;
      this.afterCallback = saved.after;
    }
  }

  /**
   * The helper of the trap being handled ran BPF callbacks, each a uc_emu_start of its own,
   * and each restarted Unicorn's instruction counter (uc->emu_counter, shared with the run
   * this trap interrupted): that run's budget is lost. Stop it right after the trap's `ret`,
   * which its counting hook has already counted: a one-instruction emulation of the
   * sentinel's hlt leaves the counter at 1 of 1, so the count check of the instruction
   * after the `ret` stops the run there. Its owner (emulate, callFromTrap) then reports the
   * stop or resumes. Uncounted runs have no counter and simply go on.
   */
  private stopAfterTrap(): void {
    if (this.uncounted) return;
    if (this.byBlocks) {
      // By block nothing was lost (the native counter was saved around the nested runs):
      // the hook stops before the block after the `ret`, which it has already counted.
      this.counter!.setLimit(this.counter!.count);
      this.afterCallback = true;
      return;
    }
    const parked = this.park();
    const counted = this.counter?.save();
    try {
      this.check('uc_emu_start', this.L.uc_emu_start(this.uc, SENTINEL_ADDR, 0n, 0n, 1));
    } finally {
      this.unpark(parked);
      if (counted) this.counter!.restore(counted);
    }
    this.afterCallback = true;
  }

  /** The run stopped only because a helper ran callbacks (stopAfterTrap): it may go on. */
  private resumable(err: number): boolean {
    return this.afterCallback && err === 0 && !this.stopReason && !this.watchHit && this.hookError === undefined;
  }

  /**
   * `until` for a one-instruction run at pc (stepExits.ts); 0n outside executable memory.
   * By block (`always`) just past the instruction wherever it can be decoded.
   */
  private stepExit(pc: bigint, always: boolean): bigint {
    const region = this.regionList.containing(pc);
    if (!region || (region.perms & PERM_X) === 0) return 0n;
    return this.stepExits.exitFor(pc, region.base + BigInt(region.size), (a, n) => this.readMem(a, n), always);
  }

  /**
   * riscv64, by block: a fault or a watched access left pc at its block's start (Unicorn's
   * riscv translator stores the pc only at block ends, exceptions and code hooks); put it on
   * the instruction that made the access, found from the accesses the block made before.
   * x86-64 needs nothing: with memory hooks present its translator keeps pc exact.
   */
  private exactAccessPc(nbc: NativeBlockCounter, stop: 'read' | 'write' | 'watch'): void {
    if (this.arch !== 'riscv64') return;
    const b = nbc.last;
    const pc = this.pc;
    if (b.size === 0 || pc < b.addr || pc >= b.addr + BigInt(b.size)) return;
    const insns = disasm('riscv64', this.readMem(b.addr, b.size), b.addr);
    const i = riscvAccessInsn(insns, nbc.memEvents, stop);
    if (i !== undefined) this.setPc(insns[i]!.addr);
  }

  protected override onCodeChanged(): void {
    this.stepExits.clear();
    this.counter?.clear();
  }

  private emulate(begin: bigint, count: number, timeoutMs: number | undefined, stopAfterCallback: boolean): StopReason {
    if (this.running || this.inHook > 0) throw E.reentrantRun();
    this.stopReason = undefined;
    this.hookError = undefined;
    this.fault = undefined;
    this.watchHit = undefined;
    const deadline = timeoutMs === undefined ? undefined : performance.now() + timeoutMs;
    // The loop page is mapped by the first uncounted run only: counted sessions (recordings,
    // whose state hashes cover the machine's code pages) never see it.
    if (count === Infinity && this.helperPage && !this.loopPageMapped) {
      this.mapInternal(CALLBACK_LOOP_ADDR, callbackLoopPage(this.arch));
      this.loopPageMapped = true;
    }
    this.running = true;
    this.uncounted = count === Infinity;
    this.lastExecuted = undefined;
    const nbc = this.uncounted ? undefined : this.blockCounter();
    // By block the counter's limit is the budget; otherwise (and for uncounted runs, which
    // a limit left from a counted run must not stop) none.
    const byBlocks = nbc !== undefined && this.byBlocks;
    this.counter?.reset(byBlocks ? count : Infinity);
    let err = 0;
    let timeoutUs = 0n;
    /** Unicorn's count for the next start: a run that goes on after a fixed-up fault gets what is left. */
    let budgetLeft = count;
    /** The next start's exit: a step's next instruction, or where the rest of a budget ends inside a block. */
    let until = count === 1 ? this.stepExit(begin, byBlocks) : 0n;
    try {
      for (let pc = begin; ; pc = this.pc) {
        this.afterCallback = false;
        if (deadline !== undefined) {
          const left = deadline - performance.now();
          if (left <= 0) {
            if (nbc) this.lastExecuted = nbc.settle(pc);
            return { kind: 'timeout', pc };
          }
          timeoutUs = BigInt(Math.max(1, Math.round(left * 1000)));
        }
        // A block cached before is not cut by a new exit (blockCounter.test.ts): drop it.
        if (byBlocks && until !== 0n) this.dropCache(pc, until);
        err = this.L.uc_emu_start(this.uc, pc, until, timeoutUs, byBlocks ? 0 : unicornCount(budgetLeft));
        until = 0n;
        // A stop requested from the block hook leaves pc where the CPU last stored it (Unicorn
        // 2.0.1 skips restoring the pc of a block left at its start once a stop is requested,
        // and chained blocks store none): the stop came before the last block hooked.
        if (byBlocks && nbc.stopped) this.setPc(nbc.last.addr);
        // (Hooks set these during uc_emu_start: read them through a widened type.)
        const fault = this.fault as UnicornMachine['fault'];
        if (byBlocks && err !== 0 && fault)
          this.exactAccessPc(nbc, fault.type === U.UC_MEM_WRITE_UNMAPPED || fault.type === U.UC_MEM_WRITE_PROT ? 'write' : 'read');
        const faultPc = nbc && err !== 0 ? this.pc : 0n;
        if (this.fixupFault(err)) {
          if (nbc) {
            // The fixed-up load counts as executed; the run goes on with what is left.
            const done = nbc.settle(faultPc) + 1;
            nbc.setCount(done);
            this.lastExecuted = done;
            if (count === 1 || done >= count) return count === 1 ? { kind: 'step', pc: this.pc } : { kind: 'budget', pc: this.pc, executed: count };
            budgetLeft = count - done;
            continue;
          }
          // A step ends after the fixed-up load; a run goes on (its budget counted afresh:
          // without native counting, how many ran before the fault is not known here).
          if (count === 1) return { kind: 'step', pc: this.pc };
          continue;
        }
        if (byBlocks && nbc.stopped && err === 0 && !this.stopReason && !this.watchHit && this.hookError === undefined && !this.afterCallback) {
          // The hook stopped the run before a block that would cross the budget. What is
          // left of the budget runs as the start of that block, cut by an exit.
          const left = count - nbc.count;
          if (left <= 0) break;
          const b = nbc.last;
          const offs = nbc.insnOffsets(b.addr, b.size);
          if (left >= offs.length) throw new Error(`internal: block at 0x${b.addr.toString(16)} of ${offs.length} insns stopped with ${left} left`);
          until = b.addr + BigInt(offs[left]!);
          nbc.clearStopped();
          continue;
        }
        // Stopped after a helper that ran callbacks: a step ends there anyway; a run goes on
        // (by block with its budget as it was: the counter knows what ran; with Unicorn's
        // count, counted again; a breakpoint at the return address is not skipped).
        if (stopAfterCallback || count === 1 || !this.resumable(err)) break;
        this.skipAddr = undefined;
        if (byBlocks) {
          nbc.setLimit(count);
          nbc.clearStopped();
        }
      }
    } finally {
      this.running = false;
      this.skipAddr = undefined;
    }
    if (this.hookError !== undefined) {
      const e = this.hookError;
      this.hookError = undefined;
      throw e;
    }
    if (stopAfterCallback && this.resumable(err)) {
      const pc = this.pc;
      if (nbc) this.lastExecuted = nbc.settle(pc);
      return { kind: 'callback', pc };
    }
    // A timeout is a stop requested from another thread, taken at the start of a block
    // after its block hook ran: pc is stale there too (see above).
    if (byBlocks && timeoutUs !== 0n && err === 0 && !this.stopReason && this.timedOut()) this.setPc(nbc.last.addr);
    const watched = this.watchHit as UnicornMachine['watchHit'];
    if (byBlocks && watched && this.arch === 'riscv64') {
      this.exactAccessPc(nbc, 'watch');
      watched.pc = this.pc;
    }
    const stop = this.classify(err, count, false, timeoutUs !== 0n);
    // classify has moved pc where the stop leaves it (past a watched access, onto the sentinel).
    if (nbc) this.lastExecuted = nbc.settle(this.pc);
    return stop;
  }

  /**
   * `nested`: inside callFromTrap. Writing the pc from inside a hook makes Unicorn restart
   * the outer run at the (restored) pc, re-firing the trap, so pc is left alone there.
   */
  private classify(err: number, count: number, nested = false, timed = false): StopReason {
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
    if (timed && this.timedOut()) return { kind: 'timeout', pc };
    // Only the sentinel page holds `hlt` (the JIT never emits one; text slack is int3), so
    // any other stop without a reason is the budget running out. (Guessing `hlt` from the
    // byte before pc misread instructions that merely end in 0xf4, e.g. a disp8 of -0xc.)
    return { kind: 'budget', pc, executed: Number.isFinite(count) ? count : 0 };
  }

  /** The last uc_emu_start ended by its timeout. */
  private timedOut(): boolean {
    const q = [0n];
    this.check('uc_query', this.L.uc_query(this.uc, U.UC_QUERY_TIMEOUT, q));
    return BigInt(q[0]!) !== 0n;
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
    this.hookDel(h);
    this.dropCache(h.begin, h.end + 1n);
    this.unregister(h.cb);
    this.userHooks.delete(id);
  }

  addWatchpoint(access: 'read' | 'write', begin: bigint, end: bigint): number {
    if (!capstoneLoaded()) throw new Error('internal: a watchpoint needs Capstone loaded (loadCapstone) to step past the access');
    this.open();
    // Unicorn calls no further memory hook after one that asked to stop: the access counter
    // (riscv64 watch pcs by block, accessPc.ts) must come first, so it is added now.
    this.blockCounter();
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

  trackWrites(begin: bigint, end: bigint, fn: WriteObserver): number {
    this.open();
    const id = this.nextId++;
    const cb = this.register(this.L.memHookPtr, (_uc: unknown, _type: number, addr: number | bigint, size: number) =>
      this.guard(true, () => {
        fn(u64(addr), size);
        return true;
      }),
    );
    this.trackers.set(id, { ...this.hookAdd(U.UC_HOOK_MEM_WRITE, cb, begin, end), begin, end, fn });
    return id;
  }

  untrackWrites(id: number): void {
    this.open();
    const t = this.trackers.get(id);
    if (!t) return;
    this.hookDel(t);
    this.unregister(t.cb);
    this.trackers.delete(id);
  }

  protected override wrote(addr: bigint, len: number): void {
    for (const t of this.trackers.values()) {
      if (addr <= t.end && addr + BigInt(len) > t.begin) t.fn(addr, len);
    }
  }

  // ---------------------------------------------------------------- snapshots
  snapshot(opts: { memory?: boolean } = {}): MachineSnapshot {
    this.open();
    const out: unknown[] = [null];
    this.check('uc_context_alloc', this.L.uc_context_alloc(this.uc, out));
    this.check('uc_context_save', this.L.uc_context_save(this.uc, out[0]));
    const mem: RegionCopy[] = [];
    if (opts.memory !== false) {
      for (const r of this.regionList.all()) {
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
      const region = this.regionList.at(copy.base);
      if (region?.view) {
        if (!bytesEqual(region.view.subarray(0, copy.bytes.length), copy.bytes)) {
          this.wrote(copy.base, copy.bytes.length);
          region.view.set(copy.bytes);
          if (copy.exec) this.codeChanged();
        }
        if (copy.exec) this.dropCache(copy.base, copy.base + BigInt(copy.bytes.length));
        continue;
      }
      if (!this.isMapped(copy.base, copy.bytes.length)) continue; // unmapped since: leave it
      if (bytesEqual(this.readMem(copy.base, copy.bytes.length), copy.bytes)) continue;
      if (copy.exec) this.writeCode(copy.base, copy.bytes);
      else this.writeMem(copy.base, copy.bytes);
    }
  }

  // ---------------------------------------------------------------- lifetime
  close(): void {
    if (this.isClosed) return;
    if (this.inHook > 0 || this.running) throw E.closeWhileRunning();
    for (const ctx of this.parkedContexts) this.L.uc_context_free(ctx);
    this.parkedContexts.length = 0;
    this.closeEngine();
    this.counter?.close();
  }
}

/**
 * x86: #UD (vector 6) is an invalid instruction; other vectors as the CPU numbers them (int3
 * traps with pc after it). riscv: the hook sees pc 4 past the trapping instruction, even a
 * compressed one (measured); cause 2 (illegal instruction) is an invalid instruction.
 */
function exceptionReason(arch: MachineArch, pc: bigint, vector: number): StopReason {
  if (arch === 'x86_64') return vector === 6 ? { kind: 'invalid-insn', pc } : { kind: 'exception', pc, vector };
  const at = pc - 4n;
  return vector === 2 ? { kind: 'invalid-insn', pc: at } : { kind: 'exception', pc: at, vector };
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

/** Unicorn's `count` for a budget: Infinity = 0 (uncounted), else exact counting. */
function unicornCount(budget: number): number {
  return budget === Infinity ? 0 : Math.max(1, Math.min(budget, Number.MAX_SAFE_INTEGER));
}
