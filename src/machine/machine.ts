// The Machine: one emulated CPU (x86-64 or riscv64) with its guest memory, breakpoints,
// call-trap pages and snapshots. Typed and emulator-agnostic: nothing here mentions
// Unicorn, so another emulator (a wasm Unicorn, say) can implement the same interface.
// Everything above machine/ (debugger, record) talks to this interface only.
import type { Arch } from '../common/arch.ts';

export type MachineArch = Arch;

/** Guest page permissions (bit values as PROT_READ / PROT_WRITE / PROT_EXEC). */
export const PERM_R = 1;
export const PERM_W = 2;
export const PERM_X = 4;
export const PERM_RW = PERM_R | PERM_W;
export const PERM_RX = PERM_R | PERM_X;
export const PERM_RWX = PERM_R | PERM_W | PERM_X;

export type MemAccess = 'read' | 'write' | 'fetch';

/**
 * Why a run or step ended. Guest misbehaviour is a value naming the address, never a
 * crash; only host bugs (and exceptions thrown by callbacks) are thrown.
 */
export type StopReason =
  /** The program returned to SENTINEL_ADDR (its result is in rax / a0). */
  | { kind: 'exited'; pc: bigint }
  /** A breakpoint's instruction is about to execute (pc = its address, not executed). */
  | { kind: 'breakpoint'; pc: bigint; id: number }
  /** step(): exactly one instruction executed; pc is the next one. */
  | { kind: 'step'; pc: bigint }
  /** Unmapped or protected access. pc is the faulting instruction (not completed). */
  | { kind: 'fault'; pc: bigint; access: MemAccess; addr: bigint; size: number; cause: 'unmapped' | 'protected' }
  | { kind: 'invalid-insn'; pc: bigint }
  /** CPU exception or interrupt instruction (int3, #DE, ecall...); vector as the CPU numbers it. */
  | { kind: 'exception'; pc: bigint; vector: number }
  /** x86 `hlt` outside the sentinel page. pc is after the hlt. */
  | { kind: 'halted'; pc: bigint }
  /** The instruction budget ran out; pc is the next instruction, not executed. */
  | { kind: 'budget'; pc: bigint; executed: number }
  | { kind: 'timeout'; pc: bigint }
  /** A watchpoint's access completed; pc is the instruction after the access. */
  | { kind: 'watch'; pc: bigint; id: number; access: 'read' | 'write'; addr: bigint; size: number; value: bigint }
  /** A code hook returned 'stop' (pc = the hooked instruction, not executed). */
  | { kind: 'hook'; pc: bigint; id: number }
  /**
   * Only with RunOptions.stopAfterCallback: a helper trap ran BPF callbacks (bpf_loop) and
   * returned; pc is the instruction after the helper's return, not executed. How many
   * instructions ran before is Machine.lastExecuted (where native counting is available).
   */
  | { kind: 'callback'; pc: bigint };

export interface RunOptions {
  /**
   * Maximum instructions to execute (default 50,000,000), counted exactly. Infinity runs
   * uncounted at full emulator speed: bound it with timeoutMs instead.
   */
  budget?: number;
  /** Wall-clock limit in milliseconds (costs ~85 µs per run for the timer; default none). */
  timeoutMs?: number;
  /**
   * Stop right after a helper trap that ran BPF callbacks returns (kind 'callback').
   * Otherwise the run goes on: with budgets enforced by block its budget stays exact; with
   * Unicorn's count hook (no native counter, or useUnicornCount) it counts again from the
   * helper's return, since each callback is an emulation of its own and the counter of the
   * run it interrupted is lost. A step (budget 1) always stops there.
   */
  stopAfterCallback?: boolean;
}

export interface MemRegion {
  base: bigint;
  size: number;
  perms: number;
  /** Backed by host memory shared with JS (mapShared). */
  shared: boolean;
}

/**
 * The kernel's exception table for BPF_PROBE_MEM loads: for a faulting read at `pc`, the
 * register the fixup zeroes and where execution resumes; undefined = a real fault.
 */
export type ExceptionTable = (pc: bigint) => { reg: string; resume: bigint } | undefined;

/** Helper / kfunc trap: called with the id and the five argument registers; returns r0. */
export type CallTrap = (id: number, args: bigint[]) => bigint;

/**
 * A code hook callback; return 'stop' to stop before the instruction runs. Hooks must not
 * write the pc: Unicorn restarts the run at a pc written from inside a hook.
 */
export type CodeHook = (pc: bigint, size: number) => void | 'stop';
/** Told of a write to guest memory at [addr, addr + size) (it has happened or is about to). */
export type WriteObserver = (addr: bigint, size: number) => void;

export interface MachineSnapshot {
  readonly arch: MachineArch;
  readonly pc: bigint;
  /** Frees native resources; using the snapshot afterwards is an error. */
  dispose(): void;
}

/** The kernel model's poke state machine writes text through these (kernel/pokes/textPoker.ts's TextPoker). */
export interface Machine {
  readonly arch: MachineArch;
  readonly closed: boolean;
  /**
   * Grows whenever executable memory or the mappings change (text pokes, code loads,
   * snapshot restores): what was decoded from code at an older generation may be stale.
   */
  readonly codeGeneration: number;
  /**
   * Instructions the last run or step executed, exact whatever stopped it (a breakpoint's
   * or faulting instruction is not executed; a watched access and a helper's return with
   * its callbacks are); undefined when the machine cannot tell (an uncounted run, or no
   * native block counting on this host): then a caller finds it by re-running with budgets.
   */
  readonly lastExecuted: number | undefined;

  // ---- registers (names from regs.ts: 'rax'…'r15','rip','eflags','gs_base' / 'x0'…'x31', ABI names, 'pc')
  readReg(name: string): bigint;
  writeReg(name: string, value: bigint): void;
  /** One native call for all names (batched). */
  readRegs(names: readonly string[]): bigint[];
  writeRegs(values: Record<string, bigint>): void;
  readonly pc: bigint;
  setPc(pc: bigint): void;

  // ---- memory
  /** Reads `len` bytes of text at a guest address. */
  readText(addr: bigint, len: number): Uint8Array;
  /** Writes text while no CPU is running and invalidates any cached translation of it. */
  pokeText(addr: bigint, bytes: Uint8Array): void;
  /** Maps emulator-owned zeroed memory. base and size page-aligned. */
  map(base: bigint, size: number, perms: number): void;
  /**
   * An allocator of page-aligned host memory the guest can map with zero copy: the
   * kernel model's address space takes it, and its buffers are later given to mapShared.
   */
  allocator(): (size: number) => Uint8Array;
  /** Maps `bytes` (from allocator(), page-aligned) at base: guest and JS see the same bytes. */
  mapShared(base: bigint, bytes: Uint8Array, perms: number): void;
  unmap(base: bigint, size: number): void;
  protect(base: bigint, size: number, perms: number): void;
  regions(): MemRegion[];
  isMapped(addr: bigint, size?: number): boolean;
  readMem(addr: bigint, size: number): Uint8Array;
  writeMem(addr: bigint, bytes: Uint8Array): void;
  readU64(addr: bigint): bigint;
  writeU64(addr: bigint, value: bigint): void;
  /** Writes code and drops translated blocks over it (Unicorn keeps running stale code otherwise). */
  writeCode(addr: bigint, bytes: Uint8Array): void;

  // ---- per-CPU state
  /**
   * Which emulated CPU runs next. x86: GS base = gsBase, and this_cpu_off (default gsBase,
   * as in the kernel where both are __per_cpu_offset[cpu]) stored at gs:[THIS_CPU_OFF_ADDR].
   */
  selectCpu(cpu: number, gsBase: bigint, thisCpuOff?: bigint): void;
  readonly cpu: number;

  // ---- trap pages
  /** Page of `ret` / `jr ra` at HELPER_BASE; each call traps to `fn(helperId, args)` first. */
  installHelperPage(fn: CallTrap): void;
  /** Same at KFUNC_BASE for kfunc calls (id = btf id modulo the page). */
  installKfuncPage(fn: CallTrap): void;
  /** x86: __x86_return_thunk = ret, __x86_indirect_thunk_rcx = jmp rcx. No-op on riscv64. */
  installThunks(): void;
  /** Page of hlt (x86) / wfi (riscv) at SENTINEL_ADDR; returning to it ends a run. */
  installSentinel(): void;

  // ---- execution
  /** Read faults at the table's sites are fixed up (destination = 0, resume after the load). */
  setExceptionTable(t: ExceptionTable | undefined): void;
  /** Runs from pc until exit, breakpoint, fault, budget or timeout. Breakpoint at pc is skipped once. */
  run(opts?: RunOptions): StopReason;
  /**
   * Executes exactly one instruction. A helper trap runs as part of its `ret`, BPF
   * callbacks it runs (bpf_loop) included: the step ends after that `ret`.
   */
  step(): StopReason;
  /**
   * Calls a function like the kernel does: pushes SENTINEL_ADDR as return address (x86) or
   * sets ra (riscv), sets arguments and pc, then runs.
   */
  call(entry: bigint, args: bigint[], stackTop: bigint, opts?: RunOptions): StopReason;
  /**
   * From inside a helper/kfunc trap (bpf_loop, bpf_for_each_map_elem, timers): runs the
   * BPF function at `entry` to completion below the current stack, then resumes the
   * interrupted state. Breakpoints, watchpoints and hook stops are ignored inside it. Its
   * instructions are part of the trap's `ret`: budgets and steps of the interrupted run
   * do not count them (see RunOptions.stopAfterCallback).
   */
  callFromTrap(entry: bigint, args: bigint[], opts?: { budget?: number }): { stop: StopReason; retval: bigint };
  /** Calls a function from a trap or from a stopped/finished CPU, restoring its state after. */
  callNested(entry: bigint, args: bigint[], opts?: { budget?: number }): { stop: StopReason; retval: bigint };
  /** Return value register (rax / a0). */
  readonly retval: bigint;

  // ---- hooks
  addBreakpoint(addr: bigint): number;
  removeBreakpoint(id: number): void;
  breakpoints(): { id: number; addr: bigint }[];
  /** Code hook over [begin, end] inclusive. */
  addCodeHook(begin: bigint, end: bigint, fn: CodeHook): number;
  removeCodeHook(id: number): void;
  /** Watchpoint: stops after an access to [begin, end] inclusive completes. */
  addWatchpoint(access: 'read' | 'write', begin: bigint, end: bigint): number;
  removeWatchpoint(id: number): void;
  /**
   * Calls `fn` for every write to [begin, end] inclusive: guest stores (never stopping the
   * run) and writeMem / restore from JS. Recording keeps dirty pages with it.
   */
  trackWrites(begin: bigint, end: bigint, fn: WriteObserver): number;
  untrackWrites(id: number): void;

  // ---- snapshots
  /**
   * CPU context + copies of every mapped region except the trap pages. With
   * `{ memory: false }` only the CPU context (to park one CPU while another runs).
   */
  snapshot(opts?: { memory?: boolean }): MachineSnapshot;
  restore(s: MachineSnapshot): void;

  /** Frees the engine. Refused while inside a hook or a run. */
  close(): void;
}
