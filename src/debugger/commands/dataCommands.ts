// The syntax of the commands that look at data by its C type: ptype/whatis, display and
// undisplay, watch/rwatch/awatch. (`print` and `info args|locals` are parsed with the rest.)
import { err, ok, type Result } from '../../common/diag.ts';
import type { Expr } from '../expr/ast.ts';
import type { IntFormat } from '../expr/formatCValue.ts';
import { parseExpr } from '../expr/parseExpr.ts';

/** What a watchpoint watches: an lvalue expression, or the value of a map element. */
export type WatchTarget = { kind: 'expr'; expr: Expr } | { kind: 'map'; map: string; key: bigint };
export type WatchAccess = 'write' | 'read' | 'access';

export type DataCommand =
  /** `ptype X` / `whatis X`: X is a type name or an expression (decided when run). */
  | { kind: 'ptype'; whatis: boolean; text: string; expr: Expr | null }
  | { kind: 'display'; text: string; expr: Expr | null; format: IntFormat }
  | { kind: 'undisplay'; ids: number[] }
  | { kind: 'watch'; access: WatchAccess; text: string; target: WatchTarget };

export const DATA_COMMANDS = ['ptype', 'whatis', 'display', 'undisplay', 'watch', 'rwatch', 'awatch'] as const;

/** The `/x` of `print/x` and `display/x` (empty: none). */
export function intFormat(name: string, slash: string): Result<IntFormat> {
  if (slash === '') return ok(null);
  const f = /^\/([xduotc])$/.exec(slash);
  return f ? ok(f[1] as IntFormat) : err('cmd.bad-format', `${name}: bad format '${slash}'`);
}

export function parseDataCommand(name: (typeof DATA_COMMANDS)[number], slash: string, arg: string): Result<DataCommand> {
  switch (name) {
    case 'ptype':
    case 'whatis': {
      if (arg === '') return err('cmd.bad-expr', `${name}: a type or an expression is required`);
      const e = parseExpr(arg);
      return ok({ kind: 'ptype', whatis: name === 'whatis', text: arg, expr: e.ok ? e.value : null });
    }
    case 'display': {
      const f = intFormat(name, slash);
      if (!f.ok) return f;
      if (arg === '') return ok({ kind: 'display', text: '', expr: null, format: null });
      const e = parseExpr(arg);
      return e.ok ? ok({ kind: 'display', text: arg, expr: e.value, format: f.value }) : e;
    }
    case 'undisplay': {
      const parts = arg.split(/[\s,]+/).filter(Boolean);
      for (const p of parts) if (!/^\d+$/.test(p)) return err('cmd.bad-id', `undisplay: '${p}' is not a display number`);
      return ok({ kind: 'undisplay', ids: parts.map(Number) });
    }
    default: {
      const access: WatchAccess = name === 'rwatch' ? 'read' : name === 'awatch' ? 'access' : 'write';
      if (arg === '') return err('cmd.bad-expr', `${name}: usage: ${name} EXPR | ${name} map MAP KEY`);
      const m = /^map\s+(\S+)\s+(\S+)$/.exec(arg);
      if (m) {
        if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(m[2]!)) return err('cmd.bad-key', `${name}: map key '${m[2]}' is not a number`);
        return ok({ kind: 'watch', access, text: `${m[1]}[${m[2]}]`, target: { kind: 'map', map: m[1]!, key: BigInt(m[2]!) } });
      }
      const e = parseExpr(arg);
      return e.ok ? ok({ kind: 'watch', access, text: arg, target: { kind: 'expr', expr: e.value } }) : e;
    }
  }
}
