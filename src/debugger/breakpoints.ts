// User breakpoints: resolved to a native address, with hit counts, conditions and
// one-shot (tbreak) ones, and catchpoints (`catch tailcall`, `catch poke`), numbered with
// them as gdb numbers its catchpoints: one `delete N`, `disable N`, `info breakpoints`
// for both. Pure bookkeeping; the session installs breakpoints on the machine.
import type { InsnIdx } from '../common/ids.ts';
import type { Expr } from './expr/ast.ts';
import type { Value } from './expr/evalExpr.ts';
import type { WatchAccess } from './commands/dataCommands.ts';
import { hex64, type Breakpoint, type Catchpoint } from './view.ts';

export type CatchKind = Catchpoint['what'];

export interface CatchEntry {
  id: number;
  what: CatchKind;
  enabled: boolean;
  hits: number;
}

export interface BreakpointEntry {
  id: number;
  spec: string;
  program: string;
  insn: InsnIdx | null;
  addr: bigint;
  enabled: boolean;
  hits: number;
  temporary: boolean;
  cond: Expr | null;
  condText: string | null;
  /** gdb's breakpoint `commands` (a first `silent` hides the stop). */
  commands?: string[];
  /** Stops still to pass (gdb's `ignore N COUNT`). */
  ignore?: number;
}

/** A watchpoint: bytes [addr, addr + size) and the typed value they hold (for Old/New value). */
export interface WatchEntry {
  id: number;
  access: WatchAccess;
  text: string;
  place: Value;
  addr: bigint;
  size: number;
  enabled: boolean;
  hits: number;
  /** The bytes at the last stop (or when set): a write that leaves them equal does not stop `watch`. */
  last: Uint8Array;
}

export class BreakpointTable {
  private list: BreakpointEntry[] = [];
  private catches: CatchEntry[] = [];
  private watchList: WatchEntry[] = [];
  private nextId = 1;

  add(e: Omit<BreakpointEntry, 'id' | 'hits' | 'enabled'>): BreakpointEntry {
    const b: BreakpointEntry = { ...e, id: this.nextId++, hits: 0, enabled: true };
    this.list.push(b);
    return b;
  }

  /** The number given last (gdb's $bpnum), or null before the first. */
  lastId(): number | null {
    return this.nextId > 1 ? this.nextId - 1 : null;
  }

  get(id: number): BreakpointEntry | undefined {
    return this.list.find((b) => b.id === id);
  }

  addCatch(what: CatchKind): CatchEntry {
    const c: CatchEntry = { id: this.nextId++, what, enabled: true, hits: 0 };
    this.catches.push(c);
    return c;
  }

  addWatch(e: Omit<WatchEntry, 'id' | 'hits' | 'enabled'>): WatchEntry {
    const w: WatchEntry = { ...e, id: this.nextId++, hits: 0, enabled: true };
    this.watchList.push(w);
    return w;
  }

  watches(): readonly WatchEntry[] {
    return this.watchList;
  }

  /** The first enabled catchpoint of a kind (the one a stop counts as hit). */
  catching(what: CatchKind): CatchEntry | undefined {
    return this.catches.find((c) => c.enabled && c.what === what);
  }

  /** Every breakpoint and catchpoint id, in order. */
  ids(): number[] {
    return [...this.list.map((b) => b.id), ...this.catches.map((c) => c.id), ...this.watchList.map((w) => w.id)].sort((a, b) => a - b);
  }

  /** Deletes a breakpoint or catchpoint. */
  remove(id: number): boolean {
    const k = this.list.findIndex((b) => b.id === id);
    if (k >= 0) {
      this.list.splice(k, 1);
      return true;
    }
    const w = this.watchList.findIndex((x) => x.id === id);
    if (w >= 0) {
      this.watchList.splice(w, 1);
      return true;
    }
    const c = this.catches.findIndex((x) => x.id === id);
    if (c < 0) return false;
    this.catches.splice(c, 1);
    return true;
  }

  /** Enables or disables a breakpoint or catchpoint. */
  setEnabled(id: number, enabled: boolean): boolean {
    const e = this.get(id) ?? this.catches.find((c) => c.id === id) ?? this.watchList.find((w) => w.id === id);
    if (!e) return false;
    e.enabled = enabled;
    return true;
  }

  allCatches(): readonly CatchEntry[] {
    return this.catches;
  }

  all(): readonly BreakpointEntry[] {
    return this.list;
  }

  /** Enabled breakpoints at `addr`. */
  at(addr: bigint): BreakpointEntry[] {
    return this.list.filter((b) => b.enabled && b.addr === addr);
  }

  addresses(): Set<bigint> {
    return new Set(this.list.filter((b) => b.enabled).map((b) => b.addr));
  }

  view(): Breakpoint[] {
    return this.list.map((b) => ({
      id: b.id,
      spec: b.spec,
      program: b.program,
      insn: b.insn,
      nativeAddr: hex64(b.addr),
      enabled: b.enabled,
      hits: b.hits,
      temporary: b.temporary,
      ...(b.commands ? { commands: [...b.commands] } : {}),
      ...(b.ignore ? { ignoreCount: b.ignore } : {}),
    }));
  }

  catchView(): Catchpoint[] {
    return this.catches.map((c) => ({ ...c }));
  }
}
