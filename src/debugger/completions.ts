// Tab completion for the command line: command names first, then the words a command
// takes — programs and functions, maps and globals of every loaded object (qualified
// `OBJ:NAME` forms too), info topics, catch kinds, map subcommands.
import { COMMANDS } from './commands/commandTable.ts';
import type { DebugTarget } from './target/debugTarget.ts';

/** Every `info` topic, as `info` takes them. */
export const INFO_TOPIC_NAMES = [
  'registers',
  'all-registers',
  'breakpoints',
  'frame',
  'pokes',
  'maps',
  'program',
  'line',
  'source',
  'tailcalls',
  'jit',
  'profile',
  'links',
  'objects',
  'symbol',
  'memory',
  'args',
  'locals',
  'display',
  'watchpoints',
];

export function completionsFor(t: DebugTarget, prefix: string): string[] {
  const words = prefix.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  const done = (cands: string[]): string[] => [...new Set(cands.filter((c) => c.startsWith(last) && c !== last))].sort();
  if (words.length <= 1) {
    const names = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
    return [...new Set(names.filter((n) => n.startsWith(last)))].sort();
  }
  const cmd = words[0];
  if ((cmd === 'info' || cmd === 'i') && words.length === 2) return done(INFO_TOPIC_NAMES);
  if (cmd === 'catch') return done(['tailcall', 'poke']);
  if (words.length === 2 && cmd === 'layout') return done(['asm', 'src', 'split', 'regs', 'next', 'prev', 'default']);
  if (words.length === 2 && (cmd === 'focus' || cmd === 'fs')) return done(['asm', 'src', 'regs', 'cmd', 'next', 'prev']);
  if (words.length === 2 && cmd === 'save') return done(['breakpoints']);
  if (words.length === 2 && (cmd === 'backtrace' || cmd === 'bt' || cmd === 'where')) return done(['full']);
  const progs: string[] = [];
  const maps: string[] = [];
  const cands: string[] = [];
  for (const so of t.objects.objects) {
    cands.push(`${so.name}:`);
    for (const p of so.programs) {
      progs.push(p.name, `${so.name}:${p.name}`);
      cands.push(`${p.name}:`);
      for (const f of p.jit.funcs) cands.push(f.name);
    }
    for (const m of so.loaded.maps) if (m) maps.push(m.name, `${so.name}:${m.name}`);
    for (const g of so.loaded.object.globals) cands.push(g.name, `${so.name}:${g.name}`);
  }
  // `map update|delete|dump MAP KEY VALUE|PROG`: a word by its position.
  if (cmd === 'map') {
    if (words.length === 2) return done(['update', 'delete', 'dump']);
    if (words.length === 3) return done(maps);
    if (words.length === 5 && words[1] === 'update') return done(progs);
    return [];
  }
  for (const path of t.objects.pins.keys()) cands.push(path);
  return done([...cands, ...progs, ...maps]);
}
