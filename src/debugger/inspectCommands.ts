// Commands that look at or change state without running: breakpoints, info, backtrace,
// frame selection, x, print, set, map update/delete/dump, disassemble, list, help.
import type { InsnIdx } from '../common/ids.ts';
import type { Diag } from '../common/diag.ts';
import { ProgArrayMap, keyBytes } from '../kernel/index.ts';
import { COMMANDS, lookupCommand } from './commands/commandTable.ts';
import type { Command } from './commands/types.ts';
import { errors } from './errors.ts';
import { evalExpr } from './expr/evalExpr.ts';
import * as text from './infoText.ts';
import { parseLocation } from './commands/parseLocation.ts';
import { resolveLocation } from './resolveLocation.ts';
import type { DebugProgram } from './target/loadedProgram.ts';
import type { CommandContext } from './commandContext.ts';
import { hex64 } from './view.ts';
import { LAST_BREAKPOINT } from './commands/scriptCommands.ts';
import { backtraceFull } from './backtraceFull.ts';
import { infoSymbol } from './symbolLookup.ts';
import { buildMemoryMap, memoryMapText } from './memoryMap.ts';
import { valueText } from './printValue.ts';
import { infoDisplay } from './displayCommand.ts';
import { watchpointsText } from './watchCommand.ts';
import { infoArgs, infoLocals } from './frameArgs.ts';

export function executeInspect(s: CommandContext, cmd: Command): Diag | null {
  const t = s.target;
  switch (cmd.kind) {
    case 'break': {
      const loc = cmd.loc ? resolveLocation(s, cmd.loc) : resolveLocation(s, { kind: 'addr', addr: t.machine.pc });
      if (!loc.ok) return loc.error;
      const r = loc.value;
      const b = s.bps.add({
        spec: r.spec,
        program: t.objects.displayName(r.program),
        insn: r.insn,
        addr: r.addr,
        temporary: cmd.temporary,
        cond: cmd.cond,
        condText: cmd.condText,
      });
      s.rc.sync();
      const src = r.insn !== null ? r.program.image.sourceOf(r.insn) : undefined;
      s.print(
        `${cmd.temporary ? 'Temporary breakpoint' : 'Breakpoint'} ${b.id} at ${r.spec} (${hex64(r.addr)})${src ? `, ${src.file}:${src.line}` : ''}${cmd.condText ? ` if ${cmd.condText}` : ''}`,
      );
      return null;
    }
    case 'delete': {
      const ids = cmd.ids.length ? cmd.ids.map((i) => (i === LAST_BREAKPOINT ? (s.bps.lastId() ?? 0) : i)) : s.bps.ids();
      for (const id of ids) if (!s.bps.remove(id)) return errors.noSuchBreakpoint(id);
      s.rc.sync();
      return null;
    }
    case 'enable': {
      const ids = cmd.ids.length ? cmd.ids.map((i) => (i === LAST_BREAKPOINT ? (s.bps.lastId() ?? 0) : i)) : s.bps.ids();
      for (const id of ids) if (!s.bps.setEnabled(id, cmd.enable)) return errors.noSuchBreakpoint(id);
      s.rc.sync();
      return null;
    }
    case 'condition': {
      const b = s.bps.get(cmd.id);
      if (!b) return errors.noSuchBreakpoint(cmd.id);
      b.cond = cmd.cond;
      b.condText = cmd.condText;
      s.print(cmd.cond ? `Breakpoint ${b.id} now stops only if ${cmd.condText}` : `Breakpoint ${b.id} is now unconditional`);
      return null;
    }
    case 'info':
      return info(s, cmd.topic, cmd.arg);
    case 'backtrace': {
      if (s.runState !== 'stopped') return errors.notRunning();
      s.print(cmd.full ? backtraceFull(s, cmd.limit) : text.backtrace(s, cmd.limit));
      return null;
    }
    case 'frame':
    case 'up':
    case 'down': {
      if (s.runState !== 'stopped') return errors.notRunning();
      const n = s.frames().length;
      const want = cmd.kind === 'frame' ? (cmd.index ?? s.selectedFrame) : s.selectedFrame + (cmd.kind === 'up' ? cmd.count : -cmd.count);
      // gdb's words at either end of the stack.
      if (cmd.kind === 'down' && want < 0) return errors.bottomFrame();
      if (cmd.kind === 'up' && want >= n) return errors.topFrame();
      if (want < 0 || want >= n) return errors.noFrameN(want);
      s.selectFrame(want);
      s.print(text.frameLine(s, want));
      return null;
    }
    case 'print': {
      const v = valueText(cmd.expr, s.exprEnv(), cmd.format);
      if (!v.ok) return v.error;
      s.print(`$ = ${v.value}`);
      return null;
    }
    case 'examine':
      return examine(s, cmd);
    case 'set': {
      if (s.runState !== 'stopped' && cmd.place.kind !== 'global') return errors.notRunning();
      const v = evalExpr(cmd.value, s.exprEnv());
      if (!v.ok) return v.error;
      const p = cmd.place;
      if (p.kind === 'reg') {
        const bpf = /^r(\d+)$/.exec(p.name);
        const nat =
          bpf && Number(bpf[1]) <= 10
            ? s.arch.bpfReg(t, Number(bpf[1]), t.machine.pc)
            : p.name === 'pc'
              ? s.arch.pcReg
              : p.name === 'sp'
                ? s.arch.spReg
                : p.name;
        try {
          t.machine.writeReg(nat, v.value);
        } catch {
          return errors.noRegister(p.name);
        }
      } else if (p.kind === 'mem') {
        const a = evalExpr(p.addr, s.exprEnv());
        if (!a.ok) return a.error;
        if (!t.machine.isMapped(a.value, p.size)) return errors.cannotWrite(a.value);
        const b = new Uint8Array(p.size);
        for (let k = 0; k < p.size; k++) b[k] = Number((v.value >> BigInt(8 * k)) & 0xffn);
        t.machine.writeMem(a.value, b);
      } else {
        const g = t.objects.findGlobal(p.name, s.scopeObject());
        if (!g.ok) return g.error;
        const { map, off, size } = g.value;
        t.model.space.write(map.valueAddr + BigInt(off), leBytes(v.value, size), true);
      }
      s.invalidateFrames();
      return null;
    }
    case 'mapUpdate':
    case 'mapDelete':
      return mapChange(s, cmd);
    case 'mapDump': {
      const m = t.objects.findMap(cmd.map, s.scopeObject());
      if (!m.ok) return m.error;
      s.print(text.mapText(s, t.objects.mapDisplayName(m.value)));
      return null;
    }
    case 'disassemble': {
      let prog = t.entry;
      let fi = 0;
      // A BPF trampoline (an address in one, or the selected frame): its native code.
      const sel = !cmd.loc && s.runState === 'stopped' ? s.frames()[s.selectedFrame] : undefined;
      const tr = cmd.loc?.kind === 'addr' ? t.trampolineAt(cmd.loc.addr) : (sel?.tramp?.info ?? null);
      if (tr) {
        s.print(text.trampolineDisassembly(s, tr));
        return null;
      }
      if (cmd.loc) {
        const r = resolveLocation(s, cmd.loc);
        if (!r.ok) return r.error;
        const pos = t.index.lookup(r.value.addr)!;
        prog = pos.program;
        fi = pos.funcIdx;
      } else if (s.runState === 'stopped') {
        const f = s.frames()[s.selectedFrame];
        if (f?.pos) {
          prog = f.pos.program;
          fi = f.pos.funcIdx;
        }
      }
      s.print(text.disassembly(s, prog, fi, cmd.mode));
      return null;
    }
    case 'list': {
      let file: string | null = null;
      let line: number | null = null;
      if (cmd.loc) {
        if (cmd.loc.kind === 'line' && (cmd.loc.file !== null || cmd.last !== undefined)) {
          file = cmd.loc.file ?? s.view().source?.file ?? null;
          line = cmd.loc.line;
          if (file === null) return errors.noSource();
        } else {
          const r = resolveLocation(s, cmd.loc);
          if (!r.ok) return r.error;
          const src = r.value.insn !== null ? r.value.program.image.sourceOf(r.value.insn) : undefined;
          if (!src) return errors.noSource();
          file = src.file;
          line = src.line;
        }
      } else {
        const src = s.view().source;
        if (!src) return errors.noSource();
        file = src.file;
        line = src.current ?? src.lines[0]?.line ?? 1;
      }
      const lines = cmd.last !== undefined ? text.sourceLines(s, file, line, cmd.last) : text.sourceLines(s, file, line);
      if (!lines) return errors.noSource();
      s.print(lines);
      return null;
    }
    case 'help': {
      if (cmd.topic) {
        const c = lookupCommand(cmd.topic);
        if (!c || Array.isArray(c)) return errors.unknownHelp(cmd.topic);
        s.print(`${c.name}${c.args ? ' ' + c.args : ''}${c.aliases.length ? ` (${c.aliases.join(', ')})` : ''}: ${c.help}`);
        return null;
      }
      s.print(COMMANDS.map((c) => `${(c.name + (c.aliases.length ? ` (${c.aliases.join(', ')})` : '')).padEnd(24)} ${c.help}`).join('\n'));
      return null;
    }
    default:
      return { code: 'debug.unsupported', message: `'${cmd.kind}' is not supported here`, place: {} };
  }
}

function info(s: CommandContext, topic: string, arg: string | null): Diag | null {
  const needRun = ['registers', 'all-registers', 'frame'];
  if (needRun.includes(topic) && s.runState !== 'stopped') return errors.notRunning();
  switch (topic) {
    case 'registers':
    case 'all-registers': {
      if (!arg) {
        s.print(text.registers(s));
        return null;
      }
      const r = text.someRegisters(s, arg.split(/\s+/).filter(Boolean));
      if (!r.ok) return r.error;
      s.print(r.value);
      return null;
    }
    case 'breakpoints':
      s.print(text.breakpoints(s));
      return null;
    case 'watchpoints':
      s.print(watchpointsText(s));
      return null;
    case 'frame':
      s.print(text.frameSlotsText(s));
      return null;
    case 'pokes':
      s.print(text.pokes(s));
      return null;
    case 'maps':
      s.print(
        s
          .view()
          .maps.map((m) => text.mapText(s, m.name))
          .join('\n'),
      );
      return null;
    case 'links':
      s.print(text.links(s));
      return null;
    case 'objects':
      s.print(text.objects(s));
      return null;
    case 'line': {
      let at: { program: DebugProgram; insn: InsnIdx } | null = null;
      if (arg) {
        const loc = parseLocation(arg);
        if (!loc.ok) return loc.error;
        const r = resolveLocation(s, loc.value);
        if (!r.ok) return r.error;
        if (r.value.insn !== null) at = { program: r.value.program, insn: r.value.insn };
      } else {
        if (s.runState !== 'stopped') return errors.notRunning();
        const pc = t(s).machine.pc;
        const pos = t(s).index.lookup(pc);
        if (pos && pos.insn !== null) at = { program: pos.program, insn: pos.insn };
        // gdb: an address without a line (here: the JIT's prologue) is stated, not an error.
        else if (pos) {
          s.print(`No line number information available for address ${text.symbolOr(s, pc)}`);
          return null;
        }
      }
      if (!at) return errors.noSource();
      s.print(text.lineInfo(s, at.program, at.insn));
      return null;
    }
    case 'source':
      s.print(text.sourceInfo(s));
      return null;
    case 'symbol':
      return infoSymbol(s, arg);
    case 'memory':
      s.print(memoryMapText(buildMemoryMap(s.target)));
      return null;
    case 'display':
      s.print(infoDisplay(s));
      return null;
    case 'args':
    case 'locals': {
      if (s.runState !== 'stopped') return errors.notRunning();
      const r = topic === 'args' ? infoArgs(s) : infoLocals(s);
      if (!r.ok) return r.error;
      s.print(r.value);
      return null;
    }
    case 'tailcalls':
      s.print(text.tailcalls(s));
      return null;
    case 'program':
      s.print(text.programs(s));
      return null;
    case 'jit':
    case 'profile':
      s.print(`${s.target.arch} profile ${s.target.profile.name}: ${s.target.profile.describes}`);
      return null;
  }
  return null;
}

const t = (s: CommandContext): CommandContext['target'] => s.target;

function parseNum(t: string): bigint | null {
  return /^(0x[0-9a-fA-F]+|-?\d+)$/.test(t) ? BigInt(t) : null;
}

function leBytes(v: bigint, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let k = 0; k < n; k++) b[k] = Number((BigInt.asUintN(64, v) >> BigInt(8 * k)) & 0xffn);
  return b;
}

/** `map update MAP KEY VALUE|PROG`, `map delete MAP KEY`: user-space bpf(2) while stopped. */
function mapChange(s: CommandContext, cmd: Extract<Command, { kind: 'mapUpdate' | 'mapDelete' }>): Diag | null {
  const t = s.target;
  const mr = t.objects.findMap(cmd.map, s.scopeObject());
  if (!mr.ok) return mr.error;
  const m = mr.value;
  const k = parseNum(cmd.key);
  if (k === null) return errors.badValue('key', cmd.key);
  const before = s.pokeEvents.length;
  let rc: number;
  if (cmd.kind === 'mapDelete') {
    rc = t.model.deleteElem(m, m.def.keySize === 4 ? Number(k) : leBytes(k, m.def.keySize));
  } else if (m instanceof ProgArrayMap) {
    const p = t.objects.findProgram(cmd.value, s.scopeObject());
    if (!p.ok) return p.error;
    // bpf_map_update_elem from user space: the 6.13+ freplace checks, then the update.
    rc = t.objects.updateProgArray(m, Number(k), p.value);
  } else {
    const v = parseNum(cmd.value);
    if (v === null) return errors.badValue('value', cmd.value);
    rc = t.model.updateElem(
      m,
      leBytes(k, m.def.keySize),
      leBytes(v, Math.min(8, m.def.valueSize)).length === m.def.valueSize ? leBytes(v, m.def.valueSize) : padTo(leBytes(v, 8), m.def.valueSize),
    );
  }
  if (rc !== 0) return errors.mapOp(cmd.kind === 'mapDelete' ? 'delete' : 'update', cmd.map, rc);
  void keyBytes;
  const evs = s.pokeEvents.slice(before);
  const what = cmd.kind === 'mapDelete' ? `delete ${cmd.map}[${k}]` : `${cmd.map}[${k}] = ${cmd.value}`;
  const byPoke = new Map<string, string[]>();
  for (const e of evs) {
    const key = `poke #${e.descriptor.index} (${e.prog}:${e.descriptor.insn})`;
    const chain = byPoke.get(key) ?? [e.from];
    chain.push(e.to);
    byPoke.set(key, chain);
  }
  const pending = t.pokes?.pendingGrace().filter((g) => g.mapId === m.id && g.key === Number(k)) ?? [];
  const parts = [...byPoke].map(([p, c]) => `${p} ${c.join('->')}`);
  s.print(
    `${what}${parts.length ? ': ' + parts.join(', ') : ''}${pending.length ? `; grace period pending until ${pending[0]!.waitingFor.map((c) => `cpu${c}`).join(', ')} leaves BPF code` : ''}`,
  );
  const caught = s.bps.catching('poke');
  if (caught && evs.length) {
    caught.hits++;
    const last = evs[evs.length - 1]!;
    s.setStop({ kind: 'poke', poke: last.descriptor.index, program: last.prog, from: evs[0]!.from, to: last.to, cause: what });
  }
  return null;
}

function padTo(b: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(0, n));
  return out;
}

function examine(s: CommandContext, cmd: Extract<Command, { kind: 'examine' }>): Diag | null {
  const a = evalExpr(cmd.addr, s.exprEnv());
  if (!a.ok) return a.error;
  const m = s.target.machine;
  let addr = a.value;
  if (cmd.format === 'i') {
    if (!m.isMapped(addr, 1)) return { code: 'expr.unmapped', message: `cannot access memory at address ${hex64(addr)}`, place: {} };
    const dis = s.target.disassembler;
    const insns = dis.disasm(m.readMem(addr, Math.min(16 * cmd.count, 4096)), addr, cmd.count);
    s.print(insns.map((i) => `${hex64(i.addr)}: ${dis.format(i)}`).join('\n'));
    return null;
  }
  if (cmd.format === 's') {
    const bytes: number[] = [];
    for (let k = 0; k < 256 && m.isMapped(addr + BigInt(k), 1); k++) {
      const c = m.readMem(addr + BigInt(k), 1)[0]!;
      if (c === 0) break;
      bytes.push(c);
    }
    s.print(`${hex64(addr)}: ${JSON.stringify(String.fromCharCode(...bytes))}`);
    return null;
  }
  const perLine = cmd.unit === 8 ? 2 : cmd.unit === 4 ? 4 : 8;
  const lines: string[] = [];
  for (let k = 0; k < cmd.count; k += perLine) {
    const vals: string[] = [];
    const lineAddr = addr;
    for (let j = k; j < Math.min(cmd.count, k + perLine); j++) {
      const v = s.rc.mem.read(addr, cmd.unit);
      if (v === undefined) return { code: 'expr.unmapped', message: `cannot access memory at address ${hex64(addr)}`, place: {} };
      vals.push(text.formatUnit(v, cmd.unit, cmd.format));
      addr += BigInt(cmd.unit);
    }
    lines.push(`${hex64(lineAddr)}: ${vals.join(' ')}`);
  }
  s.print(lines.join('\n'));
  return null;
}
