// LOCATION forms, as gdb users type them: `entry`, `entry:14`, `14`, `prog.c:37`, `*0xADDR`;
// with several objects, `OBJ:PROG` and `OBJ:PROG:14` where PROG alone is ambiguous.
import { err, ok, type Result } from '../../common/diag.ts';
import type { LocationSpec } from './locationSpec.ts';

export function parseLocation(text: string): Result<LocationSpec> {
  const s = text.trim();
  if (s.startsWith('*')) {
    const a = s.slice(1).trim();
    if (!/^(0x[0-9a-fA-F]+|\d+)$/.test(a)) return err('cmd.bad-location', `'${s}' is not an address (use *0x...)`);
    return ok({ kind: 'addr', addr: BigInt(a) });
  }
  if (/^\d+$/.test(s)) return ok({ kind: 'insn', prog: null, insn: Number(s) });
  const colon = s.lastIndexOf(':');
  if (colon > 0) {
    const left = s.slice(0, colon);
    const right = s.slice(colon + 1);
    // `OBJ:PROG`: a program of one object when several objects have PROG.
    if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(left) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(right)) return ok({ kind: 'program', prog: s });
    if (!/^\d+$/.test(right)) return err('cmd.bad-location', `'${s}': expected a number after ':'`);
    const n = Number(right);
    // A file name has a dot (`prog.c:37`); a program name has none (`entry:14`).
    if (/\.(c|h|bpf\.c)$/.test(left) || left.includes('/')) return ok({ kind: 'line', file: left, line: n });
    return ok({ kind: 'insn', prog: left, insn: n });
  }
  if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(s)) return ok({ kind: 'program', prog: s });
  return err('cmd.bad-location', `'${s}' is not a location (PROG, PROG:INSN, OBJ:PROG, FILE.c:LINE or *ADDR)`);
}
