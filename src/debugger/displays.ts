// gdb's auto-display list: expressions shown after every stop (`display hops`), numbered
// on their own (not with breakpoints), each with its print format. Evaluated against the
// state at the time asked; an expression that cannot be evaluated there (a register before
// the run) shows why instead of a value, and stays in the list.
import type { Expr } from './expr/ast.ts';
import type { ExprEnv } from './expr/evalExpr.ts';
import type { IntFormat } from './expr/formatCValue.ts';
import { valueText } from './printValue.ts';

export interface DisplayEntry {
  id: number;
  text: string;
  expr: Expr;
  format: IntFormat;
}

/** One display as the View carries it (the TUI's Display pane draws these). */
export interface DisplayView {
  id: number;
  expr: string;
  format: IntFormat;
  value: string | null;
  error: string | null;
}

export class DisplayList {
  private list: DisplayEntry[] = [];
  private nextId = 1;

  add(text: string, expr: Expr, format: IntFormat): DisplayEntry {
    const d: DisplayEntry = { id: this.nextId++, text, expr, format };
    this.list.push(d);
    return d;
  }

  remove(id: number): boolean {
    const k = this.list.findIndex((d) => d.id === id);
    if (k < 0) return false;
    this.list.splice(k, 1);
    return true;
  }

  clear(): void {
    this.list = [];
  }

  all(): readonly DisplayEntry[] {
    return this.list;
  }

  /** Every display evaluated now. */
  view(env: ExprEnv): DisplayView[] {
    return this.list.map((d) => displayView(d, env));
  }
}

/** One display evaluated now. */
export function displayView(d: DisplayEntry, env: ExprEnv): DisplayView {
  const v = valueText(d.expr, env, d.format);
  return { id: d.id, expr: d.text, format: d.format, value: v.ok ? v.value : null, error: v.ok ? null : v.error.message };
}

/** gdb's line for one display: `1: hops = 3`, `2: /x $r0 = 0x2`. */
export function displayLine(d: DisplayView): string {
  return `${d.id}: ${d.format ? `/${d.format} ` : ''}${d.expr} = ${d.value ?? `<error: ${d.error}>`}`;
}
