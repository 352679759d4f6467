// Command-line prog_array swaps (`--map-update MAP:KEY=PROG`) applied to a loaded object,
// through the kernel model so the poke state machine patches code as the kernel would.
import { fail, unwrap } from '../common/diag.ts';
import type { KernelModel, LoadedObject } from '../kernel/index.ts';

export function applyMapUpdates(run: { model: KernelModel; loaded: LoadedObject }, updates: { map: string; key: number; prog: string }[]): void {
  for (const u of updates) {
    const map = unwrap(run.model.findMap(u.map, run.loaded.name));
    const prog = unwrap(run.model.findProgram(u.prog, run.loaded.name));
    const rc = run.model.updateProgArray(map, u.key, prog);
    if (rc !== 0) fail('cli.map-update', `--map-update ${u.map}:${u.key}=${u.prog} failed (error ${-rc})`);
  }
}
