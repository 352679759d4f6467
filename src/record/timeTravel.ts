// A Session on a TracingMachine, driven through the same one entry point, execute(text):
// reverse-* commands are answered here (reverse.ts + TracingMachine.goto), record
// start/stop/save here (recorder.ts), everything else by the Session. Every command is
// logged with the instruction count it ran at and the state hash after it; checkpoints
// report their hashes. The recorder saves that log; the replayer compares against it.
import { type Diag, formatDiag } from '../common/diag.ts';
import type { CommandResult } from '../debugger/command.ts';
import { parseCommand } from '../debugger/commands/parseCommand.ts';
import type { Command } from '../debugger/commands/types.ts';
import { describeHere } from '../debugger/describe.ts';
import { evalExpr } from '../debugger/expr/evalExpr.ts';
import { watchHit } from '../debugger/watchCommand.ts';
import type { Session } from '../debugger/session.ts';
import type { HistoryView, View } from '../debugger/view.ts';
import type { RecordedEvent } from './format.ts';
import { reverse, type ReverseWhat } from './reverse.ts';
import type { TracingMachine } from './tracingMachine.ts';
import type { DebugTarget } from '../debugger/target/debugTarget.ts';
import { unsupported } from './errors.ts';
import { timeTravelClock } from './sessionAccess.ts';

type CmdEvent = Extract<RecordedEvent, { t: 'cmd' }>;

/** Commands that only look: they never change the debuggee. */
const LOOKS = new Set<Command['kind']>([
  'info',
  'backtrace',
  'frame',
  'up',
  'down',
  'examine',
  'print',
  'disassemble',
  'list',
  'help',
  'mapDump',
  'break',
  'delete',
  'enable',
  'condition',
  'catch',
  'interrupt',
  'quit',
  // Scripting: their own effects only look; what a sourced file or breakpoint commands
  // run goes through execute() one command at a time, each classified by itself.
  'source',
  'commands',
  'ignore',
  'saveBreakpoints',
  'echo',
  'printf',
  'tui',
]);
/** Commands that change the debuggee's state without executing it (they branch the history). */
const CHANGES = new Set<Command['kind']>(['set', 'mapUpdate', 'mapDelete', 'timer', 'setup']);
/** Commands that execute instructions (the instruction count tells what they did). */
const RUNS = new Set<Command['kind']>(['continue', 'step', 'next', 'stepi', 'nexti', 'finish', 'until', 'jump']);

export interface TimeTravelHooks {
  /** Handles `record ...` (recorder.ts); null = not available in this mode. */
  record?: (cmd: Extract<Command, { kind: 'record' }>) => { ok: true; message: string } | { ok: false; error: Diag };
  /** After each command: its log entry (the recorder stores it, the replayer checks it). */
  onCommand?: (e: CmdEvent) => void;
  /** What View.history calls this session now, and its file (default: traced, none). */
  history?: () => Pick<HistoryView, 'mode' | 'file'>;
}

/** Structurally a tui SessionPort (view, execute, subscribe, interrupt, completions). */
export class TimeTravelSession {
  /** Counts at which a poke transition happened (reverse-continue stops there). */
  readonly pokeCounts: number[] = [];
  private commandNo = 0;

  constructor(
    readonly session: Session,
    readonly tracer: TracingMachine,
    readonly target: DebugTarget,
    private readonly hooks: TimeTravelHooks = {},
  ) {
    session.historySource = () => ({ mode: 'traced', file: null, ...hooks.history?.(), count: tracer.count, horizon: tracer.horizon });
    timeTravelClock(session, () => tracer.count);
    // Scripts (source, breakpoint commands) run their lines through here, as typed.
    session.executor = this;
    session.rebuildView(); // the launch View, now with its history
    target.pokes?.onEvent(() => {
      if (this.pokeCounts.at(-1) !== tracer.count) this.pokeCounts.push(tracer.count);
    });
  }

  view(): View {
    return this.session.view();
  }

  subscribe(fn: () => void): () => void {
    return this.session.subscribe(fn);
  }

  interrupt(): void {
    this.session.interrupt();
  }

  completions(prefix: string): string[] {
    return this.session.completions(prefix);
  }

  setConfirm(ask: ((question: string) => Promise<boolean>) | null): void {
    this.session.confirm = ask;
  }

  /** Instruction count now (machine instructions executed since launch, this timeline). */
  get count(): number {
    return this.tracer.count;
  }

  async execute(text: string): Promise<CommandResult> {
    const at = this.tracer.count;
    // A line of a `commands` block is kept by the session, not run: nothing to classify.
    if (this.session.script.block) return this.logged(text, at, await this.session.execute(text));
    const parsed = parseCommand(text);
    let r: CommandResult;
    let kind: Command['kind'] | null = null;
    if (parsed.ok && parsed.value.kind === 'reverse') {
      kind = 'reverse';
      r = this.local(text, () => this.reverse(parsed.value as Extract<Command, { kind: 'reverse' }>));
    } else if (parsed.ok && parsed.value.kind === 'record') {
      const cmd = parsed.value;
      const rec = this.hooks.record;
      // `record` commands change nothing in the debuggee and are not logged.
      return this.local(text, () => {
        if (!rec) return unsupported('record: not available while replaying (the replay is the recording)');
        const out = rec(cmd);
        if (!out.ok) return out.error;
        this.session.print(out.message);
        return null;
      });
    } else {
      if (parsed.ok) kind = parsed.value.kind;
      const changes = parsed.ok && (CHANGES.has(parsed.value.kind) || parsed.value.kind === 'jump');
      const keep = changes ? await this.mayDiscardFuture(text) : null;
      if (keep) return this.local(text, () => keep);
      // `jump` sets the PC, then runs: the run must start from a new branch of history.
      if (parsed.ok && parsed.value.kind === 'jump') this.tracer.noteExternalChange();
      r = await this.session.execute(text);
    }
    let hash: string | undefined;
    if (kind !== null && !LOOKS.has(kind)) {
      // Map updates, kill, run, timers: state changed outside execution (pokes included).
      if (!RUNS.has(kind) && kind !== 'reverse') this.tracer.noteExternalChange();
      hash = this.tracer.settle();
    }
    return this.logged(text, at, r, hash);
  }

  /**
   * The command's log entry (recorder / replayer). Commands a script runs are part of the
   * command that ran the script (its replay runs them again), so they get none.
   */
  private logged(text: string, at: number, r: CommandResult, hash?: string): CommandResult {
    if (this.session.script.nested > 0) return r;
    const e: CmdEvent = { t: 'cmd', n: this.commandNo++, at, text, ok: r.ok, after: this.tracer.count, hash: hash ?? this.tracer.stateHash() };
    this.hooks.onCommand?.(e);
    return r;
  }

  /**
   * Replaying a recording: its commands ran when they were recorded, discarding nothing
   * that the recording still holds. The replayer sets this while it replays them.
   */
  replaying = false;

  /**
   * A change of state (map update, set, timer, load...) at an earlier point than the end
   * of the history discards the recorded future, as gdb's `record full` does: the UI asks
   * ("Do you want to discard the recorded future? (y or n)"), batch mode refuses. Returns
   * the refusal, or null to go ahead.
   */
  private async mayDiscardFuture(text: string): Promise<Diag | null> {
    const t = this.tracer;
    if (this.replaying || t.count >= t.horizon) return null;
    const ask = this.session.confirm;
    const what = `${text.split(/\s+/)[0]} at instruction ${t.count} of ${t.horizon}`;
    if (!ask)
      return unsupported(
        `${what}: changing state here would discard the recorded future (instructions ${t.count + 1}..${t.horizon}); go forward to the end (continue) first, or use the UI, which asks`,
      );
    if (await ask('Do you want to discard the recorded future? (y or n)')) return null;
    return unsupported(`${what}: not confirmed, the recorded future is kept`);
  }

  /** A command answered here, with the Session's output log and View like any other. */
  private local(text: string, fn: () => Diag | null): CommandResult {
    const s = this.session;
    s.out.collect();
    s.out.append('command', text);
    let error: Diag | null;
    try {
      error = fn();
    } catch (e) {
      const d = (e as { diag?: Diag }).diag;
      error = d ?? { code: 'record.internal', message: `internal error: ${(e as Error).message}`, place: {} };
    }
    // Inside a script the error is the script's to report (once, with its file and line).
    if (error && s.script.nested === 0) s.out.append('error', formatDiag(error));
    const view = s.publish();
    return { command: text, ok: error === null, output: s.out.collected(), error, view, quit: false };
  }

  private reverse(cmd: Extract<Command, { kind: 'reverse' }>): Diag | null {
    const s = this.session;
    if (s.runState === 'not-started') return unsupported(`reverse-${cmd.what}: the program is not running`);
    const env = s.exprEnv();
    const out = reverse(cmd.what as ReverseWhat, cmd.count, {
      tracer: this.tracer,
      target: this.target,
      pokeCounts: this.pokeCounts,
      catchTailcall: s.rc.catchTailcall,
      breakpoints: () =>
        s.bps
          .all()
          .filter((b) => b.enabled)
          .map((b) => ({
            id: b.id,
            addr: b.addr,
            holds: () => {
              if (!b.cond) return true;
              const v = evalExpr(b.cond, env);
              return !v.ok || v.value !== 0n;
            },
          })),
      watches: () =>
        s.bps
          .watches()
          .filter((w) => w.enabled && w.access !== 'read')
          .map((w) => ({ id: w.id, addr: w.addr, size: w.size })),
    });
    if (out.kind === 'refused') return unsupported(`reverse-${cmd.what}: ${out.message}`);
    // Re-execution from a checkpoint passed tail-call sites quietly: the log goes back by count.
    s.rc.tracker.rewind(this.tracer.count);
    // The debuggee is now at an earlier point of a run: the CPU is inside BPF code.
    s.setRunState('stopped');
    s.selectFrame(0);
    s.invalidateFrames();
    if (out.kind === 'start') {
      s.setStop({ kind: 'entry' });
      s.print(`No more reverse-execution history: at the start of the recording (instruction 0).`);
    } else if (out.reason === 'watchpoint' && out.watch && out.bp !== undefined) {
      // Going backwards the write is undone: gdb's Old value is the later one.
      const w = s.bps.watches().find((x) => x.id === out.bp)!;
      const hit = watchHit(s, w, 'write', out.watch.after, out.watch.before);
      w.last = out.watch.before;
      w.hits++;
      s.setStop({ kind: 'watchpoint', id: w.id, access: 'write', expr: w.text, old: hit.old, value: hit.value });
      s.print(hit.text);
      s.print(`Reverse to the write, instruction ${out.to}`);
    } else if (out.reason === 'breakpoint' && out.bp !== undefined) {
      const b = s.bps.get(out.bp);
      s.setStop({ kind: 'breakpoint', id: out.bp, hits: b?.hits ?? 0 });
      s.print(`Breakpoint ${out.bp} (reverse), instruction ${out.to}`);
    } else {
      s.setStop({ kind: 'step', unit: cmd.what === 'finish' ? 'finish' : cmd.what === 'next' ? 'next' : cmd.what === 'step' ? 'step' : 'stepi' });
      const why =
        out.reason === 'tail-call' ? 'tail-call site' : out.reason === 'poke' ? 'poke transition' : out.reason === 'finish' ? 'call into this function' : null;
      s.print(`${why ? `Reverse to the previous ${why}, ` : ''}instruction ${out.to}`);
    }
    if (this.target.machine.pc !== 0n) s.print(describeHere(s));
    s.showDisplays();
    return null;
  }
}
