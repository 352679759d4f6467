// Execution control over a DebugTarget: machine steps and runs, with every arrival at a
// watched address (user breakpoints, tail-call sites, landings and `out`s, temporary
// return-address stops) processed exactly once, whether the CPU got there by a step or by
// a run. Runs go in budget chunks so an interrupt (Ctrl-C) lands between two of them.
import { bytesEqual } from '../common/bytes.ts';
import { SENTINEL_ADDR } from '../common/layout.ts';
import type { StopReason as MStop } from '../machine/machine.ts';
import type { BreakpointEntry, BreakpointTable, WatchEntry } from './breakpoints.ts';
import { evalExpr, type ExprEnv } from './expr/evalExpr.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import { TailCallTracker, type TailCallEvent } from './tailCalls.ts';
import { archFor } from './arch/archFor.ts';
import type { DebugArch } from './arch/debugArch.ts';
import type { MemReader } from './unwind.ts';

const CHUNK = 200_000;
/** Machine steps a single `step` may take before giving up (a helper loop, a stuck PC). */
const MAX_STEPS = 2_000_000;

export type Halt =
  | { kind: 'step' }
  | { kind: 'exited'; retval: bigint }
  | { kind: 'fault'; message: string; addr: bigint | null; access: 'read' | 'write' | 'fetch' | null }
  | { kind: 'breakpoint'; bp: BreakpointEntry }
  | { kind: 'tail-call'; event: TailCallEvent }
  /** A watchpoint's access completed (pc after the accessing instruction); `before`: its bytes at the previous stop. */
  | { kind: 'watch'; wp: WatchEntry; access: 'read' | 'write'; before: Uint8Array }
  | { kind: 'temp' }
  | { kind: 'interrupted' }
  | { kind: 'limit' };

export class RunControl {
  readonly tracker: TailCallTracker;
  readonly mem: MemReader;
  readonly arch: DebugArch;
  /** `catch tailcall` is on (an enabled catchpoint): every tail call stops. */
  get catchTailcall(): boolean {
    return this.bps.catching('tailcall') !== undefined;
  }
  interruptRequested = false;
  /** Machine instructions in one run chunk (between two chances to interrupt). */
  readonly chunk = CHUNK;
  /** Tail calls completed since the last call to takeEvents(). */
  private events: TailCallEvent[] = [];
  private installed = new Map<bigint, number>();
  private watched = new Set<bigint>();
  private temps = new Set<bigint>();
  /** Machine watchpoint ids per watchpoint (two for awatch: read and write). */
  private watchIds = new Map<WatchEntry, number[]>();
  private trackAddrs: Set<bigint>;

  constructor(
    private readonly t: DebugTarget,
    private readonly bps: BreakpointTable,
    private readonly env: () => ExprEnv,
  ) {
    this.arch = archFor(t.arch);
    this.tracker = new TailCallTracker(t);
    this.trackAddrs = new Set(this.tracker.addresses());
    const m = t.machine;
    this.mem = {
      read(addr, size) {
        if (!m.isMapped(addr, size)) return undefined;
        const b = m.readMem(addr, size);
        let v = 0n;
        for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[k]!);
        return v;
      },
    };
    this.sync();
  }

  /** Objects were loaded or unloaded: watch the tail-call sites and landings there are now. */
  refresh(): void {
    this.tracker.rebuild();
    this.trackAddrs = new Set(this.tracker.addresses());
    this.sync();
  }

  takeEvents(): TailCallEvent[] {
    const e = this.events;
    this.events = [];
    return e;
  }

  /** Installs one machine breakpoint per watched address (user, tracker, temporary). */
  sync(): void {
    const want = new Set<bigint>([...this.trackAddrs, ...this.bps.addresses(), ...this.temps]);
    const m = this.t.machine;
    for (const [a, id] of this.installed)
      if (!want.has(a)) {
        m.removeBreakpoint(id);
        this.installed.delete(a);
      }
    for (const a of want) if (!this.installed.has(a)) this.installed.set(a, m.addBreakpoint(a));
    this.watched = want;
    const on = new Set(this.bps.watches().filter((w) => w.enabled));
    for (const [w, ids] of this.watchIds)
      if (!on.has(w)) {
        for (const id of ids) m.removeWatchpoint(id);
        this.watchIds.delete(w);
      }
    for (const w of on) {
      if (this.watchIds.has(w)) continue;
      const end = w.addr + BigInt(w.size) - 1n;
      const kinds: ('read' | 'write')[] = w.access === 'access' ? ['read', 'write'] : [w.access];
      this.watchIds.set(
        w,
        kinds.map((k) => m.addWatchpoint(k, w.addr, end)),
      );
    }
  }

  /**
   * A machine watchpoint fired: the Halt to report, or null when `watch` saw a write that
   * left the bytes as they were (gdb stops a write watchpoint only on a change).
   */
  private watchHit(s: Extract<MStop, { kind: 'watch' }>): Halt | null {
    const wp = [...this.watchIds].find(([, ids]) => ids.includes(s.id))?.[0];
    if (!wp) return null;
    const m = this.t.machine;
    const now = m.isMapped(wp.addr, wp.size) ? m.readMem(wp.addr, wp.size) : new Uint8Array(wp.size);
    const before = wp.last;
    const changed = !bytesEqual(now, before);
    if (s.access === 'write' && !changed && wp.access !== 'access') return null;
    wp.last = now;
    wp.hits++;
    return { kind: 'watch', wp, access: s.access, before };
  }

  private counter(): number | null {
    const m = this.t.machine;
    const names = this.arch.nativeRegs;
    const vals = m.readRegs(names);
    const regs: Record<string, bigint> = {};
    names.forEach((n, i) => (regs[n] = vals[i]!));
    const pos = this.t.index.lookup(m.pc);
    return pos ? this.arch.readTccHere(this.t, pos, regs, this.mem) : null;
  }

  /** Tail-call bookkeeping for an arrival at `pc`. */
  private track(pc: bigint): TailCallEvent | null {
    if (!this.trackAddrs.has(pc)) return null;
    const a = this.arch;
    const [map, index, fp] = this.t.machine.readRegs([a.tailCallRegs[0], a.tailCallRegs[1], a.hopFpReg]) as [bigint, bigint, bigint];
    const ev = this.tracker.arrive(pc, { map, index, fp }, () => this.counter(), this.mem);
    if (ev) this.events.push(ev);
    return ev;
  }

  /** User breakpoints at `pc` whose condition holds (hit counts go up for those). */
  private userHit(pc: bigint): BreakpointEntry | null {
    let hit: BreakpointEntry | null = null;
    for (const b of this.bps.at(pc)) {
      if (b.cond) {
        const v = evalExpr(b.cond, this.env());
        if (v.ok && v.value === 0n) continue;
      }
      b.hits++;
      // gdb's ignore count: a crossing whose condition holds counts as a hit but passes.
      if (b.ignore) {
        b.ignore--;
        continue;
      }
      hit ??= b;
    }
    return hit;
  }

  private terminal(s: MStop): Halt {
    switch (s.kind) {
      case 'exited':
        return { kind: 'exited', retval: this.t.machine.retval };
      case 'fault':
        return { kind: 'fault', message: `${s.cause} ${s.access} of ${s.size} bytes at 0x${s.addr.toString(16)}`, addr: s.addr, access: s.access };
      case 'invalid-insn':
        return { kind: 'fault', message: `invalid instruction at 0x${s.pc.toString(16)}`, addr: s.pc, access: 'fetch' };
      case 'exception':
        return { kind: 'fault', message: `CPU exception ${s.vector} at 0x${s.pc.toString(16)}`, addr: null, access: null };
      case 'halted':
        return { kind: 'fault', message: `hlt at 0x${s.pc.toString(16)}`, addr: null, access: null };
      default:
        return { kind: 'fault', message: `stopped: ${s.kind}`, addr: null, access: null };
    }
  }

  /** One machine instruction; tail-call bookkeeping for where it lands. */
  stepi(): Halt {
    const s = this.t.machine.step();
    if (s.kind === 'watch') {
      this.track(s.pc);
      return this.watchHit(s) ?? { kind: 'step' };
    }
    if (s.kind !== 'step') return this.terminal(s);
    this.track(s.pc);
    return { kind: 'step' };
  }

  /** stepi until `done()` says so (checked after each instruction). */
  stepUntil(done: (pc: bigint) => boolean, overCalls: { fp0: bigint } | null): Halt {
    const m = this.t.machine;
    const a = this.arch;
    for (let n = 0; n < MAX_STEPS; n++) {
      const pcBefore = m.pc;
      const before = overCalls ? m.readReg(a.spReg) : 0n;
      const h = this.stepi();
      if (h.kind !== 'step') return h;
      const pc = m.pc;
      if (overCalls) {
        // A bpf2bpf call entered a function: run it to its return (sp back where it was).
        const ra = a.enteredCall(m, this.t.index.lookup(pc), pcBefore, before);
        if (ra !== null) {
          const r = this.runUntilSync((p) => p === ra && m.readReg(a.spReg) >= before, ra);
          if (r.kind !== 'temp') return r;
          if (done(m.pc)) return { kind: 'step' };
          continue;
        }
      }
      if (done(pc)) return { kind: 'step' };
    }
    return { kind: 'limit' };
  }

  private runUntilSync(extra: ((pc: bigint) => boolean) | null, tempAddr: bigint | null): Halt {
    if (tempAddr !== null) {
      this.temps.add(tempAddr);
      this.sync();
    }
    try {
      for (;;) {
        const r = this.runChunk(extra);
        if (r) return r;
      }
    } finally {
      if (tempAddr !== null) {
        this.temps.delete(tempAddr);
        this.sync();
      }
    }
  }

  /** Runs until a breakpoint, catchpoint, `extra(pc)`, exit or fault. Yields between chunks. */
  async runUntil(extra: ((pc: bigint) => boolean) | null, tempAddr: bigint | null, yieldFn: () => Promise<void>): Promise<Halt> {
    if (tempAddr !== null) {
      this.temps.add(tempAddr);
      this.sync();
    }
    try {
      for (;;) {
        if (this.interruptRequested) {
          this.interruptRequested = false;
          return { kind: 'interrupted' };
        }
        const r = this.runChunk(extra);
        if (r) return r;
        await yieldFn();
      }
    } finally {
      if (tempAddr !== null) {
        this.temps.delete(tempAddr);
        this.sync();
      }
    }
  }

  /** One budget chunk; null when it ran out with nothing to report. */
  private runChunk(extra: ((pc: bigint) => boolean) | null): Halt | null {
    const m = this.t.machine;
    for (;;) {
      const s = m.run({ budget: CHUNK });
      let pc: bigint;
      if (s.kind === 'watch') {
        // The next run starts at pc and skips a breakpoint there: do the arrival's
        // tail-call bookkeeping now.
        const h = this.watchHit(s);
        if (h) {
          this.track(s.pc);
          return h;
        }
        if (!this.watched.has(s.pc)) continue;
      }
      if (s.kind === 'watch') pc = s.pc;
      else if (s.kind === 'budget') {
        if (!this.watched.has(s.pc)) return null;
        pc = s.pc;
      } else if (s.kind === 'breakpoint') pc = s.pc;
      else return this.terminal(s);
      if (pc === SENTINEL_ADDR) return this.terminal({ kind: 'exited', pc });
      const ev = this.track(pc);
      const caught = ev ? this.bps.catching('tailcall') : undefined;
      if (ev && caught) {
        caught.hits++;
        return { kind: 'tail-call', event: ev };
      }
      const bp = this.userHit(pc);
      if (bp) return { kind: 'breakpoint', bp };
      if (extra?.(pc)) return { kind: 'temp' };
      if (s.kind === 'budget') return null;
    }
  }
}
