// The commands the keys send, one at a time. Keys that arrive while a command runs (a
// held key, a burst of `i`) are typed ahead, as gdb's readline keeps them: they run in
// order once it finishes. Ctrl-C and a failed command drop them. No React here: the hook
// (useCommandQueue.ts) shows `busy` and turns the events into notices.

/** Commands typed ahead at most; the bound only stops a runaway. */
export const TYPE_AHEAD = 1000;

export interface CommandQueueIo {
  /** Runs one command line; settles when it has finished. */
  execute(cmd: string): Promise<unknown>;
  /** The command running now, or null when none is. */
  busy(cmd: string | null): void;
  /** `cmd` failed (its promise rejected); the typed-ahead commands are dropped. */
  failed(cmd: string, message: string): void;
  /** A command arrived with TYPE_AHEAD already waiting behind `running`; it is dropped. */
  full(running: string): void;
}

export class CommandQueue {
  private running: string | null = null;
  private ahead: string[] = [];

  constructor(
    private readonly io: CommandQueueIo,
    private readonly limit = TYPE_AHEAD,
  ) {}

  /** The command running now, or null. */
  get busy(): string | null {
    return this.running;
  }

  /** Commands typed ahead, in the order they will run. */
  get waiting(): readonly string[] {
    return this.ahead;
  }

  /** Runs `cmd` now, or after the ones before it. */
  submit(cmd: string): void {
    if (!this.running) return this.run(cmd);
    if (this.ahead.length < this.limit) this.ahead.push(cmd);
    else this.io.full(this.running);
  }

  /** Ctrl-C: drops the typed-ahead commands; returns the one still running (the engine stops it). */
  drop(): string | null {
    this.ahead = [];
    return this.running;
  }

  private run(cmd: string): void {
    this.running = cmd;
    this.io.busy(cmd);
    const done = (): void => {
      this.running = null;
      this.io.busy(null);
      const next = this.ahead.shift();
      if (next !== undefined) this.run(next);
    };
    this.io.execute(cmd).then(done, (e: unknown) => {
      this.io.failed(cmd, e instanceof Error ? e.message : String(e));
      this.ahead = [];
      done();
    });
  }
}
