// The text of `print EXPR` (and of `display`): gdb's typed form for globals, members, casts
// to BTF types; the number (with its hex when above 32 bits) for registers and arithmetic.
import type { Result } from '../common/diag.ts';
import { ok } from '../common/diag.ts';
import type { Expr } from './expr/ast.ts';
import { evalTyped, type ExprEnv } from './expr/evalExpr.ts';
import { formatCValue, isUntyped, untypedText, type IntFormat } from './expr/formatCValue.ts';

export function valueText(e: Expr, env: ExprEnv, format: IntFormat): Result<string> {
  const v = evalTyped(e, env);
  if (!v.ok) return v;
  if (isUntyped(v.value)) {
    const x = v.value.value!;
    const big = format === null && x > 0xffffffffn;
    return ok(`${untypedText(x, format)}${big ? ` (0x${x.toString(16)})` : ''}`);
  }
  return formatCValue(v.value, env, format);
}
