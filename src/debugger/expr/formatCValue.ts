// gdb's text of a typed value: `{len = 64, cb = {0, 0, 0, 0, 0}, {flow_keys = 0x0}}`,
// `(struct __sk_buff *) 0xffff...`, `"eth0", '\000' <repeats 11 times>`, enumerator names,
// `true`/`false`, runs of 10 or more equal elements as `0 <repeats 16 times>`, at most 200
// elements of an array (gdb's `print elements` default) with `...` after.
import { ok, type Result } from '../../common/diag.ts';
import { memberPlace, scalarOf, type ExprEnv, type Value } from './evalExpr.ts';
import { sizeOf, strip, typeName, U64, type CType } from './ctype.ts';

/** print/FMT letters that apply to integers. */
export type IntFormat = 'd' | 'x' | 'u' | 't' | 'o' | 'c' | null;

const REPEAT_THRESHOLD = 10;
const PRINT_ELEMENTS = 200;

/** The text after `$ = ` for a value (top level: pointers get their type in front). */
export function formatCValue(v: Value, env: ExprEnv, fmt: IntFormat = null): Result<string> {
  const t = strip(v.type);
  if (t.k === 'ptr' && fmt === null) {
    const a = scalarOf(v, env);
    if (!a.ok) return a;
    return ok(`(${typeName(v.type)}) ${pointerText(t, a.value, env)}`);
  }
  return inner(v, env, fmt, 0);
}

function inner(v: Value, env: ExprEnv, fmt: IntFormat, depth: number): Result<string> {
  const t = strip(v.type);
  switch (t.k) {
    case 'struct': {
      if (depth > 16) return ok('{...}');
      const parts: string[] = [];
      for (const m of t.members()) {
        const s = inner(memberPlace(v.addr, m.type, m.bitOffset, m.bitSize), env, fmt, depth + 1);
        if (!s.ok) return s;
        parts.push(m.name ? `${m.name} = ${s.value}` : s.value);
      }
      return ok(`{${parts.join(', ')}}`);
    }
    case 'array': {
      const el = strip(t.of);
      const size = sizeOf(t.of) ?? 1;
      if (el.k === 'int' && el.char && size === 1 && fmt === null && v.addr !== null) {
        const bytes: number[] = [];
        for (let i = 0; i < Math.min(t.n, PRINT_ELEMENTS); i++) {
          const b = env.read(v.addr + BigInt(i), 1);
          if (b === undefined) return ok(`<error: Cannot access memory at address 0x${(v.addr + BigInt(i)).toString(16)}>`);
          bytes.push(Number(b));
        }
        return ok(charArrayText(bytes, t.n > PRINT_ELEMENTS));
      }
      const items: string[] = [];
      for (let i = 0; i < Math.min(t.n, PRINT_ELEMENTS); i++) {
        const s = inner({ type: t.of, addr: v.addr === null ? null : v.addr + BigInt(i * size), value: null }, env, fmt, depth + 1);
        if (!s.ok) return s;
        items.push(s.value);
      }
      return ok(`{${runs(items).join(', ')}${t.n > PRINT_ELEMENTS ? '...' : ''}}`);
    }
    case 'void':
      return ok('void');
    case 'fwd':
      return ok(`<incomplete type>`);
    case 'func':
      return ok(`{${typeName(v.type)}} 0x${(v.addr ?? 0n).toString(16)}`);
    case 'float':
      return ok(`<${t.size}-byte float>`);
    default: {
      const x = scalarOf(v, env);
      if (!x.ok) return ok(`<error: ${x.error.message}>`);
      return ok(scalarText(t, x.value, fmt, env));
    }
  }
}

/** `size` bytes of `bits` (unsigned) in a print/FMT letter's form; undefined for no letter. */
function formattedBits(bits: bigint, size: number, fmt: IntFormat): string | undefined {
  switch (fmt) {
    case 'x':
      return '0x' + bits.toString(16);
    case 'o':
      return '0' + bits.toString(8);
    case 't':
      return bits.toString(2);
    case 'u':
      return bits.toString();
    case 'd':
      return BigInt.asIntN(size * 8, bits).toString();
    case 'c':
      return charText(Number(bits & 0xffn));
  }
  return undefined;
}

/** An untyped 64-bit number (register, literal, arithmetic) in print/FMT form (none: unsigned decimal). */
export function untypedText(x: bigint, fmt: IntFormat): string {
  const bits = BigInt.asUintN(64, x);
  return formattedBits(bits, 8, fmt) ?? bits.toString();
}

function scalarText(t: CType, x: bigint, fmt: IntFormat, env: ExprEnv): string {
  const size = sizeOf(t) ?? 8;
  const bits = BigInt.asUintN(size * 8, x);
  const formatted = formattedBits(bits, size, fmt);
  if (formatted !== undefined) return formatted;
  if (t.k === 'ptr') return pointerText(t, x, env);
  if (t.k === 'enum') {
    const signedX = t.signed ? BigInt.asIntN(size * 8, bits) : bits;
    const hit = t.values.find((e) => BigInt.asUintN(size * 8, e.value) === bits);
    return hit ? hit.name : signedX.toString();
  }
  if (t.k === 'int') {
    if (t.bool) return bits === 0n ? 'false' : bits === 1n ? 'true' : bits.toString();
    const n = t.signed ? BigInt.asIntN(size * 8, bits) : bits;
    return t.char && size === 1 ? charText(Number(n)) : n.toString();
  }
  return bits.toString();
}

/** `0xffff...`, with the string for `char *` as gdb shows it. */
function pointerText(t: Extract<CType, { k: 'ptr' }>, a: bigint, env: ExprEnv): string {
  const hex = `0x${a.toString(16)}`;
  const to = strip(t.to);
  if (a === 0n || to.k !== 'int' || !to.char || to.size !== 1) return hex;
  const bytes: number[] = [];
  for (let i = 0; i < PRINT_ELEMENTS; i++) {
    const b = env.read(a + BigInt(i), 1);
    if (b === undefined) return bytes.length ? `${hex} ${quote(bytes)}...` : `${hex} <error: Cannot access memory at address ${hex}>`;
    if (b === 0n) break;
    bytes.push(Number(b));
  }
  return `${hex} ${quote(bytes)}`;
}

/** `65 'A'` (gdb prints a char as its number and its literal). */
function charText(c: number): string {
  const s = c < 0 ? c + 256 : c;
  return `${c} ${escapeChar(s, "'")}`;
}

function escapeChar(c: number, q: '"' | "'"): string {
  const inner =
    c === 0x5c
      ? '\\\\'
      : c === q.charCodeAt(0)
        ? `\\${q}`
        : c >= 0x20 && c < 0x7f
          ? String.fromCharCode(c)
          : (({ 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\033' } as Record<number, string>)[c] ??
            `\\${c.toString(8).padStart(3, '0')}`);
  return q === "'" ? `'${inner}'` : inner;
}

const quote = (bytes: number[]): string => `"${bytes.map((c) => escapeChar(c, '"')).join('')}"`;

/**
 * A char array as gdb prints it: the string up to the terminating NUL when only NULs follow
 * (`"eth0"`, or `"eth0", '\000' <repeats 11 times>` when 10 or more trail it), runs of 10 or
 * more equal characters as repeats.
 */
export function charArrayText(bytes: number[], more: boolean): string {
  let end = bytes.length;
  // gdb drops one trailing NUL (the terminator) when the array ends with NULs.
  if (!more && end > 0 && bytes[end - 1] === 0) end--;
  const segs: string[] = [];
  let str: number[] = [];
  const flush = () => {
    if (str.length) {
      segs.push(quote(str));
      str = [];
    }
  };
  for (let i = 0; i < end;) {
    let j = i;
    while (j < end && bytes[j] === bytes[i]) j++;
    if (j - i >= REPEAT_THRESHOLD) {
      flush();
      segs.push(`${escapeChar(bytes[i]!, "'")} <repeats ${j - i} times>`);
    } else for (let k = i; k < j; k++) str.push(bytes[k]!);
    i = j;
  }
  flush();
  if (segs.length === 0) return '""';
  return segs.join(', ') + (more ? '...' : '');
}

/** Consecutive equal element texts, 10 or more of them, as `X <repeats N times>`. */
function runs(items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < items.length;) {
    let j = i;
    while (j < items.length && items[j] === items[i]) j++;
    if (j - i >= REPEAT_THRESHOLD) out.push(`${items[i]} <repeats ${j - i} times>`);
    else for (let k = i; k < j; k++) out.push(items[k]!);
    i = j;
  }
  return out;
}

/** Whether a value is an untyped 64-bit number (a register, a literal, arithmetic). */
export const isUntyped = (v: Value): boolean => v.type === U64 && v.value !== null;
