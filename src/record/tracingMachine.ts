// A Machine that knows where it is in time. It wraps the real one (the Session and the
// kernel model talk to it as to any Machine) and adds:
//  - an instruction count: exact for budget stops and steps; for a stop inside a run
//    (breakpoint, exit, fault) the real machine's lastExecuted (native block counting), or
//    where that is unavailable found by re-running from the run's start with growing, then
//    halving budgets until the run reproduces the stop state (deterministic engine);
//  - checkpoints (checkpoints.ts) every `interval` instructions, at the start of a run
//    that follows a stop or a state change, and on request;
//  - goto(n): back (or forward) to any count of the history, by restoring the checkpoint
//    before it and re-executing with breakpoints suppressed ("quiet").
// Runs are split at checkpoint boundaries; a boundary that lands on a breakpoint reports
// that breakpoint, so splitting never changes what a caller sees. They are also split right
// after each helper that ran BPF callbacks (bpf_loop): the machine stops there, since
// Unicorn cannot count across the callbacks' own emulations. The count of such a stop is
// known (or found) once, like a breakpoint's, and kept: re-execution goes through it knowing it. A
// callback's instructions belong to the helper's return, as in a single step.
import type { Machine, RunOptions, StopReason } from '../machine/machine.ts';
import { MachineProxy } from './machineProxy.ts';
import { createHash } from 'node:crypto';
import { CheckpointStore, type Checkpoint, type CheckpointCause } from './checkpoints.ts';
import { GuestMemory, type ModelWrites } from './guestMemory.ts';
import { captureModelState, restoreModelState } from './modelState.ts';
import type { GuestRegion } from '../kernel/addressSpace.ts';
import { recordArch } from './archState.ts';

const DEFAULT_BUDGET = 50_000_000;

// Checkpoint spacing for runs at ~1 ns an instruction (budgets enforced by block, issue 18):
// a checkpoint costs ~0.3-0.5 ms, so one every 1 M instructions (chosen when counted runs
// took 20 ns an instruction) was 40% of a run, and dense ones every 20,000 instructions
// made the first reverse step over a fresh window ~24 ms. bench/record.ts measures both.
/** Periodic checkpoint spacing (instructions), recorded in each file's meta. */
export const CHECKPOINT_INTERVAL = 4_000_000;
/** Spacing of the checkpoints goto() leaves behind when it re-executes a long stretch. */
const DENSE_INTERVAL = 200_000;

export interface TracingOptions {
  /** Periodic checkpoint spacing (instructions). */
  interval?: number;
  /** Spacing of the checkpoints goto() leaves behind when it re-executes a long stretch. */
  denseInterval?: number;
  /** The kernel model's regions (shared guest memory). */
  modelRegions: () => readonly GuestRegion[];
  /** The model's JS writes to them (AddressSpace.onWrite): big regions are then hashed by written page. */
  modelWrites?: ModelWrites;
  /** Objects whose JS state belongs to the debuggee (model, maps, timers, pokes, PRNG). */
  stateRoots: () => readonly object[];
  /** Extra observable state folded into state hashes (clock, trace). */
  stateDigest: () => string;
  onCheckpoint?: (c: Checkpoint) => void;
  /** The past was changed and the history after it dropped (nondet sources branch). */
  onBranch?: () => void;
}

export class TracingMachine extends MachineProxy {
  /** Instructions executed since tracing began, on the current timeline. */
  count = 0;
  /** Furthest count the history reaches. */
  horizon = 0;
  readonly checkpoints = new CheckpointStore();
  /** Depth of runs / steps of the real machine in progress (a callback inside one is nested). */
  executing = 0;
  /**
   * Counts right after a helper that ran BPF callbacks inside execution returned (sorted):
   * where the real machine stops a run that asks it to. Callbacks run while the CPU is
   * stopped or finished (`timer fire`) are not here: they are a state change outside
   * execution, like a map update.
   */
  private readonly callbackCounts: number[] = [];
  private mem: GuestMemory;
  private readonly interval: number;
  private readonly denseInterval: number;
  get denseSpacing(): number {
    return this.denseInterval;
  }
  /** Counts at which state was changed outside execution (a checkpoint holds the result). */
  private readonly mutations = new Set<number>();
  /** reachesIn/walk left the CPU away from `count`'s state: goto must restore. */
  private wandered = false;
  private lastStop: StopReason['kind'] | 'none' = 'none';
  /** Instructions the last realRun executed, when the real machine could tell (lastExecuted). */
  private realExecuted: number | undefined;
  /** How far the last run(), step() or call() moved the count (this machine's lastExecuted). */
  private moved: number | undefined;
  /** The registers a state hash covers (archState.ts, by the machine's arch). */
  private readonly stateRegs: readonly string[];

  constructor(
    real: Machine,
    private readonly opts: TracingOptions,
  ) {
    super(real);
    this.interval = opts.interval ?? CHECKPOINT_INTERVAL;
    this.denseInterval = opts.denseInterval ?? DENSE_INTERVAL;
    this.mem = new GuestMemory(real, opts.modelRegions, opts.modelWrites);
    this.stateRegs = recordArch(real.arch).stateRegs;
  }

  /** Starts tracing at count 0 with a 'launch' checkpoint (call once, after launch). */
  begin(): Checkpoint {
    this.mem.dispose();
    this.mem = new GuestMemory(this.real, this.opts.modelRegions, this.opts.modelWrites);
    return this.checkpoint('launch');
  }

  // ---------------------------------------------------------------- state
  stateHash(delta = this.mem.delta(null)): string {
    const regs = this.real.readRegs(this.stateRegs);
    return createHash('sha256')
      .update(regs.map((v) => v.toString(16)).join(','))
      .update('|' + this.mem.digest(delta))
      .update('|' + this.opts.stateDigest())
      .digest('hex');
  }

  /** A checkpoint of the current state at the current count. */
  checkpoint(cause: CheckpointCause): Checkpoint {
    const prev = this.checkpoints.before(this.count);
    const mem = this.mem.delta(prev?.mem ?? null);
    const c: Checkpoint = {
      seq: this.checkpoints.newSeq(),
      at: this.count,
      cause,
      cpu: this.real.snapshot({ memory: false }),
      mem,
      model: captureModelState(this.opts.stateRoots()),
      hash: this.stateHash(mem),
    };
    this.checkpoints.add(c);
    this.dirty = false;
    if (cause !== 'dense' && cause !== 'mark') this.opts.onCheckpoint?.(c);
    return c;
  }

  private restoreCheckpoint(c: Checkpoint): void {
    this.real.restore(c.cpu);
    this.mem.apply(c.mem);
    restoreModelState(c.model);
    this.count = c.at;
  }

  /**
   * The user (or a command) changed state outside execution: the future the history
   * recorded from here is no longer this timeline's.
   */
  noteExternalChange(): void {
    this.dirty = true;
  }

  /** Makes the debuggee's state the one at instruction count `n` (0 <= n <= horizon). */
  goto(n: number): void {
    if (n < 0 || n > this.horizon) throw new RangeError(`count ${n} is outside the history [0, ${this.horizon}]`);
    const c = this.checkpoints.before(n);
    if (!c) throw new Error('no checkpoint (tracing did not begin)');
    // Going forward from here needs no restore; anything else starts from a checkpoint.
    if (this.dirty || this.wandered || n < this.count || c.at > this.count) this.restoreCheckpoint(c);
    this.quietRun(n);
    this.dirty = false;
    this.wandered = false;
    this.lastStop = 'budget';
  }

  /** Re-executes from the current count to `n` with breakpoints suppressed, leaving dense checkpoints. */
  private quietRun(n: number): void {
    this.setQuiet(true);
    try {
      while (this.count < n) {
        const step = Math.min(n - this.count, this.denseInterval - (this.count % this.denseInterval));
        const s = this.realRun(step);
        const landed = s.kind === 'exited' && this.count + step === n;
        if (s.kind !== 'budget' && !landed)
          throw new Error(`re-execution stopped early at count ${this.count} (${s.kind}): the engine is not deterministic here`);
        this.count += step;
        if (this.count < n && this.count % this.denseInterval === 0 && !this.checkpoints.has(this.count)) this.checkpoint('dense');
      }
    } finally {
      this.setQuiet(false);
    }
  }

  /**
   * Runs the real machine for `budget` instructions from the current count (left as it is).
   * The machine stops right after each helper that ran BPF callbacks: at a count the history
   * knows the run goes on from there; at an unknown one (first execution) the 'callback'
   * stop is returned for run() / step() to count. A 'halted' stop outside the sentinel is a
   * budget stop (the JIT never emits hlt).
   */
  private realRun(budget: number, timeoutMs?: number): StopReason {
    const base = this.count;
    let done = 0;
    for (;;) {
      const left = budget - done;
      const s = this.executed(() => this.real.run({ budget: left, stopAfterCallback: true, ...(timeoutMs !== undefined ? { timeoutMs } : {}) }));
      const ran = this.real.lastExecuted;
      this.realExecuted = ran === undefined ? undefined : done + ran;
      if (s.kind === 'budget' || s.kind === 'halted') {
        this.realExecuted = budget;
        return { kind: 'budget', pc: s.pc, executed: budget };
      }
      if (s.kind !== 'callback') return s;
      const at = this.nextCallback(base + done);
      if (at === null || at > base + budget) return s;
      done = at - base;
      this.realExecuted = done;
      if (done === budget) return { kind: 'budget', pc: s.pc, executed: budget };
      // An uninterrupted run stops at a breakpoint on the return address; a new run skips it.
      const bp = this.real.breakpoints().find((b) => b.addr === s.pc);
      if (bp) return { kind: 'breakpoint', pc: s.pc, id: bp.id };
    }
  }

  /** The first count after `n` at which a helper that ran callbacks returned, or null. */
  private nextCallback(n: number): number | null {
    let lo = 0,
      hi = this.callbackCounts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.callbackCounts[mid]! <= n) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.callbackCounts.length ? this.callbackCounts[lo]! : null;
  }

  private addCallback(n: number): void {
    if (this.nextCallback(n - 1) === n) return;
    const k = this.callbackCounts.findIndex((c) => c > n);
    this.callbackCounts.splice(k < 0 ? this.callbackCounts.length : k, 0, n);
  }

  /**
   * True when execution from count `s` to `e` reaches one of `addrs` (at s itself, or
   * before e). User breakpoints are suppressed; leaves the state at s or somewhere before e.
   */
  reachesIn(s: number, e: number, addrs: ReadonlySet<bigint>): boolean {
    this.goto(s);
    if (addrs.has(this.real.pc)) return true;
    if (e <= s || addrs.size === 0) return false;
    // A state change inside the window: a single run would not follow the history.
    for (const m of this.mutations) if (m > s && m < e) return true;
    this.setQuiet(true);
    const ids = [...addrs].map((a) => this.real.addBreakpoint(a));
    try {
      const r = this.realRun(e - s);
      return r.kind !== 'budget';
    } finally {
      for (const id of ids) if (![...this.bps.values()].some((b) => b.real === id)) this.real.removeBreakpoint(id);
      this.setQuiet(false);
      this.count = s;
      this.wandered = true; // the CPU is somewhere in [s, e): the next goto restores
    }
  }

  /**
   * Visits the states at counts s, s+1, ..., e-1 in order (one machine step apart);
   * `visit` may only read state. Leaves the debuggee at some count in [s, e].
   */
  walk(s: number, e: number, visit: (n: number) => void): void {
    this.goto(s);
    this.setQuiet(true);
    try {
      for (let n = s; n < e; n++) {
        if (n > s && this.mutations.has(n)) this.restoreCheckpoint(this.checkpoints.before(n)!);
        visit(n);
        if (n + 1 < e) {
          const r = this.executed(() => this.real.step());
          this.count = n + 1;
          if (r.kind !== 'step' && r.kind !== 'exited' && r.kind !== 'breakpoint') break;
        }
      }
    } finally {
      this.setQuiet(false);
      this.wandered = true;
    }
  }

  /**
   * After a command: back on the timeline if a search left the CPU elsewhere, and a
   * checkpoint of the state the command left (history after it dropped if it changed the past).
   * Returns the state hash when it took a checkpoint (the state is unchanged since), so the
   * caller need not hash the state again.
   */
  settle(): string | undefined {
    if (this.wandered) this.goto(this.count);
    // Each path ends with the checkpoint it took (if any): its hash is the state's now.
    if (this.dirty) return this.beforeRun()?.hash;
    if (this.count === this.horizon && !this.checkpoints.has(this.count)) return this.checkpoint('command').hash;
    return undefined;
  }

  /** Before a run: a state change or a stop since the last checkpoint gets a checkpoint (returned). */
  private beforeRun(): Checkpoint | undefined {
    if (this.wandered) this.goto(this.count);
    if (this.dirty) {
      // Changing state in the past rewrites the future: drop the history after here.
      if (this.horizon > this.count) this.opts.onBranch?.();
      this.checkpoints.truncateAfter(this.count);
      for (const m of this.mutations) if (m > this.count) this.mutations.delete(m);
      while ((this.callbackCounts.at(-1) ?? -1) > this.count) this.callbackCounts.pop();
      this.horizon = this.count;
      this.mutations.add(this.count);
      return this.checkpoint('command');
    }
    if (this.lastStop !== 'budget' && !this.checkpoints.has(this.count)) return this.checkpoint('mark');
    return undefined;
  }

  /** The first state change recorded after the current count (re-running history), or null. */
  private nextMutation(): number | null {
    let best: number | null = null;
    for (const m of this.mutations) if (m > this.count && (best === null || m < best)) best = m;
    return best;
  }

  /** Arrived where history changed state outside execution: take the state it left. */
  private reapply(): void {
    if (this.mutations.has(this.count)) this.restoreCheckpoint(this.checkpoints.before(this.count)!);
  }

  private advanced(n: number): void {
    this.count += n;
    if (this.count > this.horizon) this.horizon = this.count;
  }

  // ---------------------------------------------------------------- execution
  /**
   * Instructions the last run(), step() or call() executed on this timeline: the count it
   * moved. (The real machine's lastExecuted is that of its last segment or re-run only.)
   */
  override get lastExecuted(): number | undefined {
    return this.moved;
  }

  /** Runs `f` (a run, step or call) and keeps how far it moved the count. */
  private counted(f: () => StopReason): StopReason {
    const from = this.count;
    try {
      return f();
    } finally {
      this.moved = this.count - from;
    }
  }

  override run(opts: RunOptions = {}): StopReason {
    return this.counted(() => this.runOn(opts));
  }

  private runOn(opts: RunOptions): StopReason {
    const budget = opts.budget ?? DEFAULT_BUDGET;
    this.beforeRun();
    let executed = 0;
    for (let first = true; ; first = false) {
      const pc = this.real.pc;
      if (!first && [...this.bps.values()].some((b) => b.addr === pc)) {
        this.lastStop = 'breakpoint';
        return this.mapStop({ kind: 'breakpoint', pc, id: 0 });
      }
      const toBoundary = this.interval - (this.count % this.interval);
      // Re-running history: stop where a command changed state, to apply it again.
      const nm = this.nextMutation();
      const seg = Math.min(budget - executed, toBoundary, nm === null ? Infinity : nm - this.count);
      const start = this.count;
      this.running = true;
      let s: StopReason;
      try {
        s = this.realRun(seg, opts.timeoutMs);
      } finally {
        this.running = false;
      }
      if (s.kind === 'budget' || s.kind === 'callback') {
        // After a helper that ran callbacks: count the instructions up to its return once.
        const n = s.kind === 'budget' ? seg : (this.realExecuted ?? this.countStop(start, seg, s));
        if (s.kind === 'callback') this.addCallback(start + n);
        this.advanced(n);
        executed += n;
        if (this.count % this.interval === 0 && !this.checkpoints.has(this.count)) this.checkpoint('periodic');
        this.reapply();
        if (executed >= budget) {
          this.lastStop = 'budget';
          return { kind: 'budget', pc: this.real.pc, executed };
        }
        continue;
      }
      // Map the stop's ids first: counting re-runs the window quietly, and the watchpoints
      // re-armed after it have new ids on the real machine.
      const mapped = this.mapStop(s);
      this.advanced(this.realExecuted ?? this.countStop(start, seg, s));
      this.lastStop = s.kind;
      return mapped;
    }
  }

  /**
   * How many instructions the run from `start` executed before stopping with `s`:
   * restore the state at `start`, re-run it with budgets 1, 2, 4, ... then bisect, until
   * the smallest budget whose run stops (or lands on exactly the stop state).
   */
  private countStop(start: number, max: number, s: StopReason): number {
    const here = { cpu: this.real.snapshot({ memory: false }), mem: this.mem.delta(null), model: captureModelState(this.opts.stateRoots()) };
    const target = this.stateHash(here.mem);
    const targetPc = this.real.pc;
    const back = (): void => {
      this.real.restore(here.cpu);
      this.mem.apply(here.mem);
      restoreModelState(here.model);
    };
    try {
      // The state at `start`: a checkpoint, or one reached quietly from the last one.
      const c = this.checkpoints.before(start)!;
      this.restoreCheckpoint(c);
      this.quietRun(start);
      const from = c.at === start ? c : this.checkpoint('mark');
      const reaches = (b: number): boolean => {
        this.restoreCheckpoint(from);
        const r = this.realRun(b);
        if (r.kind !== 'budget' || r.pc !== targetPc) return r.kind !== 'budget';
        return this.stateHash() === target;
      };
      let lo = 0,
        hi = 1;
      while (hi < max && !reaches(hi)) {
        lo = hi;
        hi = Math.min(hi * 2, max);
      }
      while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (reaches(mid)) hi = mid;
        else lo = mid;
      }
      return s.kind === 'watch' ? hi : this.exactAt(from, hi, target, targetPc);
    } finally {
      back();
      here.cpu.dispose();
      this.count = start;
    }
  }

  /** `hi` runs into the stop; the stop state is the one after hi or hi - 1 instructions. */
  private exactAt(from: Checkpoint, hi: number, target: string, pc: bigint): number {
    if (hi <= 1) return hi === 1 && this.landsOn(from, 1, target, pc) ? 1 : 0;
    return this.landsOn(from, hi, target, pc) ? hi : hi - 1;
  }

  private landsOn(from: Checkpoint, b: number, target: string, pc: bigint): boolean {
    this.restoreCheckpoint(from);
    this.setQuiet(true);
    try {
      const r = this.realRun(b);
      return r.pc === pc && this.stateHash() === target;
    } finally {
      this.setQuiet(false);
    }
  }

  override step(): StopReason {
    return this.counted(() => this.stepOn());
  }

  private stepOn(): StopReason {
    this.beforeRun();
    const r = this.realRun(1);
    if (r.kind === 'callback') this.addCallback(this.count + 1);
    const s: StopReason = r.kind === 'budget' || r.kind === 'callback' ? { kind: 'step', pc: r.pc } : r;
    if (s.kind === 'step' || s.kind === 'exited') this.advanced(1);
    this.reapply();
    this.lastStop = s.kind === 'step' ? 'budget' : s.kind;
    if (this.count % this.interval === 0 && s.kind === 'step' && !this.checkpoints.has(this.count)) this.checkpoint('periodic');
    return this.mapStop(s);
  }

  override call(entry: bigint, args: bigint[], stackTop: bigint, opts?: RunOptions): StopReason {
    return this.counted(() => {
      this.dirty = true;
      const s = this.executed(() => this.real.call(entry, args, stackTop, { ...opts, budget: 1 }));
      if (s.kind !== 'budget' && s.kind !== 'step') return this.mapStop(s);
      this.advanced(1);
      return this.run(opts);
    });
  }

  private executed<T>(f: () => T): T {
    this.executing++;
    try {
      return f();
    } finally {
      this.executing--;
    }
  }

  /**
   * A BPF callback is about to run on the real machine (launch.ts routes the engine's
   * callNested here). Inside execution it is part of a helper's return (the machine stops
   * the run after it, see realRun); from a stopped or finished CPU it is a state change
   * outside execution (the CPU context is put back, memory and the model changed): the
   * next checkpoint records it as one.
   */
  noteCallback(): void {
    if (this.executing === 0) this.noteExternalChange();
  }

  override callFromTrap(entry: bigint, args: bigint[], opts?: { budget?: number }): { stop: StopReason; retval: bigint } {
    return this.real.callFromTrap(entry, args, opts);
  }

  // launch.ts's wrapper on the real machine's callNested calls noteCallback, whichever way
  // the call comes (the engine calls the real machine directly).
  override callNested(entry: bigint, args: bigint[], opts?: { budget?: number }): { stop: StopReason; retval: bigint } {
    return this.real.callNested(entry, args, opts);
  }

  override close(): void {
    this.checkpoints.dispose();
    this.real.close();
  }
}
