// What a load of a whole object gives the kernel: every autoload program (prog_array
// targets are separate programs), plus the chosen one even when it is `?`-prefixed. A
// program the verifier rejects only matters when it is the one the user runs or debugs:
// then its rejection is the result.
import { type Result, ok } from '../common/diag.ts';
import type { BpfObject } from '../object/types.ts';
import { analyzeProgram } from './analyzeProgram.ts';
import type { AnalysisOptions, ProgramImage } from './types.ts';

export function analyzeLoadable(obj: BpfObject, entryName: string, opts: AnalysisOptions): Result<ProgramImage[]> {
  const images: ProgramImage[] = [];
  for (const p of obj.programs) {
    if (!p.autoload && p.name !== entryName) continue;
    const r = analyzeProgram(obj, p, opts);
    if (!r.ok) {
      if (p.name === entryName) return r;
      continue;
    }
    images.push(r.value);
  }
  return ok(images);
}
