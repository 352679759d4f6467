// A recording assembled from the pieces the Recorder (recorder.ts) and the --record journal
// (journal.ts) keep; its own file so neither imports the other.
import type { Recording, RecordedCheckpoint, RecordedEvent, RecordingMeta } from './format.ts';

/**
 * A recording's pieces as the Recorder keeps them (every list only grows): all commands and
 * checkpoints, with how many of each the recording keeps (`record stop`).
 */
export interface RecordingParts {
  meta: RecordingMeta;
  object: Uint8Array;
  objectFiles: readonly Uint8Array[];
  input: Recording['input'];
  commands: readonly Extract<RecordedEvent, { t: 'cmd' }>[];
  /** The nondeterministic-value log (nondet and map events). */
  nondet: readonly RecordedEvent[];
  checkpoints: readonly RecordedCheckpoint[];
  saved: number;
  keepCheckpoints: number;
}

export function assembleRecording(p: RecordingParts): Recording {
  const cmds = p.commands.slice(0, p.saved);
  const lastCmd = cmds.at(-1);
  return {
    meta: { ...p.meta, objects: [...p.meta.objects] },
    object: p.object,
    objectFiles: [...p.objectFiles],
    input: p.input,
    events: mergeByCount(cmds, p.nondet),
    checkpoints: p.checkpoints.slice(0, p.keepCheckpoints),
    final: { at: lastCmd ? lastCmd.after : 0, hash: lastCmd?.hash ?? p.checkpoints[0]?.hash ?? '', commands: cmds.length },
  };
}

/**
 * One transcript ordered by instruction count, each list keeping its own order (draws
 * are numbered by position; after reverse execution their counts may go down).
 */
function mergeByCount(a: readonly RecordedEvent[], b: readonly RecordedEvent[]): RecordedEvent[] {
  const out: RecordedEvent[] = [];
  let i = 0,
    j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]!.at <= b[j]!.at)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}
