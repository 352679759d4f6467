// User breakpoints: resolved to a native address, with hit counts, conditions and
// one-shot (tbreak) ones. Pure bookkeeping; the session installs them on the machine.
import type { Expr } from './expr/ast.ts';
import { hex64, type Breakpoint } from './view.ts';

export interface BreakpointEntry {
  id: number;
  spec: string;
  program: string;
  insn: number | null;
  addr: bigint;
  enabled: boolean;
  hits: number;
  temporary: boolean;
  cond: Expr | null;
  condText: string | null;
}

export class BreakpointTable {
  private list: BreakpointEntry[] = [];
  private nextId = 1;

  add(e: Omit<BreakpointEntry, 'id' | 'hits' | 'enabled'>): BreakpointEntry {
    const b: BreakpointEntry = { ...e, id: this.nextId++, hits: 0, enabled: true };
    this.list.push(b);
    return b;
  }

  get(id: number): BreakpointEntry | undefined {
    return this.list.find((b) => b.id === id);
  }

  remove(id: number): boolean {
    const k = this.list.findIndex((b) => b.id === id);
    if (k < 0) return false;
    this.list.splice(k, 1);
    return true;
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
      id: b.id, spec: b.spec, program: b.program, insn: b.insn, nativeAddr: hex64(b.addr),
      enabled: b.enabled, hits: b.hits, temporary: b.temporary,
    }));
  }
}
