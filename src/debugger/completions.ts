// Tab completion for the command line: command names first, then the words a command
// takes — programs and functions, maps and globals of every loaded object (qualified
// `OBJ:NAME` forms too), info topics, catch kinds, map subcommands.
import { COMMANDS } from './commands/commandTable.ts';
import type { DebugTarget } from './target/debugTarget.ts';

export function completionsFor(t: DebugTarget, prefix: string): string[] {
  const words = prefix.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (words.length <= 1) {
    const names = COMMANDS.flatMap((c) => [c.name, ...c.aliases]);
    return [...new Set(names.filter((n) => n.startsWith(last)))].sort();
  }
  const cands: string[] = [];
  for (const so of t.objects.objects) {
    cands.push(`${so.name}:`);
    for (const p of so.programs) {
      cands.push(p.name, `${p.name}:`, `${so.name}:${p.name}`);
      for (const f of p.jit.funcs) cands.push(f.name);
    }
    for (const m of so.loaded.maps) if (m) cands.push(m.name, `${so.name}:${m.name}`);
    for (const g of so.loaded.object.globals) cands.push(g.name, `${so.name}:${g.name}`);
  }
  for (const path of t.objects.pins.keys()) cands.push(path);
  if (words[0] === 'info' || words[0] === 'i') cands.push('registers', 'breakpoints', 'frame', 'pokes', 'maps', 'program', 'line', 'tailcalls', 'jit', 'links', 'objects');
  if (words[0] === 'catch') cands.push('tailcall', 'poke');
  if (words[0] === 'map') cands.push('update', 'delete', 'dump');
  return [...new Set(cands.filter((c) => c.startsWith(last) && c !== last))].sort();
}
