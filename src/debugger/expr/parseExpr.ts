// A Pratt parser for debugger expressions (see ast.ts). Errors name the column.
import { err, ok, type Result } from '../../common/diag.ts';
import type { BinaryOp, Expr, TypeName } from './ast.ts';
import { BUILTIN_TYPES } from './ctype.ts';

const PRECEDENCE: Record<BinaryOp, number> = {
  '||': 1,
  '&&': 2,
  '|': 3,
  '^': 4,
  '&': 5,
  '==': 6,
  '!=': 6,
  '<': 7,
  '<=': 7,
  '>': 7,
  '>=': 7,
  '<<': 8,
  '>>': 8,
  '+': 9,
  '-': 9,
  '*': 10,
  '/': 10,
  '%': 10,
};

const TYPE_SIZES: Record<string, { size: 1 | 2 | 4 | 8; signed: boolean }> = {
  u8: { size: 1, signed: false },
  u16: { size: 2, signed: false },
  u32: { size: 4, signed: false },
  u64: { size: 8, signed: false },
  s8: { size: 1, signed: true },
  s16: { size: 2, signed: true },
  s32: { size: 4, signed: true },
  s64: { size: 8, signed: true },
  char: { size: 1, signed: true },
  short: { size: 2, signed: true },
  int: { size: 4, signed: true },
  long: { size: 8, signed: true },
  __u8: { size: 1, signed: false },
  __u16: { size: 2, signed: false },
  __u32: { size: 4, signed: false },
  __u64: { size: 8, signed: false },
};

type Tok = { t: 'num'; v: bigint; at: number } | { t: 'id'; v: string; at: number } | { t: 'op'; v: string; at: number };

function tokenize(src: string): Result<Tok[]> {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(0x[0-9a-fA-F]+|0b[01]+|0o[0-7]+|\d+)/.exec(src.slice(i));
    if (num) {
      toks.push({ t: 'num', v: BigInt(num[1]!), at: i });
      i += num[1]!.length;
      continue;
    }
    // `OBJ:NAME` names a global or map of one object when several have NAME.
    const id = /^(?:[A-Za-z_][A-Za-z0-9_.]*:[A-Za-z_][A-Za-z0-9_.]*|\$?[A-Za-z_][A-Za-z0-9_.]*)/.exec(src.slice(i));
    if (id) {
      toks.push({ t: 'id', v: id[0], at: i });
      i += id[0].length;
      continue;
    }
    const op = /^(->|<<|>>|<=|>=|==|!=|&&|\|\||[-+*/%&|^~!<>()[\].])/.exec(src.slice(i));
    if (op) {
      toks.push({ t: 'op', v: op[1]!, at: i });
      i += op[1]!.length;
      continue;
    }
    return err('expr.bad-char', `unexpected '${c}' at column ${i + 1} of '${src}'`);
  }
  return ok(toks);
}

export function parseExpr(src: string): Result<Expr> {
  return parseWith(src, false) as Result<Expr>;
}

/** A whole text that is a type name (`struct x *`, `unsigned int`, `__be16`), or null. */
export function parseTypeName(src: string): TypeName | null {
  const r = parseWith(src, true) as Result<TypeName | null>;
  return r.ok ? r.value : null;
}

function parseWith(src: string, typeOnly: boolean): Result<Expr | TypeName | null> {
  const tr = tokenize(src);
  if (!tr.ok) return tr;
  const toks = tr.value;
  let p = 0;
  const peek = () => toks[p];
  const bad = (msg: string): Result<never> => err('expr.syntax', `${msg} in '${src}'`);

  /**
   * A type name at p (`struct x`, `unsigned int`, `u32`, `__be16 *`), or null (p unchanged).
   * A name that is no builtin one counts only with a `*` after it (`(__be16 *)x`): `(hops)`
   * is a grouping. (`sizeof(TYPEDEF)` reaches the evaluator as a name it looks up as a type.)
   */
  function typeName(): TypeName | null {
    const at = p;
    const t = toks[p];
    if (t?.t !== 'id') return null;
    let base: string;
    let known = true;
    if (['struct', 'union', 'enum'].includes(t.v) && toks[p + 1]?.t === 'id') {
      base = `${t.v} ${toks[p + 1]!.v}`;
      p += 2;
    } else if (t.v === 'unsigned' || t.v === 'signed' || (t.v === 'long' && toks[p + 1]?.v === 'long')) {
      const words: string[] = [];
      while (toks[p]?.t === 'id' && ['unsigned', 'signed', 'char', 'short', 'int', 'long'].includes(toks[p]!.v as string)) words.push(toks[p++]!.v as string);
      const sign = words[0] === 'unsigned' ? 'unsigned ' : words[0] === 'signed' ? 'signed ' : '';
      const rest =
        words.filter((w) => w !== 'unsigned' && w !== 'signed' && !(w === 'int' && words.some((x) => x === 'short' || x === 'long'))).join(' ') || 'int';
      base = sign === 'signed ' && rest !== 'char' ? rest : sign + rest;
    } else {
      base = t.v;
      known = BUILTIN_TYPES[base] !== undefined;
      p++;
    }
    let ptr = 0;
    while (toks[p]?.v === '*') {
      ptr++;
      p++;
    }
    if (!known && ptr === 0) {
      p = at;
      return null;
    }
    return { base, ptr };
  }

  function primary(): Result<Expr> {
    const t = toks[p++];
    if (!t) return bad('expression ends early');
    if (t.t === 'num') return ok({ kind: 'num', value: BigInt.asUintN(64, t.v) });
    if (t.t === 'id') {
      if (t.v.startsWith('$')) return ok({ kind: 'reg', name: t.v.slice(1).toLowerCase() });
      if (t.v === 'sizeof') {
        if (toks[p]?.v === '(') {
          const save = p++;
          const ty = typeName();
          if (ty && toks[p]?.v === ')') {
            p++;
            return ok({ kind: 'sizeof', type: ty, arg: null });
          }
          p = save;
        }
        const a = unary();
        return a.ok ? ok({ kind: 'sizeof', type: null, arg: a.value }) : a;
      }
      return ok({ kind: 'sym', name: t.v });
    }
    if (t.v === '(') {
      // `(TYPE)EXPR` is a cast; otherwise a grouping.
      const save = p;
      const ty = typeName();
      if (ty && toks[p]?.v === ')') {
        p++;
        const a = unary();
        return a.ok ? ok({ kind: 'cast', type: ty, arg: a.value }) : a;
      }
      p = save;
      const e = expr(0);
      if (!e.ok) return e;
      if (toks[p]?.v !== ')') return bad(`missing ')'`);
      p++;
      return e;
    }
    return bad(`unexpected '${t.v}'`);
  }

  /** A primary followed by `[i]`, `.m`, `->m`. */
  function postfix(): Result<Expr> {
    const first = primary();
    if (!first.ok) return first;
    let e = first.value;
    for (;;) {
      const t = toks[p];
      if (t?.v === '[') {
        p++;
        const i = expr(0);
        if (!i.ok) return i;
        if (toks[p]?.v !== ']') return bad(`missing ']'`);
        p++;
        e = { kind: 'index', base: e, index: i.value };
      } else if (t?.v === '.' || t?.v === '->') {
        p++;
        const m = toks[p++];
        if (m?.t !== 'id' || (m.v as string).startsWith('$')) return bad(`a member name must follow '${t.v}'`);
        // The tokenizer keeps `a.b.c` as one name (map names hold dots): split it here.
        const [head, ...rest] = (m.v as string).split('.');
        e = { kind: 'member', base: e, name: head!, arrow: t.v === '->' };
        for (const r of rest) e = { kind: 'member', base: e, name: r, arrow: false };
      } else return ok(e);
    }
  }

  function unary(): Result<Expr> {
    const t = toks[p];
    if (t?.t === 'op' && (t.v === '-' || t.v === '~' || t.v === '!')) {
      p++;
      const a = unary();
      if (!a.ok) return a;
      return ok({ kind: 'unary', op: t.v, arg: a.value });
    }
    if (t?.t === 'op' && t.v === '&') {
      p++;
      const a = unary();
      return a.ok ? ok({ kind: 'addr', arg: a.value }) : a;
    }
    if (t?.t === 'op' && t.v === '*') {
      p++;
      // *(TYPE *)ADDR with a builtin integer TYPE: memory of that size (set/x write it).
      const a = toks[p],
        b = toks[p + 1],
        c = toks[p + 2],
        d = toks[p + 3];
      if (a?.v === '(' && b?.t === 'id' && TYPE_SIZES[b.v] && c?.v === '*' && d?.v === ')') {
        const { size, signed } = TYPE_SIZES[b.v]!;
        p += 4;
        const addr = unary();
        if (!addr.ok) return addr;
        return ok({ kind: 'deref', size, signed, addr: addr.value });
      }
      const arg = unary();
      return arg.ok ? ok({ kind: 'star', arg: arg.value }) : arg;
    }
    return postfix();
  }

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

  if (typeOnly) {
    // Any identifier may name a typedef here (`ptype __be16`): no `*` needed.
    if (toks.length === 1 && toks[0]!.t === 'id' && !(toks[0]!.v as string).startsWith('$')) return ok({ base: toks[0]!.v as string, ptr: 0 });
    const ty = typeName();
    return ok(ty && p === toks.length ? ty : null);
  }
  if (toks.length === 0) return bad('empty expression');
  const e = expr(0);
  if (!e.ok) return e;
  if (p !== toks.length) return bad(`unexpected '${toks[p]!.t === 'num' ? String((toks[p] as { v: bigint }).v) : (toks[p] as { v: string }).v}'`);
  return e;
}
