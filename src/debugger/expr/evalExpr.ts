// Evaluates a debugger expression over 64-bit unsigned arithmetic (signedness only in
// derefs of s8..s64 and in comparisons of them, as gdb would with those casts).
import { err, ok, type Result } from '../../common/diag.ts';
import type { Expr } from './ast.ts';

export interface ExprEnv {
  /** Register by lower-case name without '$' (r0..r10, rax, a6, pc, tcc...), or undefined. */
  reg(name: string): bigint | undefined;
  /** Symbol (global variable address or value) by name, or undefined. */
  sym(name: string): bigint | undefined;
  /** Why `name` did not resolve when there is more to say than "no symbol" (it is ambiguous). */
  symError?(name: string): string | undefined;
  /** Reads `size` bytes little-endian at a guest address; undefined when unmapped. */
  read(addr: bigint, size: number): bigint | undefined;
}

const U64 = (v: bigint) => BigInt.asUintN(64, v);
const bool = (b: boolean) => (b ? 1n : 0n);

export function evalExpr(e: Expr, env: ExprEnv): Result<bigint> {
  switch (e.kind) {
    case 'num':
      return ok(e.value);
    case 'reg': {
      const v = env.reg(e.name);
      return v === undefined ? err('expr.unknown-register', `no register '$${e.name}' here`) : ok(U64(v));
    }
    case 'sym': {
      const v = env.sym(e.name);
      if (v !== undefined) return ok(U64(v));
      const why = env.symError?.(e.name);
      return why ? err('expr.ambiguous-symbol', why) : err('expr.unknown-symbol', `no symbol '${e.name}' in the current context`);
    }
    case 'unary': {
      const a = evalExpr(e.arg, env);
      if (!a.ok) return a;
      return ok(e.op === '-' ? U64(-a.value) : e.op === '~' ? U64(~a.value) : bool(a.value === 0n));
    }
    case 'deref': {
      const a = evalExpr(e.addr, env);
      if (!a.ok) return a;
      const v = env.read(a.value, e.size);
      if (v === undefined) return err('expr.unmapped', `cannot access memory at address 0x${a.value.toString(16)}`);
      return ok(e.signed ? U64(BigInt.asIntN(e.size * 8, v)) : v);
    }
    case 'binary': {
      const l = evalExpr(e.left, env);
      if (!l.ok) return l;
      if (e.op === '&&' && l.value === 0n) return ok(0n);
      if (e.op === '||' && l.value !== 0n) return ok(1n);
      const r = evalExpr(e.right, env);
      if (!r.ok) return r;
      const a = l.value, b = r.value;
      switch (e.op) {
        case '+': return ok(U64(a + b));
        case '-': return ok(U64(a - b));
        case '*': return ok(U64(a * b));
        case '/': return b === 0n ? err('expr.div-zero', 'division by zero') : ok(a / b);
        case '%': return b === 0n ? err('expr.div-zero', 'division by zero') : ok(a % b);
        case '<<': return ok(U64(a << (b & 63n)));
        case '>>': return ok(a >> (b & 63n));
        case '&': return ok(a & b);
        case '|': return ok(a | b);
        case '^': return ok(a ^ b);
        case '==': return ok(bool(a === b));
        case '!=': return ok(bool(a !== b));
        // Comparisons are signed when either side is negative as s64 would be ambiguous;
        // gdb compares unsigned for unsigned operands: we keep u64 (registers are u64).
        case '<': return ok(bool(a < b));
        case '<=': return ok(bool(a <= b));
        case '>': return ok(bool(a > b));
        case '>=': return ok(bool(a >= b));
        case '&&': return ok(bool(b !== 0n));
        case '||': return ok(bool(b !== 0n));
      }
    }
  }
}
