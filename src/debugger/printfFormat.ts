// gdb's printf over 64-bit debugger values: the conversions a BPF user prints with
// (%d %i %u %x %X %o %c %s %p %%), with C's flags (- 0 + space #), width, precision and
// the h/hh/l/ll/z length modifiers. Values are u64 as the expression evaluator gives them;
// without l/ll a conversion takes the low 32 bits (an int), as C's varargs would.
import { err, ok, type Result } from '../common/diag.ts';

export interface PrintfArgs {
  values: readonly bigint[];
  /** The C string at a guest address (%s), or undefined when unmapped. */
  string(addr: bigint): string | undefined;
}

const SPEC = /%([-+ 0#]*)(\d+)?(?:\.(\d+))?(hh|h|ll|l|z|j|t)?([diuxXocsp%])/g;

function pad(body: string, flags: string, width: number | undefined, numeric: boolean): string {
  if (width === undefined || body.length >= width) return body;
  if (flags.includes('-')) return body.padEnd(width);
  if (numeric && flags.includes('0')) {
    const sign = /^[-+ ]|^0[xX]/.exec(body)?.[0] ?? '';
    return sign + body.slice(sign.length).padStart(width - sign.length, '0');
  }
  return body.padStart(width);
}

/** Formats like gdb's printf; errors name the conversion that could not be satisfied. */
export function formatPrintf(format: string, a: PrintfArgs): Result<string> {
  let next = 0;
  let failure: string | null = null;
  const out = format.replace(SPEC, (whole, flags: string, w?: string, prec?: string, len?: string, conv?: string) => {
    if (conv === '%') return '%';
    if (failure) return '';
    const v = a.values[next++];
    if (v === undefined) {
      failure = `printf: bad format string, missing an argument for '${whole}'`;
      return '';
    }
    const width = w === undefined ? undefined : Number(w);
    const bits = len === 'l' || len === 'll' || len === 'z' || len === 'j' || len === 't' ? 64 : len === 'h' ? 16 : len === 'hh' ? 8 : 32;
    const u = BigInt.asUintN(bits, v);
    let body: string;
    switch (conv) {
      case 'd':
      case 'i': {
        const sv = BigInt.asIntN(bits, v);
        body = (sv >= 0n && flags.includes('+') ? '+' : sv >= 0n && flags.includes(' ') ? ' ' : '') + sv.toString();
        if (prec !== undefined) body = body.replace(/\d+/, (d) => d.padStart(Number(prec), '0'));
        return pad(body, flags, width, prec === undefined);
      }
      case 'u':
      case 'o':
      case 'x':
      case 'X': {
        const radix = conv === 'u' ? 10 : conv === 'o' ? 8 : 16;
        body = u.toString(radix);
        if (prec !== undefined) body = body.padStart(Number(prec), '0');
        if (conv === 'X') body = body.toUpperCase();
        if (flags.includes('#') && u !== 0n) body = (conv === 'o' ? '0' : conv === 'x' ? '0x' : conv === 'X' ? '0X' : '') + body;
        return pad(body, flags, width, prec === undefined);
      }
      case 'p':
        return pad(`0x${BigInt.asUintN(64, v).toString(16)}`, flags, width, false);
      case 'c':
        return pad(String.fromCharCode(Number(v & 0xffn)), flags, width, false);
      case 's': {
        const str = a.string(BigInt.asUintN(64, v));
        if (str === undefined) {
          failure = `printf: cannot access memory at address 0x${BigInt.asUintN(64, v).toString(16)} (for '${whole}')`;
          return '';
        }
        return pad(prec === undefined ? str : str.slice(0, Number(prec)), flags, width, false);
      }
    }
    return whole;
  });
  if (failure) return err('cmd.bad-printf', failure);
  if (next < a.values.length) return err('cmd.bad-printf', `printf: ${a.values.length - next} argument(s) more than the format uses`);
  return ok(out);
}
