// Replaying a recording: the object from the file's own bytes, the recorded options and
// input, nondeterministic values fed back by draw number, then every recorded command
// through the same TimeTravelSession. After each command the instruction count and state
// hash must equal the recorded ones, and every checkpoint's hash its recorded twin; the
// first difference is a divergence naming the command / checkpoint and the count.
// When the replay is through, the session stays open at the recording's end: every
// command works there, reverse ones included. With a stop point (`--stop-at`), the replay
// pauses there instead — before command #N, or where the instruction count first reaches
// COUNT — and the session is handed over at that point: the later recorded
// nondeterministic values stay queued, so stepping forwards reproduces the recording.
import { type Diag, type Result, err, ok } from '../common/diag.ts';
import { loadObject } from '../object/index.ts';
import { Session } from '../debugger/session.ts';
import type { RunInput } from '../debugger/target/debugTarget.ts';
import { commandsOf, engineIdOf, type Recording } from './format.ts';
import { launchTraced } from './launch.ts';
import { ReplayNondet } from './replayNondet.ts';
import { diverged, engineChanged } from './errors.ts';
import { TimeTravelSession } from './timeTravel.ts';
import { sessionStateRoots } from './sessionAccess.ts';
import type { NondetEvent } from './nondetLog.ts';
import { ReplayObjectSource } from './objectFiles.ts';

const bytes = (h: string | null): Uint8Array | undefined => (h === null ? undefined : Uint8Array.from(Buffer.from(h, 'hex')));

/** Where a replay pauses: before recorded command #N (0-based, as the file numbers them), or at an instruction count. */
export type StopAt = { command: number } | { instruction: number };

/** `N` or `insn:COUNT` (the `--stop-at` syntax), or null when malformed. */
export function parseStopAt(text: string): StopAt | null {
  const m = /^(?:(insn):)?(\d+)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[2]);
  if (!Number.isSafeInteger(n)) return null;
  return m[1] ? { instruction: n } : { command: n };
}

export interface ReplayReport {
  /** Recorded commands re-executed (and verified). */
  commands: number;
  /** The recording's number of commands (more than `commands` when paused early). */
  recordedCommands: number;
  /** Set when the replay paused at a stop point: the next recorded command's number, and the count. */
  stoppedAt: { command: number; instruction: number } | null;
  checkpointsVerified: number;
  instructions: number;
  finalHash: string;
}

export class Replay {
  tts!: TimeTravelSession;
  private checked = 0;
  private divergence: Diag | null = null;
  /** Paused at a stop point: later checkpoints are the user's exploration, not checked. */
  private exploring = false;
  /** The state hash TimeTravelSession logged for the command just replayed (it hashed the state already). */
  private loggedHash: string | undefined;

  constructor(
    readonly rec: Recording,
    readonly file: string,
  ) {}

  private fail(where: string, want: string, got: string): Diag {
    const running = engineIdOf(this.rec.meta.options.arch);
    return this.rec.meta.engine === running ? diverged(this.file, where, want, got) : engineChanged(this.file, where, this.rec.meta.engine, running);
  }

  /** The TimeTravelSession's log entry of a command (onCommand hook). */
  onLogged(hash: string): void {
    this.loggedHash = hash;
  }

  /** Called for each checkpoint the replay reports, in order. */
  onCheckpoint(at: number, hash: string): void {
    if (this.divergence || this.exploring) return;
    const want = this.rec.checkpoints[this.checked];
    if (!want) return; // past the recording's end: exploring
    if (want.at !== at || want.hash !== hash) {
      this.divergence = this.fail(`checkpoint #${want.n} (${want.cause}, instruction ${want.at}; replay is at instruction ${at})`, want.hash, hash);
      return;
    }
    this.checked++;
  }

  /**
   * Re-executes every recorded command, checking as it goes; with `stopAt`, only up to
   * that point (the commands run before it are checked all the same).
   */
  async run(opts: { stopAt?: StopAt } = {}): Promise<Result<ReplayReport>> {
    const cmds = commandsOf(this.rec);
    const stopAt = opts.stopAt;
    const usage = (m: string): Result<never> => err('cli.bad-stop-at', m, { file: this.file });
    if (stopAt && 'command' in stopAt && stopAt.command > cmds.length)
      return usage(`--stop-at ${stopAt.command}: the recording has ${cmds.length} commands (stop points 0 to ${cmds.length})`);
    const paused = (next: number): Result<ReplayReport> => {
      this.exploring = true;
      const at = this.tts.count;
      return ok({
        commands: next,
        recordedCommands: cmds.length,
        stoppedAt: { command: next, instruction: at },
        checkpointsVerified: this.checked,
        instructions: at,
        finalHash: this.tts.tracer.stateHash(),
      });
    };
    for (const [k, c] of cmds.entries()) {
      if (stopAt && ('command' in stopAt ? stopAt.command === k : this.tts.count === stopAt.instruction)) return paused(k);
      let r;
      this.loggedHash = undefined;
      try {
        this.tts.replaying = true;
        r = await this.tts.execute(c.text);
      } catch (e) {
        const d = (e as { diag?: Diag }).diag;
        if (d) return err(d.code, d.message, d.place);
        throw e;
      } finally {
        this.tts.replaying = false;
      }
      // A command that itself found the divergence (an object read) names it better than the hash it left.
      if (r.error && r.error.code === 'record.diverged') this.divergence = r.error;
      if (this.divergence) return err(this.divergence.code, `${this.divergence.message} (during command #${c.n} '${c.text}')`, this.divergence.place);
      const at = this.tts.count;
      const hash = this.loggedHash ?? this.tts.tracer.stateHash();
      if (r.ok !== c.ok || at !== c.after || hash !== c.hash) {
        const d = this.fail(
          `command #${c.n} '${c.text}' (recorded: ${c.ok ? 'ok' : 'failed'} at instruction ${c.after}; replay: ${r.ok ? 'ok' : 'failed'} at ${at})`,
          c.hash,
          hash,
        );
        return err(d.code, d.message, d.place);
      }
      if (stopAt && 'instruction' in stopAt && c.at <= stopAt.instruction && stopAt.instruction < c.after) {
        // The command ran through the stop point: back to it along the verified history.
        const back = await this.tts.execute(`reverse-stepi ${c.after - stopAt.instruction}`);
        if (!back.ok || this.tts.count !== stopAt.instruction)
          return usage(
            `--stop-at insn:${stopAt.instruction}: cannot go back there from command #${c.n} '${c.text}': ${back.error?.message ?? `stopped at instruction ${this.tts.count}`}`,
          );
        return paused(k + 1);
      }
    }
    if (stopAt && 'instruction' in stopAt && this.tts.count !== stopAt.instruction)
      return usage(`--stop-at insn:${stopAt.instruction}: the replay never reaches that instruction count (it ends at ${this.tts.count})`);
    if (this.checked < this.rec.checkpoints.length) {
      const want = this.rec.checkpoints[this.checked]!;
      const d = this.fail(`checkpoint #${want.n} (instruction ${want.at}): the replay ended before reaching it`, want.hash, '(none)');
      return err(d.code, d.message, d.place);
    }
    const finalHash = this.tts.tracer.stateHash();
    if (this.rec.final.hash && finalHash !== this.rec.final.hash) {
      const d = this.fail(`the end (instruction ${this.rec.final.at})`, this.rec.final.hash, finalHash);
      return err(d.code, d.message, d.place);
    }
    if (stopAt) return paused(cmds.length);
    return ok({
      commands: cmds.length,
      recordedCommands: cmds.length,
      stoppedAt: null,
      checkpointsVerified: this.checked,
      instructions: this.tts.count,
      finalHash,
    });
  }
}

/** Opens a replay session at the recording's launch state (call run() to replay it). */
export async function openReplay(rec: Recording, file: string, opts: { yieldBetweenChunks?: boolean } = {}): Promise<Result<Replay>> {
  const obj = loadObject(rec.object, rec.meta.object.path);
  if (!obj.ok) return err(obj.error.code, obj.error.message, { ...obj.error.place, file });
  const replay = new Replay(rec, file);
  const draws = rec.events.filter((e): e is NondetEvent => e.t === 'nondet');
  let tracerCount = (): number => 0;
  const traced = await launchTraced(
    obj.value,
    rec.meta.options,
    () => new ReplayNondet(draws, file, () => tracerCount()),
    {
      interval: rec.meta.checkpointInterval,
      onCheckpoint: (c) => replay.onCheckpoint(c.at, c.hash),
    },
    new ReplayObjectSource(rec.meta.objects, rec.objectFiles, file),
  );
  if (!traced.ok) return err(traced.error.code, traced.error.message, { ...traced.error.place, file });
  const { tracer, target } = traced.value;
  tracerCount = () => tracer.count;
  const input: RunInput = {};
  const data = bytes(rec.input.data);
  const ctx = bytes(rec.input.ctx);
  if (data) input.data = data;
  if (ctx) input.ctx = ctx;
  const session = new Session(target, { input, objectPath: rec.meta.object.path, yieldBetweenChunks: opts.yieldBetweenChunks ?? false });
  traced.value.setRoots(() => sessionStateRoots(session));
  replay.tts = new TimeTravelSession(session, tracer, target, {
    history: () => ({ mode: 'replay', file }),
    onCommand: (e) => replay.onLogged(e.hash),
  });
  return ok(replay);
}
