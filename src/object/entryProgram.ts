// Which program of an object a user means: the one named, or the object's entry program —
// one named `entry`, else the first autoload program no prog_array initialiser targets
// (tail-call targets are rarely where a run starts), else the first program.
import { type Result, err, ok } from '../common/diag.ts';
import type { BpfObject, BpfProgram } from './types.ts';

export function chooseProgram(obj: BpfObject, name?: string): Result<BpfProgram> {
  if (name !== undefined) {
    const p = obj.programs.find((q) => q.name === name);
    const refused = obj.rejected?.find((q) => q.name === name);
    if (!p && refused) return { ok: false, error: refused.error };
    if (!p)
      return err('object.no-such-prog', `no program '${name}' in ${obj.path} (programs: ${obj.programs.map((q) => q.name).join(', ')})`, { file: obj.path });
    return ok(p);
  }
  if (obj.programs.length === 0) {
    // Every program refused: the first one's reason says more than "no programs".
    const first = obj.rejected?.[0];
    if (first) return { ok: false, error: first.error };
    return err('object.no-programs', `${obj.path} has no BPF programs`, { file: obj.path });
  }
  const targets = new Set(obj.maps.flatMap((m) => (m.initSlots ?? []).map((s) => s.prog)));
  return ok(obj.programs.find((p) => p.name === 'entry') ?? obj.programs.find((p) => p.autoload && !targets.has(p.name)) ?? obj.programs[0]!);
}
