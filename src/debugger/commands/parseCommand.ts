// Text -> Command. Errors are values naming what was wrong; nothing here throws.
import { err, ok, type Result } from '../../common/diag.ts';
import { parseExpr } from '../expr/parseExpr.ts';
import { lookupCommand } from './commandTable.ts';
import { parseLocation } from './parseLocation.ts';
import type { Command, ExamineFormat, InfoTopic } from './types.ts';
import { LAST_BREAKPOINT, parseScriptCommand } from './scriptCommands.ts';
import { DATA_COMMANDS, intFormat, parseDataCommand } from './dataCommands.ts';
import { checkPinPath, parseAttachSpec, parseLoadSpec, parsePin, parseReuse } from './setupSpec.ts';

const INFO_TOPICS: Record<string, InfoTopic> = {
  r: 'registers',
  reg: 'registers',
  registers: 'registers',
  'all-registers': 'all-registers',
  b: 'breakpoints',
  br: 'breakpoints',
  breakpoints: 'breakpoints',
  break: 'breakpoints',
  f: 'frame',
  frame: 'frame',
  pokes: 'pokes',
  poke: 'pokes',
  maps: 'maps',
  map: 'maps',
  program: 'program',
  prog: 'program',
  line: 'line',
  source: 'source',
  tailcalls: 'tailcalls',
  jit: 'jit',
  profile: 'profile',
  links: 'links',
  link: 'links',
  objects: 'objects',
  object: 'objects',
  sharedlibrary: 'objects',
  symbol: 'symbol',
  sym: 'symbol',
  memory: 'memory',
  mem: 'memory',
  proc: 'memory',
  'proc-mappings': 'memory',
  vmmap: 'memory',
  args: 'args',
  locals: 'locals',
  display: 'display',
  watchpoints: 'watchpoints',
  watch: 'watchpoints',
};

function count(arg: string, name: string): Result<number> {
  if (arg === '') return ok(1);
  if (!/^\d+$/.test(arg) || Number(arg) < 1) return err('cmd.bad-count', `${name}: '${arg}' is not a positive count`);
  return ok(Number(arg));
}

function ids(arg: string, name: string): Result<number[]> {
  const parts = arg.split(/[\s,]+/).filter(Boolean);
  for (const p of parts) if (!/^(\d+|\$bpnum)$/.test(p)) return err('cmd.bad-id', `${name}: '${p}' is not a breakpoint number`);
  return ok(parts.map((p) => (p === '$bpnum' ? LAST_BREAKPOINT : Number(p))));
}

export function parseCommand(line: string): Result<Command> {
  const text = line.trim();
  if (text === '') return err('cmd.empty', 'empty command');
  // `x/4gx ADDR` and `p/x EXPR`: the format sticks to the command word.
  const m = /^([A-Za-z-]+)(\/\S*)?\s*(.*)$/.exec(text);
  if (!m) return err('cmd.unknown', `undefined command: "${text}". Try "help".`);
  const word = m[1]!;
  let slash = m[2] ?? '';
  let arg = m[3]!.trim();
  // gdb also takes the format after a space: `disassemble /b`, `x /4gx $sp`, `p /x $r1`.
  const spaced = /^(\/\S*)\s*(.*)$/.exec(arg);
  if (slash === '' && spaced && /^(x|print|p|disassemble|disas|output|display|disp)$/.test(m[1]!)) {
    slash = spaced[1]!;
    arg = spaced[2]!.trim();
  }
  const info = lookupCommand(word);
  if (info === undefined) return err('cmd.unknown', `undefined command: "${word}". Try "help".`);
  if (Array.isArray(info)) return err('cmd.ambiguous', `ambiguous command "${word}": ${info.map((c) => c.name).join(', ')}`);

  const withCount = <K extends 'continue' | 'stepi' | 'step' | 'next' | 'nexti'>(kind: K): Result<Command> => {
    const n = count(arg, info.name);
    return n.ok ? ok({ kind, count: n.value } as Command) : n;
  };

  if ((DATA_COMMANDS as readonly string[]).includes(info.name)) return parseDataCommand(info.name as (typeof DATA_COMMANDS)[number], slash, arg);
  switch (info.name) {
    case 'run':
      return ok({ kind: 'run' });
    case 'start':
      return ok({ kind: 'start' });
    case 'interrupt':
      return ok({ kind: 'interrupt' });
    case 'set':
      return parseSet(arg);
    case 'continue':
      return withCount('continue');
    case 'stepi':
      return withCount('stepi');
    case 'nexti':
      return withCount('nexti');
    case 'step':
      return withCount('step');
    case 'next':
      return withCount('next');
    case 'finish':
      return ok({ kind: 'finish' });
    case 'kill':
      return ok({ kind: 'kill' });
    case 'quit':
      return ok({ kind: 'quit' });
    case 'until': {
      if (arg === '') return ok({ kind: 'until', loc: null });
      const loc = parseLocation(arg);
      return loc.ok ? ok({ kind: 'until', loc: loc.value }) : loc;
    }
    case 'break':
    case 'tbreak': {
      const ifAt = arg.search(/(^|\s)if(\s|$)/);
      const locText = (ifAt >= 0 ? arg.slice(0, ifAt) : arg).trim();
      const condText =
        ifAt >= 0
          ? arg
              .slice(ifAt)
              .replace(/^\s*if/, '')
              .trim()
          : null;
      const loc = locText === '' ? null : parseLocation(locText);
      if (loc && !loc.ok) return loc;
      let cond = null;
      if (condText !== null) {
        if (condText === '') return err('cmd.bad-condition', 'break: "if" needs an expression');
        const c = parseExpr(condText);
        if (!c.ok) return c;
        cond = c.value;
      }
      return ok({ kind: 'break', loc: loc ? loc.value : null, temporary: info.name === 'tbreak', cond, condText });
    }
    case 'delete': {
      const r = ids(arg.replace(/^breakpoints?\s*/, ''), 'delete');
      return r.ok ? ok({ kind: 'delete', ids: r.value }) : r;
    }
    case 'disable':
    case 'enable': {
      const r = ids(arg, info.name);
      return r.ok ? ok({ kind: 'enable', ids: r.value, enable: info.name === 'enable' }) : r;
    }
    case 'condition': {
      const mm = /^(\d+)\s*(.*)$/.exec(arg);
      if (!mm) return err('cmd.bad-id', 'condition: usage: condition N [EXPR]');
      if (mm[2] === '') return ok({ kind: 'condition', id: Number(mm[1]), cond: null, condText: null });
      const c = parseExpr(mm[2]!);
      return c.ok ? ok({ kind: 'condition', id: Number(mm[1]), cond: c.value, condText: mm[2]! }) : c;
    }
    case 'catch': {
      if (arg === 'tailcall' || arg === 'tail-call' || arg === 'tailcalls') return ok({ kind: 'catch', what: 'tailcall' });
      if (arg === 'poke' || arg === 'pokes') return ok({ kind: 'catch', what: 'poke' });
      return err('cmd.bad-catch', `catch: expected 'tailcall' or 'poke', got '${arg}'`);
    }
    case 'info': {
      const [topicWord = '', ...rest] = arg.split(/\s+/);
      const topic = INFO_TOPICS[topicWord];
      if (!topic) return err('cmd.bad-info', `info: unknown topic '${topicWord}' (${[...new Set(Object.values(INFO_TOPICS))].join(', ')})`);
      return ok({ kind: 'info', topic, arg: rest.length ? rest.join(' ') : null });
    }
    case 'backtrace': {
      const full = /^(full|-full)\b/.test(arg);
      const rest = full ? arg.replace(/^-?full\s*/, '') : arg;
      if (rest === '') return ok({ kind: 'backtrace', limit: null, ...(full ? { full } : {}) });
      const n = count(rest, 'backtrace');
      return n.ok ? ok({ kind: 'backtrace', limit: n.value, ...(full ? { full } : {}) }) : n;
    }
    case 'frame': {
      if (arg === '') return ok({ kind: 'frame', index: null });
      if (!/^\d+$/.test(arg)) return err('cmd.bad-frame', `frame: '${arg}' is not a frame number`);
      return ok({ kind: 'frame', index: Number(arg) });
    }
    case 'up':
    case 'down': {
      const n = count(arg, info.name);
      return n.ok ? ok({ kind: info.name, count: n.value }) : n;
    }
    case 'map': {
      const parts = arg.split(/\s+/).filter(Boolean);
      const [sub, map, key, ...value] = parts;
      if (sub === 'update' && map && key && value.length) return ok({ kind: 'mapUpdate', map, key, value: value.join(' ') });
      if (sub === 'delete' && map && key && value.length === 0) return ok({ kind: 'mapDelete', map, key });
      if (sub === 'dump' && map && !key) return ok({ kind: 'mapDump', map });
      return err('cmd.bad-map', 'map: usage: map update MAP KEY VALUE|PROG | map delete MAP KEY | map dump MAP');
    }
    case 'x': {
      const f = /^\/(\d*)([xduotcsi]?)([bhwg]?)([xduotcsi]?)$/.exec(slash || '/');
      if (!f) return err('cmd.bad-format', `x: bad format '${slash}' (x/Nuf, u = b h w g, f = x d u o t c s i)`);
      const format = (f[2] || f[4] || 'x') as ExamineFormat;
      const unit = ({ b: 1, h: 2, w: 4, g: 8 } as const)[(f[3] || (format === 's' || format === 'c' ? 'b' : 'w')) as 'b' | 'h' | 'w' | 'g'];
      if (arg === '') return err('cmd.bad-address', 'x: an address expression is required');
      const a = parseExpr(arg);
      if (!a.ok) return a;
      return ok({ kind: 'examine', count: f[1] ? Number(f[1]) : 1, format, unit, addr: a.value, addrText: arg });
    }
    case 'print': {
      const f = intFormat('print', slash);
      if (!f.ok) return f;
      if (arg === '') return err('cmd.bad-expr', 'print: an expression is required');
      const e = parseExpr(arg);
      if (!e.ok) return e;
      return ok({ kind: 'print', expr: e.value, exprText: arg, format: f.value });
    }
    case 'disassemble': {
      const mode = slash === '/b' ? 'bpf' : slash === '/n' ? 'native' : 'mixed';
      if (arg === '') return ok({ kind: 'disassemble', loc: null, mode });
      const loc = parseLocation(arg);
      return loc.ok ? ok({ kind: 'disassemble', loc: loc.value, mode }) : loc;
    }
    case 'list': {
      if (arg === '') return ok({ kind: 'list', loc: null });
      const range = /^(?:(.+):)?(\d+)\s*,\s*(\d+)$/.exec(arg);
      if (range) {
        const [first, last] = [Number(range[2]), Number(range[3])];
        if (last < first) return err('cmd.bad-list', `list: ${first},${last} is not a range of lines`);
        return ok({ kind: 'list', loc: { kind: 'line', file: range[1] ?? null, line: first }, last });
      }
      const loc = parseLocation(arg);
      return loc.ok ? ok({ kind: 'list', loc: loc.value }) : loc;
    }
    case 'help':
      return ok({ kind: 'help', topic: arg || null });
    case 'record': {
      const parts = arg.split(/\s+/).filter(Boolean);
      const force = parts.includes('--force');
      const rest = parts.filter((p) => p !== '--force');
      const action = rest[0] ?? 'start';
      if (action !== 'start' && action !== 'stop' && action !== 'save') return err('cmd.bad-record', `record: expected start, stop or save, got '${action}'`);
      if (action === 'save' && !rest[1]) return err('cmd.bad-record', 'record save: a file name is required');
      return ok({ kind: 'record', action, file: rest[1] ?? null, force });
    }
    case 'reverse-stepi':
    case 'reverse-step':
    case 'reverse-next': {
      const n = count(arg, info.name);
      const what = info.name.slice('reverse-'.length) as 'stepi' | 'step' | 'next';
      return n.ok ? ok({ kind: 'reverse', what, count: n.value }) : n;
    }
    case 'reverse-continue':
      return ok({ kind: 'reverse', what: 'continue', count: 1 });
    case 'reverse-finish':
      return ok({ kind: 'reverse', what: 'finish', count: 1 });
    case 'load':
    case 'attach':
    case 'detach':
    case 'pin':
    case 'unpin':
    case 'unload':
      return parseSetupCommand(info.name, arg);
    case 'timer': {
      if (arg === 'fire' || arg === '') return ok({ kind: 'timer', action: 'fire' });
      if (arg === 'list') return ok({ kind: 'timer', action: 'list' });
      return err('cmd.bad-timer', `timer: expected 'fire' or 'list', got '${arg}'`);
    }
  }
  const script = parseScriptCommand(info.name, arg);
  if (script) return script;
  return err('cmd.unknown', `undefined command: "${word}". Try "help".`);
}

/** `set $r1 = 5`, `set *(u32 *)($r10 - 4) = 7`, `set var hops = 0` (gdb's forms). */
function parseSet(arg: string): Result<Command> {
  const text = arg.replace(/^var\s+/, '');
  const eq = text.search(/(?<![=!<>])=(?!=)/);
  if (eq < 0) return err('cmd.bad-set', 'set: usage: set $REG = EXPR | set *(TYPE *)ADDR = EXPR | set GLOBAL = EXPR');
  const lhs = text.slice(0, eq).trim();
  const rhs = parseExpr(text.slice(eq + 1).trim());
  if (!rhs.ok) return rhs;
  const l = parseExpr(lhs);
  if (!l.ok) return l;
  const e = l.value;
  if (e.kind === 'reg') return ok({ kind: 'set', place: { kind: 'reg', name: e.name }, value: rhs.value, text: arg });
  if (e.kind === 'deref') return ok({ kind: 'set', place: { kind: 'mem', size: e.size, addr: e.addr }, value: rhs.value, text: arg });
  if (e.kind === 'star') return ok({ kind: 'set', place: { kind: 'mem', size: 8, addr: e.arg }, value: rhs.value, text: arg });
  if (e.kind === 'sym') return ok({ kind: 'set', place: { kind: 'global', name: e.name }, value: rhs.value, text: arg });
  return err('cmd.bad-set', `set: cannot assign to '${lhs}'`);
}

/** load / attach / detach / pin / unpin / unload, in the text forms of commands/setupSpec.ts. */
function parseSetupCommand(name: string, arg: string): Result<Command> {
  const words = arg.split(/\s+/).filter(Boolean);
  const usage = (u: string): Result<never> => err('cmd.bad-spec', `${name}: usage: ${name} ${u}`);
  const setup = (r: Result<Extract<Command, { kind: 'setup' }>['step']>): Result<Command> => (r.ok ? ok({ kind: 'setup', step: r.value }) : r);
  switch (name) {
    case 'load':
    case 'attach': {
      const reuse: { map: string; path: string }[] = [];
      const rest: string[] = [];
      for (let i = 0; i < words.length; i++) {
        if (words[i] === '--reuse-map') {
          const r = parseReuse(words[++i] ?? '');
          if (!r.ok) return r;
          reuse.push(r.value);
        } else rest.push(words[i]!);
      }
      if (rest.length === 0)
        return usage(name === 'load' ? '[NAME=]FILE.o[:PROG,...] [--reuse-map MAP=PATH]...' : '[OBJ:]PROG [PROG:FUNC] | [NAME=]FILE.o[:PROG[=PROG:FUNC]]');
      if (name === 'load') {
        if (rest.length > 1) return usage('[NAME=]FILE.o[:PROG,...] [--reuse-map MAP=PATH]...');
        const l = parseLoadSpec(rest[0]!);
        return setup(l.ok ? ok({ ...l.value, ...(reuse.length ? { reuse } : {}) }) : l);
      }
      // `attach PROG PROG:FUNC` (gdb-like, target apart) or `attach PROG=PROG:FUNC`.
      if (rest.length > 2) return usage('[OBJ:]PROG [PROG:FUNC] | [NAME=]FILE.o[:PROG[=PROG:FUNC]]');
      const a = parseAttachSpec(rest.length === 2 && !rest[0]!.includes('=') ? `${rest[0]}=${rest[1]}` : rest[0]!);
      if (!a.ok) return a;
      if (rest.length === 2 && rest[0]!.includes('=')) return usage('[OBJ:]PROG [PROG:FUNC] (one target)');
      if (reuse.length) {
        if (a.value.op !== 'load') return usage('--reuse-map goes with a FILE.o');
        return setup(ok({ ...a.value, reuse }));
      }
      return setup(ok(a.value));
    }
    case 'detach': {
      if (words.length !== 1) return usage('[OBJ:]PROG | LINK');
      if (/^\d+$/.test(words[0]!)) return setup(ok({ op: 'detach', link: Number(words[0]) }));
      return setup(ok({ op: 'detach', prog: words[0]! }));
    }
    case 'pin': {
      if (words.length !== 2) return usage('[OBJ:]MAP PATH');
      return setup(parsePin(words[0]!, words[1]!));
    }
    case 'unpin': {
      if (words.length !== 1) return usage('PATH');
      const p = checkPinPath(words[0]!);
      return p.ok ? setup(ok({ op: 'unpin', path: p.value })) : p;
    }
    default: {
      if (words.length !== 1) return usage('OBJ');
      return setup(ok({ op: 'unload', object: words[0]! }));
    }
  }
}
