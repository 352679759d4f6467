// bpf_trace_printk(fmt, fmt_size, a1, a2, a3) (kernel/trace/bpf_trace.c): at most three
// arguments; the kernel's accepted subset of printf (bpf_bprintf_prepare): %d %i %u %x %X %c
// %s %p %% with l/ll, flags and width. The line goes to the model's trace output instead of
// trace_pipe; the return value is the formatted length, as bstr_printf reports it.
import { BPF_FUNC } from '../../bpf/helperIds.ts';
import { EINVAL, negErrno } from '../errors.ts';
import type { AddressSpace } from '../addressSpace.ts';
import type { HelperDef } from './types.ts';

const MAX_STR = 256;

function cString(space: AddressSpace, addr: bigint, max: number): string | undefined {
  const out: number[] = [];
  for (let k = 0; k < max; k++) {
    const b = space.load(addr + BigInt(k), 1);
    if (typeof b !== 'bigint') return undefined;
    if (b === 0n) return Buffer.from(out).toString('latin1');
    out.push(Number(b));
  }
  return Buffer.from(out).toString('latin1');
}

const pad = (s: string, flags: string, width: number): string => {
  if (s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  if (flags.includes('0') && /^-?[0-9a-fA-Fx]+$/.test(s)) {
    const neg = s.startsWith('-');
    return (neg ? '-' : '') + s.slice(neg ? 1 : 0).padStart(width - (neg ? 1 : 0), '0');
  }
  return s.padStart(width);
};

/** Formats `fmt` with u64 args; undefined when the format uses an unsupported conversion. */
export function formatPrintk(fmt: string, args: readonly bigint[], space: AddressSpace): string | undefined {
  let out = '';
  let next = 0;
  const re = /%([-0 +#]*)(\d*)(ll|l|h|hh|z)?([diuxXcsp%])/g;
  let last = 0;
  for (let m = re.exec(fmt); m; m = re.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = m.index + m[0].length;
    const [, flags = '', w, len, conv] = m;
    if (conv === '%') {
      out += '%';
      continue;
    }
    if (next >= 3) return undefined;
    const raw = args[next++] ?? 0n;
    const bits = len === 'll' || len === 'l' || len === 'z' ? 64 : 32;
    const v = BigInt.asUintN(bits, raw);
    let s: string;
    switch (conv) {
      case 'd':
      case 'i': {
        const n = BigInt.asIntN(bits, v);
        s = (n >= 0n && flags.includes('+') ? '+' : n >= 0n && flags.includes(' ') ? ' ' : '') + n.toString();
        break;
      }
      case 'u':
        s = v.toString();
        break;
      case 'x':
        s = (flags.includes('#') ? '0x' : '') + v.toString(16);
        break;
      case 'X':
        s = (flags.includes('#') ? '0X' : '') + v.toString(16).toUpperCase();
        break;
      case 'c':
        s = String.fromCharCode(Number(raw & 0xffn));
        break;
      case 'p':
        s = '0x' + BigInt.asUintN(64, raw).toString(16);
        break;
      case 's':
        s = cString(space, raw, MAX_STR) ?? '(efault)';
        break;
      default:
        return undefined;
    }
    out += pad(s, flags, Number(w || 0));
  }
  return out + fmt.slice(last);
}

export const tracePrintk: HelperDef = {
  id: BPF_FUNC.trace_printk,
  name: 'bpf_trace_printk',
  fn: (k, fmtPtr, fmtSize, a1, a2, a3) => {
    const size = Number(fmtSize & 0xffffffffn);
    const raw = k.space.read(fmtPtr, size);
    if (!(raw instanceof Uint8Array) || size === 0 || raw[size - 1] !== 0) return negErrno(EINVAL);
    const fmt = Buffer.from(raw.subarray(0, raw.indexOf(0))).toString('latin1');
    const line = formatPrintk(fmt, [a1, a2, a3], k.space);
    if (line === undefined) return negErrno(EINVAL);
    k.trace(line.endsWith('\n') ? line.slice(0, -1) : line);
    return BigInt(line.length);
  },
};
