// Source lines by BPF instruction, as gdb's `step`/`next` read a line table: each BTF
// line-info record starts a row; a step stops at the start of a row whose line differs
// from the line it started on (or in another frame). Built once per program image.
import { insnIdx } from '../common/ids.ts';
import type { ProgramImage } from '../analysis/types.ts';

export interface LineRow {
  file: string;
  line: number;
  /** This instruction starts a line-info row (not the middle of one). */
  start: boolean;
}

const cache = new WeakMap<ProgramImage, (LineRow | null)[]>();

/** The line row at each xlated insn of `image` (null: no line info there). */
export function lineRows(image: ProgramImage): (LineRow | null)[] {
  let rows = cache.get(image);
  if (rows) return rows;
  rows = [];
  let prev: { file: string; line: number; col: number } | undefined;
  for (let i = 0; i < image.insns.length; i++) {
    const s = image.sourceOf(insnIdx(i));
    const start = !!s && (!prev || prev.file !== s.file || prev.line !== s.line || prev.col !== s.col);
    rows.push(s ? { file: s.file, line: s.line, start } : null);
    prev = s;
  }
  // A function's first insn always begins a row.
  for (const sp of image.subprogs) {
    const r = rows[sp.start];
    if (r) rows[sp.start] = { ...r, start: true };
  }
  cache.set(image, rows);
  return rows;
}

export const sameLine = (a: LineRow | null, b: LineRow | null): boolean => !!a && !!b && a.file === b.file && a.line === b.line;
