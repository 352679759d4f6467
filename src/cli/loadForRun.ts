// Loads every program of an object into a kernel model, as libbpf + the kernel would:
// maps first, programs analysed one by one, prog_array initialisers applied; then the
// command line's --map-update swaps.
import { fail, formatDiag, unwrap } from '../common/diag.ts';
import { analyzeProgram, type AnalysisOptions, type ProgramImage } from '../analysis/index.ts';
import { KernelModel, type KernelModelOptions, type LoadedObject, type LoadedProgram } from '../kernel/index.ts';
import type { BpfObject, BpfProgram } from '../object/index.ts';

export interface LoadedForRun {
  model: KernelModel;
  loaded: LoadedObject;
  entry: LoadedProgram;
}

/**
 * Analyses every autoload program (and the selected one even when `?`-prefixed). A program
 * the verifier would reject only matters when it is the one being run: the others are
 * left out, as a failed optional program would be.
 */
export function loadForRun(obj: BpfObject, entry: BpfProgram, analysis: AnalysisOptions, modelOpts: KernelModelOptions = {}): LoadedForRun {
  const images: ProgramImage[] = [];
  for (const p of obj.programs) {
    if (!p.autoload && p !== entry) continue;
    const r = analyzeProgram(obj, p, analysis);
    if (!r.ok) {
      if (p === entry) unwrap(r);
      continue;
    }
    images.push(r.value);
  }
  const model = new KernelModel(modelOpts);
  const loaded = model.loadObject(obj, images);
  const e = loaded.programs.find((p) => p.name === entry.name);
  if (!e) fail('cli.internal', `program ${entry.name} did not load`);
  return { model, loaded, entry: e };
}

export function applyMapUpdates(run: LoadedForRun, updates: { map: string; key: number; prog: string }[]): void {
  for (const u of updates) {
    const map = unwrap(run.model.findMap(u.map, run.loaded.name));
    const prog = unwrap(run.model.findProgram(u.prog, run.loaded.name));
    const rc = run.model.updateProgArray(map, u.key, prog);
    if (rc !== 0) fail('cli.map-update', `--map-update ${u.map}:${u.key}=${u.prog} failed (error ${-rc})`);
  }
}

export const describeError = formatDiag;
