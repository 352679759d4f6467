// The Debug Adapter Protocol front end (`bpfdbg dap`): every request becomes engine
// command strings (break, stepi, reverse-stepi, map update ...) or a read of the View,
// exactly as the TUI and batch mode drive the engine, so a VS Code session is recorded,
// replayable and reversible like any other. Requests run one at a time in arrival order
// (the engine executes one command at a time); `pause` alone jumps the queue (Ctrl-C).
import { basename } from 'node:path';
import {
  Breakpoint,
  ExitedEvent,
  Handles,
  InitializedEvent,
  InvalidatedEvent,
  LoggingDebugSession,
  OutputEvent,
  Scope,
  StackFrame,
  Source,
  StoppedEvent,
  TerminatedEvent,
  Thread,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { type CommandResult, memoryWriteCommands, parseCommand, readMapped, type View } from '../debugger/index.ts';
import type { AttachConfig, LaunchConfig, OpenedSession, Opener } from './config.ts';
import { disassemble } from './disassembly.ts';
import { dapFrames, type DapFrame } from './stack.ts';
import { SCOPES, variablesOf, type ScopeRef } from './variables.ts';

const THREAD = 1;
/** Commands that move the debuggee: after them the client hears where it stopped. */
const MOVES = new Set(['run', 'start', 'continue', 'step', 'next', 'stepi', 'nexti', 'finish', 'until', 'reverse', 'kill']);
/** Line stepping gives up after this many BPF instructions without reaching another line. */
const LINE_STEP_LIMIT = 100_000;

type Granularity = DebugProtocol.SteppingGranularity | undefined;

export class BpfdbgDebugSession extends LoggingDebugSession {
  private s: OpenedSession | null = null;
  private queue: Promise<void> = Promise.resolve();
  private pending: (() => void)[] = [];
  private handles = new Handles<ScopeRef>();
  private frames: { seq: number; list: DapFrame[] } | null = null;
  /** DAP source path -> engine breakpoint ids set for it. */
  private sourceBps = new Map<string, number[]>();
  private functionBps: number[] = [];
  private instructionBps: number[] = [];
  private stopOnEntry = false;
  private ended = false;

  constructor(private readonly opener: Opener) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  // ---------------------------------------------------------------- plumbing

  /** Runs `fn` after every earlier request; its failure becomes the error response. */
  private serial(response: DebugProtocol.Response, fn: () => Promise<void> | void): void {
    this.queue = this.queue.then(async () => {
      this.pending = [];
      try {
        await fn();
        this.sendResponse(response);
      } catch (e) {
        const msg = (e as { diag?: { message: string } }).diag?.message ?? (e as Error).message;
        this.sendErrorResponse(response, { id: 1, format: msg.replace(/[{}]/g, ''), showUser: true });
      }
      for (const f of this.pending.splice(0)) f();
    });
  }

  private get port(): OpenedSession['port'] {
    if (!this.s) throw new Error('no session: launch or attach first');
    return this.s.port;
  }

  private view(): View {
    return this.port.view();
  }

  /** One engine command; its output goes to the debug console unless `quiet`. */
  private async exec(cmd: string, quiet = false): Promise<CommandResult> {
    const r = await this.port.execute(cmd);
    if (!quiet) this.echo(r);
    return r;
  }

  private echo(r: CommandResult): void {
    for (const l of r.output) {
      if (l.kind === 'command') continue;
      this.sendEvent(new OutputEvent(`${l.text}\n`, l.kind === 'error' ? 'stderr' : 'console'));
    }
  }

  /** Tells the client where the debuggee is after a command moved it. */
  private announce(v: View, fallback: 'step' | 'pause' = 'step'): void {
    this.frames = null;
    this.handles.reset();
    if (v.runState === 'exited' || v.runState === 'not-started') {
      if (this.ended) return;
      this.ended = true;
      const code = v.stop?.kind === 'exit' ? Number(BigInt.asIntN(32, BigInt(v.stop.retval))) : 0;
      this.sendEvent(new ExitedEvent(code));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    const st = v.stop;
    let ev: StoppedEvent;
    switch (st?.kind) {
      case 'breakpoint': {
        const kind = this.functionBps.includes(st.id) ? 'function breakpoint' : this.instructionBps.includes(st.id) ? 'instruction breakpoint' : 'breakpoint';
        ev = new StoppedEvent(kind, THREAD);
        (ev.body as DebugProtocol.StoppedEvent['body']).hitBreakpointIds = [st.id];
        break;
      }
      case 'tail-call':
        ev = new StoppedEvent(
          'exception',
          THREAD,
          `tail call ${st.from.program}:${st.from.insn} -> ${st.to ?? `not taken (${st.outcome})`} via ${st.map}[${st.key}], tcc ${st.tcc}`,
        );
        break;
      case 'poke':
        ev = new StoppedEvent('exception', THREAD, `poke #${st.poke} (${st.program}) ${st.from}->${st.to}: ${st.cause}`);
        break;
      case 'fault':
        ev = new StoppedEvent('exception', THREAD, `fault: ${st.message}`);
        break;
      case 'interrupted':
        ev = new StoppedEvent('pause', THREAD);
        break;
      case 'entry':
        ev = new StoppedEvent('entry', THREAD);
        break;
      default:
        ev = new StoppedEvent(fallback, THREAD);
    }
    const body = ev.body as DebugProtocol.StoppedEvent['body'];
    body.allThreadsStopped = true;
    if (body.text) body.description = body.text;
    this.sendEvent(ev);
  }

  // ---------------------------------------------------------------- session

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      ...response.body,
      supportsConfigurationDoneRequest: true,
      supportsFunctionBreakpoints: true,
      supportsConditionalBreakpoints: true,
      supportsInstructionBreakpoints: true,
      supportsSteppingGranularity: true,
      supportsStepBack: true,
      supportsDisassembleRequest: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsTerminateRequest: true,
      supportsCompletionsRequest: true,
      exceptionBreakpointFilters: [
        { filter: 'tailcall', label: 'Tail calls', description: 'catch tailcall: stop at every tail call, taken or not', default: false },
        { filter: 'poke', label: 'Poke transitions', description: 'catch poke: stop when a poke descriptor changes state (A/B/C/D)', default: false },
      ],
    };
    this.sendResponse(response);
  }

  private opened(s: OpenedSession): void {
    this.s = s;
    if (s.banner) this.sendEvent(new OutputEvent(`${s.banner}\n`, 'console'));
    for (const l of s.port.view().output) if (l.kind !== 'command') this.sendEvent(new OutputEvent(`${l.text}\n`, 'console'));
    // A change typed in the debug console (or setVariable/writeMemory) after stepping back is
    // the user's explicit act: as answering gdb's `record full` question with y, the recorded
    // future is discarded, and the console says so.
    s.port.setConfirm?.(async () => {
      this.sendEvent(new OutputEvent("bpfdbg: the change discards the recorded future after this point (as gdb's record full when answered y)\n", 'console'));
      return true;
    });
    // Breakpoints can be set now: the client sends them, then configurationDone.
    this.sendEvent(new InitializedEvent());
  }

  protected override launchRequest(response: DebugProtocol.LaunchResponse, args: DebugProtocol.LaunchRequestArguments & LaunchConfig): void {
    this.serial(response, async () => {
      this.stopOnEntry = args.stopOnEntry ?? false;
      this.opened(await this.opener.launch(args));
    });
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse, args: DebugProtocol.AttachRequestArguments & AttachConfig): void {
    this.serial(response, async () => {
      this.stopOnEntry = true; // a replay stops where it ends (or at --stop-at)
      this.opened(await this.opener.attach(args));
    });
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.serial(response, async () => {
      const v = this.view();
      if (v.runState !== 'not-started') {
        this.afterResponse(() => this.announce(v, 'pause'));
        return;
      }
      const r = await this.exec(this.stopOnEntry ? 'start' : 'run');
      this.afterResponse(() => this.announce(r.view));
    });
  }

  /** Sends events right after the response of the request that caused them. */
  private afterResponse(fn: () => void): void {
    this.pending.push(fn);
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.serial(response, () => {
      this.close();
      // Over stdio the adapter process ends with the session (the base class's shutdown).
      this.afterResponse(() => this.shutdown());
    });
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.serial(response, () => {
      this.close();
      if (!this.ended) {
        this.ended = true;
        this.sendEvent(new TerminatedEvent());
      }
    });
  }

  private close(): void {
    if (!this.s) return;
    const s = this.s;
    this.s = null;
    const line = s.finish();
    if (line) this.sendEvent(new OutputEvent(`${line}\n`, 'console'));
    s.port.session.dispose();
  }

  // ---------------------------------------------------------------- breakpoints

  /** Deletes engine breakpoints, then sets each spec; one DAP Breakpoint per spec. */
  private async replaceBreakpoints(
    old: number[],
    specs: { spec: string; line?: number; cond?: string }[],
  ): Promise<{ ids: number[]; bps: DebugProtocol.Breakpoint[] }> {
    if (old.length) await this.exec(`delete ${old.join(' ')}`, true);
    const ids: number[] = [];
    const bps: DebugProtocol.Breakpoint[] = [];
    for (const s of specs) {
      const r = await this.exec(`break ${s.spec}${s.cond ? ` if ${s.cond}` : ''}`, true);
      const b = r.ok ? r.view.breakpoints.at(-1) : undefined;
      if (!b) {
        const bp: DebugProtocol.Breakpoint = new Breakpoint(false, s.line);
        bp.message = r.error?.message ?? 'not set';
        bps.push(bp);
        continue;
      }
      ids.push(b.id);
      const bp: DebugProtocol.Breakpoint = new Breakpoint(true, s.line);
      bp.id = b.id;
      bp.instructionReference = b.nativeAddr;
      bps.push(bp);
    }
    return { ids, bps };
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.serial(response, async () => {
      const key = args.source.path ?? args.source.name ?? '';
      // BTF records the path the object was compiled at: the file name is what matches.
      const file = basename(key);
      const specs = (args.breakpoints ?? []).map((b) => ({ spec: `${file}:${b.line}`, line: b.line, ...(b.condition ? { cond: b.condition } : {}) }));
      const { ids, bps } = await this.replaceBreakpoints(this.sourceBps.get(key) ?? [], specs);
      this.sourceBps.set(key, ids);
      response.body = { breakpoints: bps };
    });
  }

  protected override setFunctionBreakPointsRequest(
    response: DebugProtocol.SetFunctionBreakpointsResponse,
    args: DebugProtocol.SetFunctionBreakpointsArguments,
  ): void {
    this.serial(response, async () => {
      const { ids, bps } = await this.replaceBreakpoints(
        this.functionBps,
        args.breakpoints.map((b) => ({ spec: b.name, ...(b.condition ? { cond: b.condition } : {}) })),
      );
      this.functionBps = ids;
      response.body = { breakpoints: bps };
    });
  }

  protected override setInstructionBreakpointsRequest(
    response: DebugProtocol.SetInstructionBreakpointsResponse,
    args: DebugProtocol.SetInstructionBreakpointsArguments,
  ): void {
    this.serial(response, async () => {
      const specs = args.breakpoints.map((b) => ({
        spec: `*0x${(BigInt(b.instructionReference) + BigInt(b.offset ?? 0)).toString(16)}`,
        ...(b.condition ? { cond: b.condition } : {}),
      }));
      const { ids, bps } = await this.replaceBreakpoints(this.instructionBps, specs);
      this.instructionBps = ids;
      response.body = { breakpoints: bps };
    });
  }

  protected override setExceptionBreakPointsRequest(
    response: DebugProtocol.SetExceptionBreakpointsResponse,
    args: DebugProtocol.SetExceptionBreakpointsArguments,
  ): void {
    this.serial(response, async () => {
      const want = new Set(args.filters);
      for (const what of ['tailcall', 'poke'] as const) {
        const have = (this.view().catchpoints ?? []).filter((c) => c.what === what);
        if (want.has(what) && have.length === 0) await this.exec(`catch ${what}`, true);
        if (!want.has(what) && have.length) await this.exec(`delete ${have.map((c) => c.id).join(' ')}`, true);
      }
    });
  }

  // ---------------------------------------------------------------- running

  /** Runs a command that moves the debuggee and reports the stop. */
  private move(response: DebugProtocol.Response, run: () => Promise<CommandResult | null>): void {
    this.serial(response, async () => {
      const r = await run();
      if (r) this.afterResponse(() => this.announce(r.view));
    });
  }

  /**
   * A step of the given granularity: 'instruction' one machine instruction, 'statement'
   * one BPF instruction, 'line' (the default) BPF instructions until the C line changes.
   */
  private async stepBy(g: Granularity, machine: string, bpf: string): Promise<CommandResult> {
    if (g === 'instruction') return this.exec(machine);
    if (g === 'statement') return this.exec(bpf);
    const here = this.view();
    const key = (v: View): string | null => {
      const l = v.location;
      return l?.source ? `${l.program}/${l.func}/${v.frames.length}/${l.source.file}:${l.source.line}` : null;
    };
    const from = key(here);
    let r: CommandResult | null = null;
    for (let i = 0; i < LINE_STEP_LIMIT; i++) {
      r = await this.exec(bpf, true);
      const v = r.view;
      if (!r.ok || v.runState !== 'stopped' || v.stop?.kind !== 'step') break;
      const k = key(v);
      if (k !== null && k !== from && v.location?.atInsnStart) break;
    }
    this.echo(r!);
    return r!;
  }

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    response.body = { allThreadsContinued: true };
    this.move(response, () => this.exec('continue'));
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.move(response, () => this.stepBy(args.granularity, 'nexti', 'next'));
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.move(response, () => this.stepBy(args.granularity, 'stepi', 'step'));
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse): void {
    this.move(response, () => this.exec('finish'));
  }

  protected override stepBackRequest(response: DebugProtocol.StepBackResponse, args: DebugProtocol.StepBackArguments): void {
    this.move(response, () => this.stepBy(args.granularity, 'reverse-stepi', 'reverse-step'));
  }

  protected override reverseContinueRequest(response: DebugProtocol.ReverseContinueResponse): void {
    this.move(response, () => this.exec('reverse-continue'));
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    // Not queued: the running command yields between chunks and stops at the next one.
    this.s?.port.interrupt();
    this.sendResponse(response);
  }

  // ---------------------------------------------------------------- looking

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.serial(response, () => {
      const v = this.s ? this.view() : null;
      response.body = { threads: [new Thread(THREAD, `${v?.location?.program ?? v?.programs[0]?.name ?? 'bpf'} (CPU 0)`)] };
    });
  }

  private dapFrames(): DapFrame[] {
    const v = this.view();
    if (!this.frames || this.frames.seq !== v.seq) this.frames = { seq: v.seq, list: dapFrames(v, this.port.session, this.s!.objectPath) };
    return this.frames.list;
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.serial(response, () => {
      const all = this.dapFrames();
      const start = args.startFrame ?? 0;
      const list = all.slice(start, args.levels ? start + args.levels : undefined);
      response.body = {
        totalFrames: all.length,
        stackFrames: list.map((f, i) => {
          const sf: DebugProtocol.StackFrame = new StackFrame(
            start + i + 1,
            f.name,
            f.source ? new Source(f.source.name, f.source.path ?? undefined) : undefined,
            f.line,
            1,
          );
          if (f.addr) sf.instructionPointerReference = f.addr;
          if (f.hop) sf.presentationHint = 'subtle';
          return sf;
        }),
      };
    });
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.serial(response, async () => {
      const f = this.dapFrames()[args.frameId - 1];
      // Frame slots are those of the selected frame: select the one asked about.
      if (f && f.level !== this.view().frames.findIndex((x) => x.selected)) await this.exec(`frame ${f.level}`, true);
      response.body = {
        scopes: SCOPES.map((sc) => {
          const scope: DebugProtocol.Scope = new Scope(sc.name, this.handles.create(sc.ref), sc.expensive);
          if (sc.hint) scope.presentationHint = sc.hint;
          return scope;
        }),
      };
    });
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.serial(response, () => {
      const ref = this.handles.get(args.variablesReference);
      response.body = { variables: ref ? variablesOf(this.view(), ref, (r) => this.handles.create(r)) : [] };
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.serial(response, async () => {
      const ref = this.handles.get(args.variablesReference);
      // Registers by name: BPF ones as $rN; native ones that a BPF name would shadow go through it.
      let reg: string | null = null;
      if (ref?.kind === 'bpf') reg = args.name.toLowerCase();
      else if (ref?.kind === 'native') {
        const n = this.view().registers?.native.find((x) => x.name === args.name);
        if (n) reg = n.bpf ? n.bpf.toLowerCase() : /^r([0-9]|10)$/.test(n.name) ? null : n.name === 'rflags' ? 'eflags' : n.name;
      }
      if (reg === null) throw new Error(`${args.name}: only registers can be set here (use the debug console: set ...)`);
      const r = await this.exec(`set $${reg} = ${args.value}`, true);
      if (!r.ok) throw new Error(r.error?.message ?? 'set failed');
      const now = variablesOf(r.view, ref!, () => 0).find((x) => x.name === args.name);
      response.body = { value: now?.value ?? args.value };
      this.frames = null;
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.serial(response, async () => {
      if (args.context !== 'repl') {
        // Hovers and watches: an expression (`hops`, `$r1`, `*(u32 *)($r10 - 4)`).
        const r = await this.exec(`print ${args.expression}`, true);
        const out = r.output.find((l) => l.kind === 'out')?.text.replace(/^\$ = /, '');
        if (!r.ok || out === undefined) throw new Error(r.error?.message ?? 'no value');
        response.body = { result: out, variablesReference: 0 };
        return;
      }
      // The debug console: any debugger command, its output as the result.
      const parsed = parseCommand(args.expression);
      const r = await this.exec(args.expression, true);
      const text = r.output
        .filter((l) => l.kind !== 'command')
        .map((l) => l.text)
        .join('\n');
      response.body = { result: text, variablesReference: 0 };
      if (!r.ok) throw new Error(text || (r.error?.message ?? 'failed'));
      const kind = parsed.ok ? parsed.value.kind : null;
      if (kind !== null && MOVES.has(kind)) this.afterResponse(() => this.announce(r.view));
      else if (kind !== null && !['info', 'print', 'examine', 'backtrace', 'help', 'list', 'disassemble', 'mapDump'].includes(kind)) {
        // A map update, a set, a frame change: what the client shows is stale.
        this.frames = null;
        this.afterResponse(() => this.sendEvent(new InvalidatedEvent(['variables', 'stacks'])));
      }
    });
  }

  protected override completionsRequest(response: DebugProtocol.CompletionsResponse, args: DebugProtocol.CompletionsArguments): void {
    this.serial(response, () => {
      const prefix = args.text.slice(0, args.column - 1);
      const word = /\S*$/.exec(prefix)![0];
      response.body = { targets: this.port.completions(prefix).map((c) => ({ label: c, start: prefix.length - word.length, length: word.length })) };
    });
  }

  protected override disassembleRequest(response: DebugProtocol.DisassembleResponse, args: DebugProtocol.DisassembleArguments): void {
    this.serial(response, () => {
      const addr = BigInt(args.memoryReference) + BigInt(args.offset ?? 0);
      response.body = { instructions: disassemble(this.port.session, this.s!.objectPath, addr, args.instructionOffset ?? 0, args.instructionCount) };
    });
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    this.serial(response, () => {
      const addr = BigInt(args.memoryReference) + BigInt(args.offset ?? 0);
      const bytes = readMapped(this.port.session, addr, Math.min(args.count, 1 << 20));
      response.body = { address: `0x${addr.toString(16)}`, data: Buffer.from(bytes).toString('base64'), unreadableBytes: args.count - bytes.length };
    });
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    this.serial(response, async () => {
      const addr = BigInt(args.memoryReference) + BigInt(args.offset ?? 0);
      const bytes = new Uint8Array(Buffer.from(args.data, 'base64'));
      let written = 0;
      for (const c of memoryWriteCommands(addr, bytes)) {
        const r = await this.exec(c, true);
        if (!r.ok) {
          if (written === 0) throw new Error(r.error?.message ?? 'cannot write');
          break;
        }
        written += Number(/\(u(\d+) \*\)/.exec(c)![1]) / 8;
      }
      response.body = { bytesWritten: written };
      this.frames = null;
      this.afterResponse(() => this.sendEvent(new InvalidatedEvent(['variables'])));
    });
  }
}
