// Command -> effect on the session (through its CommandContext). Run control lives here; inspection commands (info,
// backtrace, x, print, disassemble, list, map, set) are in inspectCommands.ts.
import { type Diag } from '../common/diag.ts';
import { SENTINEL_ADDR } from '../common/layout.ts';
import type { Command } from './commands/types.ts';
import type { SetupStep } from './target/setup.ts';
import { errors } from './errors.ts';
import { describeHere, describeTailCall } from './describe.ts';
import { executeInspect } from './inspectCommands.ts';
import { jumpTarget } from './jumpTarget.ts';
import { executeScript } from './scriptRunner.ts';
import { executePtype } from './ptypeCommand.ts';
import { executeDisplay } from './displayCommand.ts';
import { executeWatch, watchHit } from './watchCommand.ts';
import { plural } from './plural.ts';
import { lineRows, sameLine } from './lineTable.ts';
import { resolveLocation } from './resolveLocation.ts';
import type { Halt } from './runControl.ts';
import type { CommandContext } from './commandContext.ts';
import { hex64, type StepUnit } from './view.ts';

const DEFAULT_PACKET_LEN = 64;

export async function executeCommand(s: CommandContext, cmd: Command): Promise<Diag | null> {
  switch (cmd.kind) {
    case 'run':
    case 'start':
      return start(s, cmd.kind === 'start');
    case 'continue': {
      // `continue N`: gdb ignores the current stop N-1 more times; we resume N times in all.
      let e = await resume(s, null, null, null);
      for (let i = 1; i < cmd.count && !e && s.runState === 'stopped'; i++) e = await resume(s, null, null, null);
      return e;
    }
    case 'stepi':
    case 'nexti': {
      const e = needStopped(s);
      if (e) return e;
      let h: Halt = { kind: 'step' };
      for (let i = 0; i < cmd.count && h.kind === 'step'; i++) h = cmd.kind === 'nexti' ? await nexti(s) : s.rc.stepi();
      return halted(s, h.kind === 'temp' ? { kind: 'step' } : h, cmd.kind);
    }
    case 'step':
    case 'next': {
      const e = needStopped(s);
      if (e) return e;
      let h: Halt = { kind: 'step' };
      for (let i = 0; i < cmd.count && h.kind === 'step'; i++) h = stepLine(s, cmd.kind === 'next');
      return halted(s, h, cmd.kind);
    }
    case 'finish': {
      const e = needStopped(s);
      if (e) return e;
      const f = s.frames()[s.selectedFrame];
      if (!f) return errors.noFrame();
      s.print(`Run till exit from #${f.level} ${f.pos?.func.name ?? '?'}`);
      if (f.returnAddr === SENTINEL_ADDR) return resume(s, null, null, 'finish');
      const ra = f.returnAddr;
      const fp = f.fp;
      const m = s.target.machine;
      const a = s.arch;
      return resume(s, (pc) => pc === ra && a.returnedFrom(m.readReg(a.spReg), fp), ra, 'finish');
    }
    case 'until': {
      const e = needStopped(s);
      if (e) return e;
      const f0 = s.frames()[0];
      if (!f0?.pos) return errors.noFrame();
      const m = s.target.machine;
      if (cmd.loc) {
        const loc = resolveLocation(s, cmd.loc);
        if (!loc.ok) return loc.error;
        const ra = f0.returnAddr;
        const fp = f0.fp;
        const a = s.arch;
        return resume(s, (pc) => pc === loc.value.addr || (pc === ra && a.returnedFrom(m.readReg(a.spReg), fp)), loc.value.addr, 'finish');
      }
      // Like `next`, but never stops at an insn at or before the current one (loops run through).
      const start = f0.pos.insn ?? -1;
      const fn = f0.pos.func;
      const fp = f0.fp;
      let h: Halt = { kind: 'step' };
      for (;;) {
        h = stepLine(s, true);
        if (h.kind !== 'step') break;
        const p = s.target.index.lookup(m.pc);
        const fpNow = m.readReg(s.arch.fpReg);
        if (!p || p.func !== fn || fpNow !== fp || (p.insn ?? -1) > start) break;
      }
      return halted(s, h, 'next');
    }
    case 'interrupt':
      s.interrupt();
      return null;
    case 'kill':
      if (s.runState === 'not-started') return errors.notRunning();
      s.target.endRun();
      s.setRunState('not-started');
      s.setStop(null);
      s.print('[program killed]');
      return null;
    case 'catch': {
      const c = s.bps.addCatch(cmd.what);
      s.print(`Catchpoint ${c.id} (${cmd.what === 'tailcall' ? 'tail calls, taken or not' : 'poke state transitions'})`);
      return null;
    }
    case 'reverse':
    case 'record':
      return errors.unavailable(cmd.kind === 'record' ? 'record' : `reverse-${cmd.what}`);
    case 'timer': {
      const model = s.target.model;
      const name = (addr: bigint | undefined): string => {
        if (addr === undefined) return 'no callback';
        const pos = s.target.index.lookup(addr);
        return pos ? `${pos.program.name}/${pos.func.name}` : `0x${addr.toString(16)}`;
      };
      if (cmd.action === 'list') {
        const armed = model.armedTimers();
        s.print(`virtual clock ${model.clock} ns; ${plural(armed.length, 'armed timer')}`);
        for (const t of armed)
          s.print(`  timer 0x${t.addr.toString(16)}: expires at ${t.expires} ns (in ${t.expires! - model.clock} ns), callback ${name(t.callback)}`);
        return null;
      }
      // The hrtimer softirq, on request: the clock jumps to each armed timer and it runs.
      const before = model.timers.fired.length;
      const n = model.fireArmedTimers();
      for (const f of model.timers.fired.slice(before)) s.print(`  timer 0x${f.addr.toString(16)} fired at ${f.at} ns, callback returned ${f.ret}`);
      s.print(`${plural(n, 'timer callback')} ran; virtual clock now ${model.clock} ns`);
      s.rebuildView();
      return null;
    }
    case 'ptype':
      return executePtype(s, cmd);
    case 'display':
    case 'undisplay':
      return executeDisplay(s, cmd);
    case 'watch':
      return executeWatch(s, cmd);
    case 'setup':
      return setupStep(s, cmd.step);
    case 'jump': {
      const e = needStopped(s);
      if (e) return e;
      const to = jumpTarget(s, cmd.loc, cmd.text);
      if (!to.ok) return to.error;
      s.print(`Continuing at ${hex64(to.value)}.`);
      s.target.machine.setPc(to.value);
      s.invalidateFrames();
      return resume(s, null, null, null);
    }
    case 'source':
    case 'commands':
    case 'ignore':
    case 'saveBreakpoints':
    case 'echo':
    case 'printf':
    case 'tui':
      return executeScript(s, cmd);
    case 'delete':
      // gdb: `delete` without numbers asks first (batch mode: yes).
      if (cmd.ids.length === 0 && s.bps.ids().length > 0 && s.confirm && !(await s.confirm('Delete all breakpoints? (y or n)'))) {
        s.print('Not confirmed.');
        return null;
      }
      return executeInspect(s, cmd);
    default:
      return executeInspect(s, cmd);
  }
}

/** load / attach / detach / pin / unpin / unload, between runs or while stopped. */
function setupStep(s: CommandContext, step: SetupStep): Diag | null {
  const t = s.target;
  if (step.op === 'unload' && s.runState === 'stopped') {
    const inside = s.frames().find((f) => f.pos?.program.object === step.object);
    if (inside)
      return {
        code: 'debug.unload-busy',
        message: `the CPU is inside ${t.objects.displayName(inside.pos!.program)} of ${step.object}: kill or finish the run first`,
        place: {},
      };
  }
  const r = t.objects.apply(step, t.profile, s.scopeObject());
  if (!r.ok) return r.error;
  for (const line of r.value) s.print(line);
  s.invalidateFrames();
  return null;
}

function needStopped(s: CommandContext): Diag | null {
  if (s.runState === 'not-started' || s.runState === 'exited') return errors.notRunning();
  return null;
}

function start(s: CommandContext, stopAtEntry: boolean): Promise<Diag | null> | Diag | null {
  if (s.runState === 'stopped') s.target.endRun();
  s.rc.tracker.reset();
  // BPF_PROG_TEST_RUN rejects an empty packet for skb/xdp programs; a debugger user who
  // gave no --data gets a zeroed 64-byte frame instead (and is told so).
  const input = { ...s.input };
  const pt = s.target.entry.image.progType;
  if (input.data === undefined && ['sched_cls', 'sched_act', 'socket_filter', 'xdp'].includes(pt)) {
    input.data = new Uint8Array(DEFAULT_PACKET_LEN);
    s.print(`no --data given: using a ${DEFAULT_PACKET_LEN}-byte zeroed packet`, 'info');
  }
  const r = s.target.prepareRun(input);
  if (!r.ok) return r.error;
  s.setRunState('stopped');
  s.selectFrame(0);
  s.invalidateFrames();
  if (stopAtEntry) {
    s.setStop({ kind: 'entry' });
    s.print(`Starting ${s.target.entry.name} (ctx ${hex64(r.value.ctxAddr)}); stopped before its first instruction`);
    s.print(describeHere(s));
    return null;
  }
  s.print(`Starting ${s.target.entry.name} (ctx ${hex64(r.value.ctxAddr)})`);
  return resume(s, null, null, null);
}

async function resume(s: CommandContext, extra: ((pc: bigint) => boolean) | null, temp: bigint | null, unit: StepUnit | null): Promise<Diag | null> {
  const e = needStopped(s);
  if (e) return e;
  s.setRunState('running');
  const h = await s.rc.runUntil(extra, temp, s.yieldFn());
  s.setRunState('stopped');
  return halted(s, h, unit ?? 'step');
}

/** One machine instruction, running a `call` (helper or bpf2bpf) to its return. */
async function nexti(s: CommandContext): Promise<Halt> {
  const m = s.target.machine;
  const a = s.arch;
  const ra = a.callReturn(m, m.pc);
  if (ra === null) return s.rc.stepi();
  const sp0 = m.readReg(a.spReg);
  return s.rc.runUntil((p) => p === ra && m.readReg(a.spReg) >= sp0, ra, s.yieldFn('nexti'));
}

/**
 * One source line, as gdb's step/next: stop at the start of a line-info row whose line
 * differs from the starting one, or at a row start in another frame (a call entered, a
 * tail call landed, a return). step enters bpf2bpf calls and follows tail calls; next runs
 * calls to their return. Code without line info steps one BPF instruction.
 */
function stepLine(s: CommandContext, over: boolean): Halt {
  const t = s.target;
  const m = t.machine;
  const fpReg = s.arch.fpReg;
  const fp0 = m.readReg(fpReg);
  const here = t.index.lookup(m.pc);
  const from = here && here.insn !== null ? (lineRows(here.program.image)[here.insn] ?? null) : null;
  return s.rc.stepUntil(
    (pc) => {
      const p = t.index.lookup(pc);
      if (!p || !p.atInsnStart || p.insn === null) return false;
      const fp = m.readReg(fpReg);
      if (over && fp < fp0) return false;
      if (!from) return true;
      const row = lineRows(p.program.image)[p.insn] ?? null;
      if (!row) return true;
      if (!row.start) return false;
      return !sameLine(row, from) || p.program !== here!.program || p.funcIdx !== here!.funcIdx || fp !== fp0;
    },
    over ? { fp0 } : null,
  );
}

/** Turns how a run ended into the session's stop reason, output and run state. */
function halted(s: CommandContext, h: Halt, unit: StepUnit): Diag | null {
  s.invalidateFrames();
  s.selectFrame(0);
  for (const ev of s.rc.takeEvents()) if (h.kind !== 'tail-call' || ev !== h.event) s.print(describeTailCall(ev), 'info');
  switch (h.kind) {
    case 'exited': {
      s.setRunState('exited');
      s.target.endRun();
      const v = h.retval;
      s.setStop({ kind: 'exit', retval: hex64(v), retvalSigned: BigInt.asIntN(64, v).toString() });
      s.print(`[${s.target.entry.name} exited with retval ${Number(v & 0xffffffffn)} (R0 = ${hex64(v)})]`);
      return null;
    }
    case 'fault':
      s.setStop({ kind: 'fault', message: h.message, addr: h.addr === null ? null : hex64(h.addr), access: h.access });
      s.print(`Program fault: ${h.message}`);
      s.print(describeHere(s));
      return null;
    case 'breakpoint':
      s.setStop({ kind: 'breakpoint', id: h.bp.id, hits: h.bp.hits });
      if (h.bp.temporary) {
        s.bps.remove(h.bp.id);
        s.rc.sync();
      }
      // A breakpoint whose commands begin with `silent` stops without a word (gdb).
      if (h.bp.commands?.[0] !== 'silent') s.print(`${h.bp.temporary ? 'Temporary breakpoint' : 'Breakpoint'} ${h.bp.id}, ${describeHere(s)}`);
      return null;
    case 'tail-call': {
      const ev = h.event;
      s.setStop({ kind: 'tail-call', ...ev });
      s.print(`Catchpoint (tail call): ${describeTailCall(ev)}`);
      s.print(describeHere(s));
      return null;
    }
    case 'watch': {
      const w = watchHit(s, h.wp, h.access, h.before, h.wp.last);
      s.setStop({ kind: 'watchpoint', id: h.wp.id, access: h.access, expr: h.wp.text, old: w.old, value: w.value });
      s.print(w.text);
      s.print(describeHere(s));
      return null;
    }
    case 'interrupted':
      s.setStop({ kind: 'interrupted' });
      s.print(`Interrupted. ${describeHere(s)}`);
      return null;
    case 'limit':
      s.setStop({ kind: 'step', unit });
      return errors.stepLimit();
    case 'temp':
    case 'step':
      s.setStop({ kind: 'step', unit });
      if (unit === 'finish') s.print(`Value returned: R0 = ${hex64(s.target.machine.readReg(s.arch.bpfReg(s.target, 0, s.target.machine.pc)))}`);
      s.print(describeHere(s));
      return null;
  }
}
