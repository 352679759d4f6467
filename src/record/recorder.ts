// Recording a debugger session. The log always runs from launch (a replay needs every
// input from the start: record inputs, not states); `record start` / `--record` make the
// session a recording, `record stop` ends what will be saved, `record save FILE` writes it.
import { basename } from 'node:path';
import { type Result, ok } from '../common/diag.ts';
import { loadObject } from '../object/index.ts';
import { Session } from '../debugger/session.ts';
import type { RunInput } from '../debugger/target/debugTarget.ts';
import { FORMAT_VERSION, engineIdOf, type Recording, type RecordedCheckpoint, type RecordedEvent, type RecordingOptions } from './format.ts';
import type { Journal } from './journal.ts';
import { assembleRecording, type RecordingParts } from './recordingParts.ts';
import { launchTraced } from './launch.ts';
import { CHECKPOINT_INTERVAL } from './tracingMachine.ts';
import { RecordingNondet } from './recordingNondet.ts';
import { notActive } from './errors.ts';
import { saveRecording, sha256Hex } from './writer.ts';
import { TimeTravelSession } from './timeTravel.ts';
import { sessionStateRoots } from './sessionAccess.ts';
import { RecordingObjectSource } from './objectFiles.ts';

const hex = (b: Uint8Array | undefined): string | null => (b === undefined ? null : Buffer.from(b).toString('hex'));

export interface RecorderOptions {
  objectPath: string;
  objectBytes: Uint8Array;
  options: RecordingOptions;
  input: RunInput;
  /** Recording from launch (`--record`). */
  active?: boolean;
  /** Where the recording is saved when the debugger ends (`--record [FILE]`); shown in the View. */
  file?: string | null;
  /** Periodic checkpoint spacing (instructions); default CHECKPOINT_INTERVAL. */
  interval?: number;
  yieldBetweenChunks?: boolean;
}

export class Recorder {
  active: boolean;
  /** Commands logged up to here are saved (set by `record stop`). */
  private stoppedAt: number | null = null;
  private readonly commands: Extract<RecordedEvent, { t: 'cmd' }>[] = [];
  readonly checkpoints: RecordedCheckpoint[] = [];
  tts!: TimeTravelSession;
  private readonly createdAt = new Date().toISOString();
  /** The object's digest, once (parts() runs after every command when journalling). */
  private readonly objectSha: string;

  constructor(
    private readonly o: RecorderOptions,
    private readonly nondet: RecordingNondet,
    private readonly files: RecordingObjectSource = new RecordingObjectSource(),
  ) {
    this.active = o.active ?? false;
    this.objectSha = sha256Hex(o.objectBytes);
  }

  /** Lines of `record ...` commands (the TimeTravelSession hook). */
  command(cmd: {
    action: 'start' | 'stop' | 'save';
    file: string | null;
    force: boolean;
  }): { ok: true; message: string } | { ok: false; error: ReturnType<typeof notActive> } {
    switch (cmd.action) {
      case 'start':
        if (this.active) return { ok: false, error: notActive('record start: already recording') };
        this.active = true;
        this.stoppedAt = null;
        return { ok: true, message: `Recording from launch (${this.commands.length} commands so far are part of it).` };
      case 'stop':
        if (!this.active) return { ok: false, error: notActive('record stop: not recording') };
        this.active = false;
        this.stoppedAt = this.commands.length;
        return { ok: true, message: `Recording stopped after ${this.stoppedAt} commands; "record save FILE" writes it.` };
      case 'save': {
        if (!this.active && this.stoppedAt === null) return { ok: false, error: notActive('record save: nothing recorded (use "record start" or --record)') };
        const r = this.save(cmd.file!, cmd.force);
        if (!r.ok) return { ok: false, error: r.error };
        return { ok: true, message: `Saved ${this.savedCount()} commands, ${this.tts.count} instructions to ${cmd.file}` };
      }
    }
  }

  /** How many of the logged commands a save keeps (all, or those before `record stop`). */
  savedCount(): number {
    return this.stoppedAt ?? this.commands.length;
  }

  /** The recording as it stands (commands up to `record stop`, if one was given). */
  toRecording(): Recording {
    return assembleRecording(this.parts());
  }

  /** What a recording is made of, as it stands (journal.ts writes these as they grow). */
  parts(): RecordingParts {
    const saved = this.savedCount();
    return {
      meta: {
        format: 'bpfrec',
        version: FORMAT_VERSION,
        engine: engineIdOf(this.o.options.arch),
        createdAt: this.createdAt,
        object: {
          name: this.o.objectBytes.length ? basename(this.o.objectPath) : '',
          path: this.o.objectPath,
          size: this.o.objectBytes.length,
          sha256: this.objectSha,
        },
        objects: this.files.reads,
        options: this.o.options,
        checkpointInterval: this.o.interval ?? CHECKPOINT_INTERVAL,
      },
      object: this.o.objectBytes,
      objectFiles: this.files.files,
      input: { data: hex(this.o.input.data), ctx: hex(this.o.input.ctx) },
      commands: this.commands,
      nondet: this.nondet.log.events,
      checkpoints: this.checkpoints,
      saved,
      // Checkpoints reported before the last saved command finished (the replay stops there).
      keepCheckpoints: this.checkpointsUntil.get(saved) ?? this.checkpoints.length,
    };
  }

  /** Checkpoints reported by the time command k (1-based count) finished. */
  private readonly checkpointsUntil = new Map<number, number>();

  onCommand(e: Extract<RecordedEvent, { t: 'cmd' }>): void {
    this.commands.push(e);
    this.checkpointsUntil.set(this.commands.length, this.checkpoints.length);
    this.journal?.append(this.parts());
  }

  /** Keeps the session on disk as it goes (`--record FILE`): survives kill -9 (journal.ts). */
  journal: Journal | undefined;

  save(path: string, force: boolean): Result<void> {
    return saveRecording(path, this.toRecording(), force);
  }
}

/** Default file for `--record` without a name: sessions/<object>-<UTC time>.bpfrec. */
export function defaultRecordingPath(objectPath: string, now = new Date()): string {
  const stem = basename(objectPath).replace(/\.o$/, '');
  const t = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `sessions/${stem}-${t}.bpfrec`;
}

/** Launches OBJ for debugging with recording and reverse execution. */
export async function openRecordingSession(o: RecorderOptions): Promise<Result<Recorder>> {
  const obj = loadObject(o.objectBytes, o.objectPath);
  if (!obj.ok) return obj;
  let rec: Recorder | undefined;
  let nondet: RecordingNondet | undefined;
  const files = new RecordingObjectSource();
  const traced = await launchTraced(
    obj.value,
    o.options,
    (at) => (nondet = new RecordingNondet(at)),
    {
      interval: o.interval ?? CHECKPOINT_INTERVAL,
      onCheckpoint: (c) => rec?.checkpoints.push({ n: rec.checkpoints.length, at: c.at, cause: c.cause, hash: c.hash }),
    },
    files,
  );
  if (!traced.ok) return traced;
  rec = new Recorder(o, nondet!, files);
  // The launch checkpoint was taken inside launchTraced, before `rec` existed.
  const launch = traced.value.tracer.checkpoints.all()[0]!;
  rec.checkpoints.push({ n: 0, at: launch.at, cause: launch.cause, hash: launch.hash });
  const session = new Session(traced.value.target, { input: o.input, objectPath: o.objectPath, yieldBetweenChunks: o.yieldBetweenChunks ?? false });
  traced.value.setRoots(() => sessionStateRoots(session));
  const r = rec;
  r.tts = new TimeTravelSession(session, traced.value.tracer, traced.value.target, {
    record: (cmd) => r.command(cmd),
    onCommand: (e) => r.onCommand(e),
    history: () => ({ mode: r.active ? 'recording' : 'traced', file: o.file ?? null }),
  });
  return ok(r);
}
