// A Pratt parser for debugger expressions (see ast.ts). Errors name the column.
import { err, ok, type Result } from '../../common/diag.ts';
import type { BinaryOp, Expr } from './ast.ts';

const PRECEDENCE: Record<BinaryOp, number> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '<=': 7, '>': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

const TYPE_SIZES: Record<string, { size: 1 | 2 | 4 | 8; signed: boolean }> = {
  u8: { size: 1, signed: false }, u16: { size: 2, signed: false }, u32: { size: 4, signed: false },
  u64: { size: 8, signed: false }, s8: { size: 1, signed: true }, s16: { size: 2, signed: true },
  s32: { size: 4, signed: true }, s64: { size: 8, signed: true }, char: { size: 1, signed: true },
  short: { size: 2, signed: true }, int: { size: 4, signed: true }, long: { size: 8, signed: true },
  __u8: { size: 1, signed: false }, __u16: { size: 2, signed: false }, __u32: { size: 4, signed: false },
  __u64: { size: 8, signed: false },
};

type Tok = { t: 'num'; v: bigint; at: number } | { t: 'id'; v: string; at: number } | { t: 'op'; v: string; at: number };

function tokenize(src: string): Result<Tok[]> {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const num = /^(0x[0-9a-fA-F]+|0b[01]+|0o[0-7]+|\d+)/.exec(src.slice(i));
    if (num) { toks.push({ t: 'num', v: BigInt(num[1]!), at: i }); i += num[1]!.length; continue; }
    // `OBJ:NAME` names a global or map of one object when several have NAME.
    const id = /^(?:[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*|\$?[A-Za-z_][A-Za-z0-9_.]*)/.exec(src.slice(i));
    if (id) { toks.push({ t: 'id', v: id[0], at: i }); i += id[0].length; continue; }
    const op = /^(<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>()])/.exec(src.slice(i));
    if (op) { toks.push({ t: 'op', v: op[1]!, at: i }); i += op[1]!.length; continue; }
    return err('expr.bad-char', `unexpected '${c}' at column ${i + 1} of '${src}'`);
  }
  return ok(toks);
}

export function parseExpr(src: string): Result<Expr> {
  const tr = tokenize(src);
  if (!tr.ok) return tr;
  const toks = tr.value;
  let p = 0;
  const peek = () => toks[p];
  const bad = (msg: string): Result<never> => err('expr.syntax', `${msg} in '${src}'`);

  function primary(): Result<Expr> {
    const t = toks[p++];
    if (!t) return bad('expression ends early');
    if (t.t === 'num') return ok({ kind: 'num', value: BigInt.asUintN(64, t.v) });
    if (t.t === 'id') {
      if (t.v.startsWith('$')) return ok({ kind: 'reg', name: t.v.slice(1).toLowerCase() });
      return ok({ kind: 'sym', name: t.v });
    }
    if (t.v === '(') {
      // A cast to a pointer type followed by `*` deref is handled in unary(); here: grouping.
      const e = expr(0);
      if (!e.ok) return e;
      if (toks[p]?.v !== ')') return bad(`missing ')'`);
      p++;
      return e;
    }
    if (t.v === '-' || t.v === '~' || t.v === '!') {
      const a = unary();
      if (!a.ok) return a;
      return ok({ kind: 'unary', op: t.v, arg: a.value });
    }
    if (t.v === '*') {
      // *(TYPE *)ADDR  or  *ADDR (u64)
      let size: 1 | 2 | 4 | 8 = 8;
      let signed = false;
      const a = toks[p], b = toks[p + 1], c = toks[p + 2], d = toks[p + 3];
      if (a?.v === '(' && b?.t === 'id' && TYPE_SIZES[b.v] && c?.v === '*' && d?.v === ')') {
        ({ size, signed } = TYPE_SIZES[b.v]!);
        p += 4;
      }
      const addr = unary();
      if (!addr.ok) return addr;
      return ok({ kind: 'deref', size, signed, addr: addr.value });
    }
    return bad(`unexpected '${t.v}'`);
  }
  const unary = primary;

  function expr(minPrec: number): Result<Expr> {
    const first = unary();
    if (!first.ok) return first;
    let left: Expr = first.value;
    for (;;) {
      const t = peek();
      if (!t || t.t !== 'op' || !(t.v in PRECEDENCE)) break;
      const op = t.v as BinaryOp;
      const prec = PRECEDENCE[op];
      if (prec <= minPrec) break;
      p++;
      const right = expr(prec);
      if (!right.ok) return right;
      left = { kind: 'binary', op, left, right: right.value };
    }
    return ok(left);
  }

  if (toks.length === 0) return bad('empty expression');
  const e = expr(0);
  if (!e.ok) return e;
  if (p !== toks.length) return bad(`unexpected '${toks[p]!.t === 'num' ? String((toks[p] as { v: bigint }).v) : (toks[p] as { v: string }).v}'`);
  return e;
}
