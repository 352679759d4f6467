// What `bpfdbg OBJ --record [FILE] [--force]` needs, in one call: a recording session
// (reverse execution included) from the command-line choices, and a finish() that saves
// it where asked when the debugger ends. Also useful without --record: every traced
// session can `record start` / `record save FILE` later and answers reverse-* commands.
import { type Result, ok } from '../common/diag.ts';
import type { RunInput } from '../debugger/target/debugTarget.ts';
import type { SetupStep } from '../debugger/target/setup.ts';
import { recordingOptions } from './launch.ts';
import { type Recorder, defaultRecordingPath, openRecordingSession } from './recorder.ts';
import type { TimeTravelSession } from './timeTravel.ts';
import { checkRecordingTarget } from './writer.ts';
import { Journal, recoverJournals } from './journal.ts';
import { dirname } from 'node:path';

export interface DebugRecordingOptions {
  objectPath: string;
  objectBytes: Uint8Array;
  prog?: string;
  /** The CPU (`--arch`; default x86_64). */
  arch?: 'x86_64' | 'riscv64';
  profile?: string;
  mapUpdates?: { map: string; key: number; prog: string }[];
  /** `--load`, `--attach`, `--pin` ... in command-line order. */
  setup?: SetupStep[];
  input: RunInput;
  /** `--record` (true: default file name) or `--record FILE`; undefined: not recording yet. */
  record?: string | true;
  force?: boolean;
  /** Interactive front ends yield between run chunks (Ctrl-C). */
  interactive?: boolean;
}

export interface DebugRecording {
  /** The SessionPort to drive (TUI or batch): execute(text) like a Session. */
  port: TimeTravelSession;
  recorder: Recorder;
  /** Where finish() will save (null when not recording from launch). */
  file: string | null;
  /** Saves the recording if one is active or stopped; returns a line for the user. */
  finish(): Result<string | null>;
  /** Lines for the user before the session starts (interrupted recordings recovered). */
  notes: string[];
}

export async function openDebugRecording(o: DebugRecordingOptions): Promise<Result<DebugRecording>> {
  const file = o.record === undefined ? null : o.record === true ? defaultRecordingPath(o.objectPath) : o.record;
  // Refuse before the session starts, not after an hour of debugging.
  const notes: string[] = [];
  if (file !== null) {
    // Sessions recorded here before and killed (kill -9: no save) left journals: save them.
    notes.push(...recoverJournals(dirname(file)));
    const target = checkRecordingTarget(file, o.force ?? false);
    if (!target.ok) return target;
  }
  const r = await openRecordingSession({
    objectPath: o.objectPath,
    objectBytes: o.objectBytes,
    options: recordingOptions({ prog: o.prog, arch: o.arch, profile: o.profile, mapUpdates: o.mapUpdates, setup: o.setup }),
    input: o.input,
    active: file !== null,
    file,
    yieldBetweenChunks: o.interactive ?? false,
  });
  if (!r.ok) return r;
  const recorder = r.value;
  if (file !== null) {
    const j = Journal.open(file, recorder.parts());
    if (!j.ok) {
      recorder.tts.session.dispose();
      return j;
    }
    recorder.journal = j.value;
  }
  return ok({
    port: recorder.tts,
    recorder,
    file,
    notes,
    finish() {
      if (file === null) return ok(null);
      const saved = recorder.save(file, o.force ?? false);
      recorder.journal?.close(saved.ok);
      if (!saved.ok) return saved;
      return ok(`recorded ${recorder.savedCount()} commands, ${recorder.tts.count} instructions to ${file}`);
    },
  });
}
