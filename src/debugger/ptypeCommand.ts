// `ptype` and `whatis`: a type name (`struct xdp_md`, `__u32`, `enum xdp_action *`) looked
// up in the objects' BTF and the kernel's, or an expression whose type is shown.
import type { Diag } from '../common/diag.ts';
import type { DataCommand } from './commands/dataCommands.ts';
import { evalTyped, resolveTypeName } from './expr/evalExpr.ts';
import { parseTypeName } from './expr/parseExpr.ts';
import { ptypeText, whatisText } from './expr/ptype.ts';
import type { CommandContext } from './commandContext.ts';

export function executePtype(s: CommandContext, cmd: Extract<DataCommand, { kind: 'ptype' }>): Diag | null {
  const env = s.exprEnv();
  const tn = parseTypeName(cmd.text);
  // A name that is both a variable and a type: the variable, as gdb does.
  const asExpr = cmd.expr ? evalTyped(cmd.expr, env) : null;
  if (asExpr?.ok) {
    s.print(cmd.whatis ? whatisText(asExpr.value.type, false) : ptypeText(asExpr.value.type));
    return null;
  }
  if (tn) {
    const t = resolveTypeName(tn, env);
    if (t.ok) {
      s.print(cmd.whatis ? whatisText(t.value, tn.ptr === 0) : ptypeText(t.value));
      return null;
    }
    if (!asExpr) return t.error;
  }
  return asExpr ? asExpr.error : { code: 'expr.syntax', message: `A syntax error in expression, near '${cmd.text}'.`, place: {} };
}
