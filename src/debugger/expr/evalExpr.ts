// Evaluates a debugger expression. Values carry a C type: registers, literals and untyped
// arithmetic are u64 bit patterns (gdb's `long` for $r1, without the sign); globals, casts
// to BTF types, members and array elements are typed places in guest memory, read only
// when a scalar is needed (so `print cfg` reads the struct once, and `&cfg.x` reads none).
// evalExpr gives the scalar (conditions, `x`, `set`); evalTyped the typed value (`print`,
// `ptype`, `display`, `watch`).
import { err, ok, type Result } from '../../common/diag.ts';
import type { Expr, TypeName } from './ast.ts';
import { BUILTIN_TYPES, sizeOf, strip, typeName, U64, VOID, type CMember, type CType } from './ctype.ts';

export interface ExprEnv {
  /** Register by lower-case name without '$' (r0..r10, rax, a6, pc, tcc...), or undefined. */
  reg(name: string): bigint | undefined;
  /** Symbol (global variable address or value) by name, or undefined. */
  sym(name: string): bigint | undefined;
  /** Why `name` did not resolve when there is more to say than "no symbol" (it is ambiguous). */
  symError?(name: string): string | undefined;
  /** Reads `size` bytes little-endian at a guest address; undefined when unmapped. */
  read(addr: bigint, size: number): bigint | undefined;
  /** A global variable as a typed place (from the object's BTF DATASEC), when known. */
  global?(name: string): { addr: bigint; type: CType } | undefined;
  /** A named type (`struct x`, `enum y`, a typedef) of the objects' or the kernel's BTF. */
  type?(spelled: string): CType | undefined;
}

/** A typed value: a place in memory (addr, maybe a bitfield in it) or a scalar (value). */
export interface Value {
  type: CType;
  addr: bigint | null;
  value: bigint | null;
  bits?: { offset: number; size: number };
}

const U64V = (v: bigint): bigint => BigInt.asUintN(64, v);
const bool = (b: boolean) => (b ? 1n : 0n);
const scalar = (v: bigint, type: CType = U64): Value => ({ type, addr: null, value: U64V(v) });
const unmapped = (a: bigint): Result<never> => err('expr.unmapped', `cannot access memory at address 0x${a.toString(16)}`);

export function evalExpr(e: Expr, env: ExprEnv): Result<bigint> {
  const v = evalTyped(e, env);
  return v.ok ? scalarOf(v.value, env) : v;
}

/** The 64-bit pattern of a scalar value (arrays: their address, as C decays them). */
export function scalarOf(v: Value, env: ExprEnv): Result<bigint> {
  if (v.value !== null) return ok(v.value);
  const t = strip(v.type);
  if (t.k === 'array' || t.k === 'func') return ok(v.addr!);
  if (t.k === 'struct' || t.k === 'void' || t.k === 'fwd' || t.k === 'float')
    return err('expr.not-scalar', `a value of type '${typeName(v.type)}' is not a number here`);
  const size = sizeOf(t)!;
  const addr = v.addr!;
  if (v.bits) {
    const first = Math.floor(v.bits.offset / 8);
    const span = Math.ceil(((v.bits.offset % 8) + v.bits.size) / 8);
    const raw = env.read(addr + BigInt(first), span);
    if (raw === undefined) return unmapped(addr);
    const x = (raw >> BigInt(v.bits.offset % 8)) & ((1n << BigInt(v.bits.size)) - 1n);
    return ok(isSigned(t) ? U64V(BigInt.asIntN(v.bits.size, x)) : x);
  }
  const raw = size <= 8 ? env.read(addr, size) : undefined;
  if (raw === undefined) return size > 8 ? err('expr.not-scalar', `a ${size}-byte integer is not a number here`) : unmapped(addr);
  return ok(isSigned(t) ? U64V(BigInt.asIntN(size * 8, raw)) : raw);
}

const isSigned = (t: CType): boolean => (t.k === 'int' || t.k === 'enum') && t.signed;

/** Resolves a written type name: builtin names, then the BTF types the session knows. */
export function resolveTypeName(n: TypeName, env: ExprEnv): Result<CType> {
  let t: CType | undefined = BUILTIN_TYPES[n.base] ?? env.type?.(n.base);
  if (!t) return err('expr.unknown-type', `no type named '${n.base}' in the objects' or the kernel's BTF`);
  for (let i = 0; i < n.ptr; i++) t = { k: 'ptr', to: t };
  return ok(t);
}

/** The members of a struct or union, anonymous inner ones searched too (C11). */
function findMember(t: CType, name: string): { m: CMember; bitOffset: number } | undefined {
  const s = strip(t);
  if (s.k !== 'struct') return undefined;
  for (const m of s.members()) {
    if (m.name === name) return { m, bitOffset: m.bitOffset };
    if (m.name === '') {
      const inner = findMember(m.type, name);
      if (inner) return { m: inner.m, bitOffset: m.bitOffset + inner.bitOffset };
    }
  }
  return undefined;
}

/** The place `base.name` (base a struct place, or a pointer to one). */
function member(base: Value, name: string, env: ExprEnv): Result<Value> {
  let b = base;
  if (strip(b.type).k === 'ptr') {
    const d = deref(b, env);
    if (!d.ok) return d;
    b = d.value;
  }
  const t = strip(b.type);
  if (t.k !== 'struct') return err('expr.not-struct', `'${typeName(b.type)}' has no members (looking for '${name}')`);
  const hit = findMember(t, name);
  if (!hit) return err('expr.no-member', `There is no member named ${name}.`);
  if (b.addr === null) return err('expr.not-lvalue', `the struct is not in memory`);
  return ok(memberPlace(b.addr, hit.m.type, hit.bitOffset, hit.m.bitSize));
}

/** The place of a member at `bitOffset` (`bitSize` 0: not a bitfield) in a struct at `addr`. */
export function memberPlace(addr: bigint | null, type: CType, bitOffset: number, bitSize: number): Value {
  if (bitSize || bitOffset % 8) return { type, addr, value: null, bits: { offset: bitOffset, size: bitSize || (sizeOf(type) ?? 8) * 8 } };
  return { type, addr: addr === null ? null : addr + BigInt(bitOffset / 8), value: null };
}

/** `*v`: the pointee of a pointer, the first element of an array, else the u64 at address v. */
function deref(v: Value, env: ExprEnv): Result<Value> {
  const t = strip(v.type);
  if (t.k === 'array') return ok({ type: t.of, addr: v.addr, value: null });
  const a = scalarOf(v, env);
  if (!a.ok) return a;
  if (t.k === 'ptr') {
    const to = strip(t.to);
    if (to.k === 'void') return err('expr.void-deref', 'Attempt to take contents of a non-pointer value.');
    if (to.k === 'fwd') return err('expr.incomplete', `the type '${typeName(t.to)}' is incomplete (no definition in BTF)`);
    return ok({ type: t.to, addr: a.value, value: null });
  }
  return ok({ type: U64, addr: a.value, value: null });
}

function sym(name: string, env: ExprEnv): Result<Value> {
  const g = env.global?.(name);
  if (g) return ok({ type: g.type, addr: g.addr, value: null });
  const v = env.sym(name);
  if (v !== undefined) return ok(scalar(v));
  // `cfg.limits`: the tokenizer keeps dotted names whole (map names hold dots).
  const parts = name.split('.');
  for (let i = parts.length - 1; i >= 1; i--) {
    const head = parts.slice(0, i).join('.');
    const hg = env.global?.(head);
    if (!hg) continue;
    let cur: Result<Value> = ok({ type: hg.type, addr: hg.addr, value: null });
    for (const m of parts.slice(i)) cur = cur.ok ? member(cur.value, m, env) : cur;
    return cur;
  }
  const why = env.symError?.(name);
  return why ? err('expr.ambiguous-symbol', why) : err('expr.unknown-symbol', `no symbol '${name}' in the current context`);
}

export function evalTyped(e: Expr, env: ExprEnv): Result<Value> {
  switch (e.kind) {
    case 'num':
      return ok(scalar(e.value));
    case 'reg': {
      const v = env.reg(e.name);
      return v === undefined ? err('expr.unknown-register', `no register '$${e.name}' here`) : ok(scalar(v));
    }
    case 'sym':
      return sym(e.name, env);
    case 'unary': {
      const a = evalExpr(e.arg, env);
      if (!a.ok) return a;
      return ok(scalar(e.op === '-' ? -a.value : e.op === '~' ? ~a.value : bool(a.value === 0n)));
    }
    case 'deref': {
      const a = evalExpr(e.addr, env);
      if (!a.ok) return a;
      const t = BUILTIN_TYPES[`${e.signed ? 's' : 'u'}${e.size * 8}`]!;
      // Read now: a fault names the address even where the value is not used.
      if (env.read(a.value, e.size) === undefined) return unmapped(a.value);
      return ok({ type: t, addr: a.value, value: null });
    }
    case 'star': {
      const a = evalTyped(e.arg, env);
      if (!a.ok) return a;
      const d = deref(a.value, env);
      if (!d.ok) return d;
      const size = sizeOf(d.value.type) ?? 1;
      if (d.value.addr !== null && env.read(d.value.addr, Math.min(size, 8)) === undefined) return unmapped(d.value.addr);
      return d;
    }
    case 'addr': {
      const a = evalTyped(e.arg, env);
      if (!a.ok) return a;
      if (a.value.addr === null || a.value.bits) return err('expr.not-lvalue', 'Attempt to take address of value not located in memory.');
      return ok(scalar(a.value.addr, { k: 'ptr', to: a.value.type }));
    }
    case 'member': {
      const b = evalTyped(e.base, env);
      if (!b.ok) return b;
      if (e.arrow && strip(b.value.type).k !== 'ptr') return err('expr.not-pointer', `The -> operator needs a pointer, not '${typeName(b.value.type)}'`);
      return member(b.value, e.name, env);
    }
    case 'index': {
      const b = evalTyped(e.base, env);
      if (!b.ok) return b;
      const i = evalExpr(e.index, env);
      if (!i.ok) return i;
      const t = strip(b.value.type);
      const el = t.k === 'array' ? t.of : t.k === 'ptr' ? t.to : null;
      if (!el || strip(el).k === 'void') return err('expr.not-array', `cannot subscript something of type '${typeName(b.value.type)}'`);
      const base = t.k === 'array' ? b.value.addr : null;
      const p =
        base ??
        (() => {
          const s = scalarOf(b.value, env);
          return s.ok ? s.value : null;
        })();
      if (p === null) return err('expr.not-lvalue', 'the array is not in memory');
      return ok({ type: el, addr: U64V(p + BigInt.asIntN(64, i.value) * BigInt(sizeOf(el) ?? 1)), value: null });
    }
    case 'cast': {
      const t = resolveTypeName(e.type, env);
      if (!t.ok) return t;
      const to = strip(t.value);
      const a = evalTyped(e.arg, env);
      if (!a.ok) return a;
      if (to.k === 'struct' || to.k === 'array') {
        // gdb allows reinterpreting an object in memory as another of the same size.
        if (a.value.addr === null) return err('expr.bad-cast', `cannot cast a number to '${typeName(t.value)}'`);
        return ok({ type: t.value, addr: a.value.addr, value: null });
      }
      const v = scalarOf(a.value, env);
      if (!v.ok) return v;
      const size = sizeOf(to) ?? 8;
      let x = size < 8 ? BigInt.asUintN(size * 8, v.value) : v.value;
      if (isSigned(to) && size < 8) x = U64V(BigInt.asIntN(size * 8, x));
      return ok(scalar(x, to.k === 'void' ? VOID : t.value));
    }
    case 'sizeof': {
      let t: Result<CType>;
      if (e.type) t = resolveTypeName(e.type, env);
      else {
        const a = evalTyped(e.arg!, env);
        // `sizeof(TYPEDEF)`: a name that is no variable may be a type.
        const named = e.arg!.kind === 'sym' ? env.type?.(e.arg!.name) : undefined;
        t = a.ok ? ok(a.value.type) : named ? ok(named) : a;
      }
      if (!t.ok) return t;
      const n = sizeOf(t.value);
      if (n === undefined) return err('expr.no-size', `'${typeName(t.value)}' has no size`);
      return ok(scalar(BigInt(n), BUILTIN_TYPES['unsigned long']!));
    }
    case 'binary': {
      const lt = evalTyped(e.left, env);
      if (!lt.ok) return lt;
      const l = scalarOf(lt.value, env);
      if (!l.ok) return l;
      if (e.op === '&&' && l.value === 0n) return ok(scalar(0n));
      if (e.op === '||' && l.value !== 0n) return ok(scalar(1n));
      const rt = evalTyped(e.right, env);
      if (!rt.ok) return rt;
      const r = scalarOf(rt.value, env);
      if (!r.ok) return r;
      const a = l.value,
        b = r.value;
      // Pointer arithmetic scales by the pointee's size, as C does.
      const ptrL = pointee(lt.value.type),
        ptrR = pointee(rt.value.type);
      if ((e.op === '+' || e.op === '-') && ptrL && !ptrR) return ok(scalar(e.op === '+' ? a + b * BigInt(ptrL) : a - b * BigInt(ptrL), decay(lt.value.type)));
      if (e.op === '+' && ptrR && !ptrL) return ok(scalar(b + a * BigInt(ptrR), decay(rt.value.type)));
      if (e.op === '-' && ptrL && ptrR) return ok(scalar(BigInt.asIntN(64, a - b) / BigInt(ptrL), BUILTIN_TYPES.long!));
      switch (e.op) {
        case '+':
          return ok(scalar(a + b));
        case '-':
          return ok(scalar(a - b));
        case '*':
          return ok(scalar(a * b));
        case '/':
          return b === 0n ? err('expr.div-zero', 'division by zero') : ok(scalar(a / b));
        case '%':
          return b === 0n ? err('expr.div-zero', 'division by zero') : ok(scalar(a % b));
        case '<<':
          return ok(scalar(a << (b & 63n)));
        case '>>':
          return ok(scalar(a >> (b & 63n)));
        case '&':
          return ok(scalar(a & b));
        case '|':
          return ok(scalar(a | b));
        case '^':
          return ok(scalar(a ^ b));
        case '==':
          return ok(scalar(bool(a === b)));
        case '!=':
          return ok(scalar(bool(a !== b)));
        // Registers are u64: comparisons are unsigned, as gdb's for unsigned operands.
        case '<':
          return ok(scalar(bool(a < b)));
        case '<=':
          return ok(scalar(bool(a <= b)));
        case '>':
          return ok(scalar(bool(a > b)));
        case '>=':
          return ok(scalar(bool(a >= b)));
        case '&&':
          return ok(scalar(bool(b !== 0n)));
        case '||':
          return ok(scalar(bool(b !== 0n)));
      }
    }
  }
}

/** The element size a pointer (or array) steps by, or null for non-pointers (void * steps by 1). */
function pointee(t: CType): number | null {
  const s = strip(t);
  if (s.k === 'ptr') return sizeOf(s.to) ?? 1;
  if (s.k === 'array') return sizeOf(s.of) ?? 1;
  return null;
}

const decay = (t: CType): CType => {
  const s = strip(t);
  return s.k === 'array' ? { k: 'ptr', to: s.of } : t;
};
