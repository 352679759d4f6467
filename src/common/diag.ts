// Errors are values with a place. Anything that reads user input returns Result<T>;
// code throws only when an invariant breaks. The CLI prints one line per Diag.
import type { FileOff, InsnIdx, SrcLine } from './ids.ts';

export interface Place {
  file?: string;
  section?: string;
  fileOff?: FileOff;
  /** Program (entry function) name, when the place is inside one. */
  program?: string;
  insn?: InsnIdx;
  srcFile?: string;
  line?: SrcLine;
}

export interface Diag {
  /** Stable machine-readable code, e.g. 'elf.bad-magic', 'verifier.jump-out-of-range'. */
  code: string;
  message: string;
  place: Place;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: Diag };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = <T = never>(code: string, message: string, place: Place = {}): Result<T> => ({
  ok: false,
  error: { code, message, place },
});

/** Formats a place the way the CLI prints it: `prog.o: xdp/entry insn 14 (prog.c:37)`. */
export function formatPlace(p: Place): string {
  const parts: string[] = [];
  if (p.file) parts.push(p.file);
  const where: string[] = [];
  if (p.section && p.program) where.push(`${p.section}/${p.program}`);
  else if (p.section) where.push(`section ${p.section}`);
  else if (p.program) where.push(p.program);
  if (p.fileOff !== undefined) where.push(`offset 0x${p.fileOff.toString(16)}`);
  if (p.insn !== undefined) where.push(`insn ${p.insn}`);
  if (p.line !== undefined) where.push(`(${p.srcFile ?? '?'}:${p.line})`);
  if (where.length) parts.push(where.join(' '));
  return parts.join(': ');
}

/** One line: `prog.o: xdp/entry insn 14 (prog.c:37): jump to insn 90 is out of range`. */
export function formatDiag(d: Diag): string {
  const place = formatPlace(d.place);
  return place ? `${place}: ${d.message}` : d.message;
}

/**
 * A user-facing failure carried through code that cannot easily return Result
 * (deep inside emulation, for instance). The CLI catches it and prints formatDiag.
 */
export class BpfdbgError extends Error {
  readonly diag: Diag;
  constructor(diag: Diag) {
    super(formatDiag(diag));
    this.diag = diag;
    this.name = 'BpfdbgError';
  }
}

export function fail(code: string, message: string, place: Place = {}): never {
  throw new BpfdbgError({ code, message, place });
}

/** Unwraps a Result or throws its Diag as a BpfdbgError. */
export function unwrap<T>(r: Result<T>): T {
  if (r.ok) return r.value;
  throw new BpfdbgError(r.error);
}
