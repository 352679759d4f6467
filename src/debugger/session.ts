// The debugger engine: owns a DebugTarget (Machine + kernel model + pokes), answers
// command lines through one entry point, execute(text), and produces one immutable View
// per command. UI-free: the TUI, batch mode and a recorder all drive it the same way.
// Deterministic: everything it does follows from the object, the input, the commands
// and the kernel model's NondetSource.
import { insnIdx } from '../common/ids.ts';
import { type Diag, formatDiag } from '../common/diag.ts';
import { SENTINEL_ADDR } from '../common/layout.ts';
import type { PokeEvent } from '../kernel/pokes/pokeStateMachine.ts';
import { BreakpointTable } from './breakpoints.ts';
import { globalPlace, namedType } from './btfScope.ts';
import { DisplayList, displayLine } from './displays.ts';
import { CodeWindows, sourceWindow } from './codeWindows.ts';
import type { CommandResult } from './command.ts';
import { parseCommand } from './commands/parseCommand.ts';
import type { Command } from './commands/types.ts';
import { executeCommand } from './executeCommand.ts';
import type { ExprEnv } from './expr/evalExpr.ts';
import { buildCallChain, buildFrames, sourceRef } from './frames.ts';
import { buildMaps } from './mapsView.ts';
import { buildLinks, buildObjects, buildPins } from './linksView.ts';
import { completionsFor } from './completions.ts';
import { OutputLog } from './outputLog.ts';
import { buildPokes, pokeKey, symbolize } from './pokesView.ts';
import { RunControl } from './runControl.ts';
import { collectBlockLine, flushText, runBreakpointCommands } from './scriptRunner.ts';
import { ScriptState } from './scriptState.ts';
import type { CommandContext } from './commandContext.ts';
import type { CommandExecutor } from './batch.ts';
import type { DebugTarget, RunInput } from './target/debugTarget.ts';
import type { SessionObject } from './target/objects.ts';
import type { RawFrame } from './unwind.ts';
import { archFor } from './arch/archFor.ts';
import type { DebugArch } from './arch/debugArch.ts';
import {
  hex64,
  VIEW_VERSION,
  type FrameSlots,
  type OutputLine,
  type PokeTransition,
  type ProgramSummary,
  type RunState,
  type DebugStop,
  type View,
  type HistoryView,
} from './view.ts';

export interface SessionOptions {
  input?: RunInput;
  /** Object path as the user gave it (shown in the View). */
  objectPath?: string;
  /** Yields to the event loop between run chunks (interactive front ends); batch passes none. */
  yieldBetweenChunks?: boolean;
}

const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Implements the TUI's SessionPort (src/tui/sessionPort.ts) structurally: view, execute,
 * subscribe, interrupt, completions. (tui/ sits above debugger/, so no import of it here.)
 * Command handlers see it as their CommandContext (commandContext.ts).
 */
export class Session implements CommandContext {
  readonly target: DebugTarget;
  /** Registers, frames and counter of the target's CPU. */
  readonly arch: DebugArch;
  readonly bps = new BreakpointTable();
  /** `display` expressions, shown after every stop. */
  readonly displays = new DisplayList();
  readonly out = new OutputLog();
  readonly rc: RunControl;
  readonly code: CodeWindows;
  readonly input: RunInput;
  /** source, breakpoint commands, echo/printf text (scriptRunner.ts). */
  readonly script = new ScriptState();
  /**
   * Where scripts send their command lines: the session's top-level entry. A recording
   * session (record/) sets itself, so reverse-* and record work inside scripts too.
   */
  executor: CommandExecutor = this;
  runState: RunState = 'not-started';
  stop: DebugStop | null = null;
  selectedFrame = 0;
  /** `catch poke` is on (an enabled catchpoint): a map command that moves a descriptor stops. */
  get catchPoke(): boolean {
    return this.bps.catching('poke') !== undefined;
  }
  /**
   * Asks the user a yes/no question (gdb's query) and resolves with the answer; the TUI
   * sets it. null (batch mode): no one to ask — gdb -batch answers yes, and a command whose
   * answer must not be assumed refuses instead.
   */
  confirm: ((question: string) => Promise<boolean>) | null = null;
  /** Poke transitions recorded since the last View (and the last one per descriptor). */
  pokeEvents: PokeEvent[] = [];
  readonly lastTransition = new Map<string, PokeTransition>();
  private current: View;
  private seq = 0;
  private subs = new Set<() => void>();
  private readonly opts: SessionOptions;
  private rawFrames: RawFrame[] | null = null;
  /** The set of loaded programs the derived state (tail-call sites, code cache) was built for. */
  private programsSig: string;
  private programsView: ProgramSummary[] | null = null;

  constructor(target: DebugTarget, opts: SessionOptions = {}) {
    this.target = target;
    this.arch = archFor(target.arch);
    this.opts = opts;
    this.input = opts.input ?? {};
    this.rc = new RunControl(target, this.bps, () => this.exprEnv());
    this.code = new CodeWindows(target);
    this.programsSig = target.objects.signature;
    for (const n of target.objects.launchNotes) this.out.append('info', n);
    target.pokes?.onEvent((e) => {
      this.pokeEvents.push(e);
      const cause = e.reason === 'delete' ? `delete ${this.mapName(e)}[${e.key}]` : `${e.reason} ${this.mapName(e)}[${e.key}]${this.slotSuffix(e)}`;
      this.lastTransition.set(pokeKey(e.poke), { from: e.from, to: e.to, cause, atSeq: this.seq + 1 });
    });
    this.current = this.buildView();
  }

  private mapName(e: PokeEvent): string {
    const p = this.target.index.lookup(e.poke.funcAddr)?.program;
    const m = (p?.kernel.object ?? this.target.loaded).maps[e.descriptor.mapIndex];
    return m ? this.target.objects.mapDisplayName(m) : `map${e.descriptor.mapIndex}`;
  }

  private slotSuffix(e: PokeEvent): string {
    const pos = this.target.programs.find((p) => p.funcBases[0]! + BigInt(e.descriptor.adjOff) === decodeJmp(e.after, e.addr));
    return pos ? ` = ${this.target.objects.displayName(pos)}` : '';
  }

  // ---------------------------------------------------------------- SessionPort

  view(): View {
    return this.current;
  }

  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => void this.subs.delete(fn);
  }

  interrupt(): void {
    if (this.runState === 'running') this.rc.interruptRequested = true;
  }

  completions(prefix: string): string[] {
    return completionsFor(this.target, prefix);
  }

  setConfirm(ask: ((question: string) => Promise<boolean>) | null): void {
    this.confirm = ask;
  }

  /** Runs one command line: the only way anything changes. */
  async execute(text: string): Promise<CommandResult> {
    this.out.collect();
    this.out.append('command', text);
    let error: Diag | null = null;
    let quit = false;
    const top = this.script.nested === 0;
    if (top) this.script.quit = false;
    // Inside `commands` ... `end` a line is kept for later, not run.
    const parsed = this.script.block ? null : parseCommand(text);
    this.pokeEvents = [];
    if (parsed === null) {
      collectBlockLine(this, text);
    } else if (!parsed.ok) {
      error = parsed.error;
    } else {
      try {
        const cmd: Command = parsed.value;
        if (cmd.kind === 'quit') quit = true;
        else {
          const before = this.stop;
          const r = await executeCommand(this, cmd);
          if (r) error = r;
          // gdb shows the displays after every stop a command brought, then runs the
          // stopping breakpoint's commands (not from inside them).
          if (this.stop !== before && this.runState === 'stopped') this.showDisplays();
          if (!r && this.stop !== before) error = await runBreakpointCommands(this);
          quit = this.script.quit;
        }
      } catch (e) {
        // User-facing failures inside emulation (an unmodelled helper) arrive as BpfdbgError.
        const d = (e as { diag?: Diag }).diag;
        error = d ?? { code: 'debug.internal', message: `internal error: ${(e as Error).message}`, place: {} };
        if (!d && process.env.BPFDBG_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
        if (this.runState === 'running') this.runState = 'stopped';
      }
    }
    if (top) flushText(this);
    // A script's failing command is reported once, by the script (naming its file and line).
    if (error && top) this.out.append('error', formatDiag(error));
    this.rawFrames = null;
    this.current = this.buildView();
    for (const f of this.subs) f();
    const output = this.out.collected();
    return { command: text, ok: error === null, output, error, view: this.current, quit };
  }

  // ---------------------------------------------------------------- helpers for commands

  /** Prints every display as gdb does after a stop (`1: hops = 3`). */
  showDisplays(): void {
    for (const d of this.displays.view(this.exprEnv())) this.print(displayLine(d));
  }

  print(text: string, kind: 'out' | 'info' = 'out'): void {
    this.out.append(kind, text);
  }

  setRunState(state: RunState): void {
    this.runState = state;
  }

  setStop(stop: DebugStop | null): void {
    this.stop = stop;
  }

  selectFrame(level: number): void {
    this.selectedFrame = level;
  }

  /**
   * Called between run chunks. Interactive front ends get the event loop back (so Ctrl-C
   * reaches interrupt()) and, once per run, a View saying the program is running.
   */
  yieldFn(label = 'continue'): () => Promise<void> {
    if (!this.opts.yieldBetweenChunks) return async () => undefined;
    // The status bar shows the run live: instructions so far (the recording's count, else
    // whole chunks) and the time since it began. Interactive front ends only (batch has no
    // progress Views), so the wall clock never reaches a transcript.
    const began = Date.now();
    const count0 = this.historySource?.()?.count ?? null;
    let chunks = 0;
    return async () => {
      chunks++;
      const h = this.historySource?.() ?? null;
      const done = h && count0 !== null ? h.count - count0 : chunks * this.rc.chunk;
      this.current = {
        ...this.current,
        seq: ++this.seq,
        runState: 'running',
        history: h ?? this.current.history,
        progress: { label, done, total: null, interruptible: true, elapsedMs: Date.now() - began },
      };
      for (const f of this.subs) f();
      await yieldNow();
    };
  }

  regs(): Record<string, bigint> {
    const names = this.arch.nativeRegs;
    const vals = this.target.machine.readRegs(names);
    const r: Record<string, bigint> = {};
    names.forEach((n, i) => (r[n] = vals[i]!));
    return r;
  }

  frames(): RawFrame[] {
    if (this.runState !== 'stopped') return [];
    if (!this.rawFrames) {
      this.rawFrames = this.arch.unwind(this.target, this.regs(), this.rc.mem);
    }
    return this.rawFrames;
  }

  /**
   * Supplies View.history (record/ sets it for sessions on its tracing machine; debugger/
   * sits below record/, so it asks rather than knows).
   */
  historySource: (() => HistoryView | null) | null = null;

  /**
   * The debuggee changed outside a command (reverse execution restored a checkpoint):
   * drops what was derived from it, builds a new View and notifies subscribers.
   */
  publish(): View {
    this.invalidateFrames();
    this.current = this.buildView();
    for (const f of this.subs) f();
    return this.current;
  }

  invalidateFrames(): void {
    this.rawFrames = null;
  }

  /** The object names resolve in first: the selected frame's (gdb's scope), else the main one. */
  scopeObject(): SessionObject | null {
    const f = this.runState === 'stopped' ? this.frames()[this.selectedFrame] : undefined;
    const p =
      f?.pos?.program ?? f?.tramp?.info.target.prog ?? (this.runState === 'stopped' ? this.target.index.lookup(this.target.machine.pc)?.program : undefined);
    return p ? (this.target.objects.objectOf(p) ?? null) : null;
  }

  /** Objects were loaded, unloaded, or reverse execution went back before that: rebuild what derives from them. */
  private syncObjects(): void {
    const sig = this.target.objects.signature;
    if (sig === this.programsSig) return;
    this.programsSig = sig;
    this.programsView = null;
    this.rc.refresh();
    this.rawFrames = null;
  }

  /** Registers, symbols and memory for expressions. */
  exprEnv(): ExprEnv {
    const t = this.target;
    const m = t.machine;
    return {
      reg: (name) => {
        if (this.runState === 'not-started') return undefined;
        const bpf = /^r(\d+)$/.exec(name);
        const a = this.arch;
        if (bpf && Number(bpf[1]) <= 10) return m.readReg(a.bpfReg(t, Number(bpf[1]), m.pc));
        if (name === 'pc') return m.pc;
        if (name === 'sp') return m.readReg(a.spReg);
        if (name === 'fp') return m.readReg(a.fpReg);
        if (a.name === 'x86_64' && (name === 'rflags' || name === 'eflags')) return m.readReg('eflags');
        if (name === 'tcc' || name === 'tcc_left') {
          // One meaning on every arch: $tcc = tail calls used so far (x86's counter counts
          // up, RISC-V's a6 counts down from 33), $tcc_left = how many more may run.
          const pos = t.index.lookup(m.pc);
          const v = pos ? a.readTccHere(t, pos, this.regs(), this.rc.mem) : null;
          if (v === null) return undefined;
          const c = a.counterView({ value: v, where: { kind: 'rax' }, describe: '' }, false);
          return BigInt.asUintN(64, BigInt(name === 'tcc' ? c.used : c.limit - c.used));
        }
        if (a.nativeRegs.includes(name) || (a.name === 'riscv64' && /^(x([0-9]|[12][0-9]|3[01])|fp)$/.test(name))) return m.readReg(name);
        return undefined;
      },
      sym: (name) => {
        const scope = this.scopeObject();
        const g = t.objects.findGlobal(name, scope);
        if (g.ok) {
          const v = t.model.readGlobalInt(name.split(':').pop()!, g.value.object.loaded.name);
          return v.ok ? v.value : undefined;
        }
        if (g.error.code === 'debug.ambiguous') return undefined;
        const map = t.objects.findMap(name, scope);
        return map.ok ? map.value.addr : undefined;
      },
      symError: (name) => {
        const scope = this.scopeObject();
        const g = t.objects.findGlobal(name, scope);
        if (!g.ok && g.error.code === 'debug.ambiguous') return g.error.message;
        const m = t.objects.findMap(name, scope);
        return !m.ok && m.error.code === 'debug.ambiguous' ? m.error.message : undefined;
      },
      read: (addr, size) => this.rc.mem.read(addr, size),
      global: (name) => globalPlace(t, name, this.scopeObject()),
      type: (spelled) => namedType(t, spelled, this.scopeObject()),
    };
  }

  /**
   * The stack slots and saved registers of frame `level` (`info frame`), or null where there
   * is no BPF frame layout to show: a trampoline frame, or a function at its patched entry.
   */
  frameSlotsAt(level: number, prev: FrameSlots | null = null): FrameSlots | null {
    const sel = this.frames()[level];
    const sp = sel?.pos;
    if (!sel || !sp || sel.atPatchSite) return null;
    const t = this.target;
    const m = t.machine;
    return this.arch.buildFrameSlots({
      level: sel.level,
      func: sp.func.name,
      fp: sel.fp,
      layout: sp.func.frame,
      priv: t.privStackArea(sp.program, sp.funcIdx),
      symbolize: (a) => (t.index.lookup(a) ? symbolize(t, a) : null),
      mem: { read: this.rc.mem.read, bytes: (a, n) => (m.isMapped(a, n) ? m.readMem(a, n) : undefined) },
      prev,
    });
  }

  // ---------------------------------------------------------------- the View

  /** Builds a fresh View of the current state (what every command ends with). */
  rebuildView(): View {
    this.rawFrames = null;
    this.current = this.buildView();
    return this.current;
  }

  private buildView(): View {
    this.syncObjects();
    const t = this.target;
    const prev = this.current as View | undefined;
    const stopped = this.runState === 'stopped';
    const regsNow = stopped ? this.regs() : null;
    const raw = stopped ? this.frames() : [];
    const f0 = raw[0];
    const pc = regsNow?.[this.arch.pcReg] ?? null;
    const pos0 = pc !== null ? t.index.lookup(pc) : null;
    if (f0) this.rc.tracker.prune(f0.fp);
    let registers = null;
    let frames: View['frames'] = [];
    let frameSlots = null;
    if (regsNow && f0) {
      const a = this.arch;
      const tccR = a.readTcc(t, raw, 0, regsNow, this.rc.mem);
      const prevTcc = prev?.registers?.tailCallCounter;
      const tcc = tccR ? a.counterView(tccR, prevTcc !== undefined && prevTcc !== null && prevTcc.value !== tccR.value) : null;
      registers = a.buildRegisters(t, regsNow, prev?.registers ?? null, pos0, tcc);
      frames = buildFrames(t, a, raw, this.rc.tracker.hops, regsNow, this.rc.mem, this.selectedFrame);
      frameSlots = this.frameSlotsAt(Math.min(this.selectedFrame, raw.length - 1), prev?.frameSlots ?? null);
    } else if (regsNow) {
      registers = this.arch.buildRegisters(t, regsNow, prev?.registers ?? null, null, null);
    }
    const location = pc !== null ? this.location(pc) : null;
    const bpMap = new Map(this.bps.all().map((b) => [b.addr, { id: b.id, enabled: b.enabled }]));
    // Code window: the PC's function, or the selected frame's, or the entry before a run.
    const selPos = raw[this.selectedFrame]?.pos ?? pos0;
    const disasm = selPos
      ? this.code.disasmWindow(selPos.program, selPos.funcIdx, raw[this.selectedFrame]?.pc ?? pc, bpMap)
      : this.code.disasmWindow(t.entry, 0, null, bpMap);
    const srcRef = selPos && selPos.insn !== null ? selPos.program.image.sourceOf(selPos.insn) : undefined;
    const anySrc = srcRef ?? t.entry.image.sourceOf(insnIdx(0));
    const bpLines = new Set<number>();
    for (const b of this.bps.all()) {
      const p = t.index.lookup(b.addr)?.program;
      const s = p && b.insn !== null ? p.image.sourceOf(b.insn) : undefined;
      if (s && anySrc && s.file === anySrc.file) bpLines.add(s.line);
    }
    const srcObj = (selPos?.program ?? t.entry).kernel.object.object;
    const source = anySrc ? sourceWindow(srcObj.sources, anySrc.file, srcRef?.line ?? null, bpLines) : null;
    return {
      version: VIEW_VERSION,
      seq: ++this.seq,
      runState: this.runState,
      arch: t.arch,
      profile: { name: t.profile.name, describes: t.profile.describes },
      object: { path: this.opts.objectPath ?? t.loaded.object.path, name: t.loaded.object.name },
      programs: (this.programsView ??= this.programs()),
      location,
      stop: this.stop,
      registers,
      frames,
      frameSlots,
      callChain: buildCallChain(frames, t.arch === 'riscv64'),
      pokes: buildPokes(t, this.lastTransition, prev?.pokes ?? []),
      maps: buildMaps(
        t.objects.allMaps().map((x) => x.map),
        prev?.maps ?? [],
        {
          map: (m) => t.objects.mapDisplayName(m),
          object: (m) => t.objects.ownerOf(m)?.name,
          prog: (p) => {
            const d = t.objects.dbgOf(p);
            return d ? t.objects.displayName(d) : p.name;
          },
          vars: (m) =>
            t.objects
              .ownerOf(m)
              ?.loaded.object.globals.filter((g) => g.mapIndex === m.def.index)
              .sort((a, b) => a.offset - b.offset) ?? [],
        },
      ),
      objects: buildObjects(t),
      links: buildLinks(t),
      pins: buildPins(t),
      disasm,
      source,
      output: this.out.tail().slice(-100),
      breakpoints: this.bps.view(),
      catchpoints: this.bps.catchView(),
      displays: this.displays.view(this.exprEnv()),
      history: this.historySource?.() ?? null,
      progress: null,
    };
  }

  location(pc: bigint): View['location'] {
    const pos = this.target.index.lookup(pc);
    const tr = pos ? null : this.target.trampolineAt(pc);
    if (tr) {
      return {
        program: this.target.objects.displayName(tr.target.prog),
        func: tr.symbol,
        subprog: 0,
        insn: null,
        atInsnStart: false,
        nativeAddr: hex64(pc),
        nativeOff: Number(pc - tr.addr),
        region: 'trampoline',
        source: null,
      };
    }
    if (!pos) {
      const f0 = this.frames()[0];
      return {
        program: f0?.pos ? this.target.objects.displayName(f0.pos.program) : '?',
        func: pc === SENTINEL_ADDR ? '(exit)' : '(helper)',
        subprog: f0?.pos?.func.subprog ?? 0,
        insn: null,
        atInsnStart: false,
        nativeAddr: hex64(pc),
        nativeOff: 0,
        region: pc === SENTINEL_ADDR ? 'sentinel' : 'helper',
        source: null,
      };
    }
    const src = this.frames()[0] ? sourceRef(this.frames()[0]!) : null;
    return {
      program: this.target.objects.displayName(pos.program),
      func: pos.func.name,
      subprog: pos.func.subprog,
      insn: pos.insn,
      atInsnStart: pos.atInsnStart,
      nativeAddr: hex64(pc),
      nativeOff: pos.off,
      region: pos.region,
      source: pos.insn === null ? null : src,
    };
  }

  private programs(): ProgramSummary[] {
    return this.target.programs.map((p) => ({
      name: this.target.objects.displayName(p),
      section: p.image.program.section,
      type: p.image.progType,
      funcs: p.jit.funcs.map((f, i) => ({
        name: f.name,
        subprog: f.subprog,
        insnStart: f.insnStart,
        insnCount: f.insnCount,
        addr: hex64(p.funcBases[i]!),
        size: f.code.length,
      })),
    }));
  }

  /** Output lines appended since `seq` (exclusive). */
  outputSince(seq: number): OutputLine[] {
    return this.out.tail().filter((l) => l.seq > seq);
  }

  dispose(): void {
    this.target.dispose();
  }
}

function decodeJmp(b: Uint8Array, ip: bigint): bigint | null {
  if (b[0] !== 0xe9) return null;
  const rel = new DataView(b.buffer, b.byteOffset, 5).getInt32(1, true);
  return BigInt.asUintN(64, ip + 5n + BigInt(rel));
}
