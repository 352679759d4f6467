// Completion candidates: the engine's (through the port) merged with names the View
// already holds, so completion works before the engine knows anything about a name.
import { COMMAND_ALIASES, COMMAND_NAMES } from '../debugger/command.ts';
import { INFO_TOPIC_NAMES } from '../debugger/completions.ts';
import type { View } from '../debugger/view.ts';

/** Names from the View for the last word of `line`: command names first, then symbols. */
export function viewCompletions(view: View | null, line: string): string[] {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (words.length <= 1) {
    return [...COMMAND_NAMES, ...Object.keys(COMMAND_ALIASES)].filter((w) => w.startsWith(last));
  }
  const out: string[] = [];
  const start = (ws: string[]): string[] => [...new Set(ws)].filter((w) => w.startsWith(last));
  // Words whose position fixes what they are: info topics; map's subcommand, map, and (for
  // update) a program name without a colon — `stage_verdict:` there would not parse.
  if (words[0] === 'info' || words[0] === 'i') return words.length === 2 ? start(INFO_TOPIC_NAMES) : [];
  if (words[0] === 'catch') return [];
  if (words[0] === 'map') {
    if (words.length === 2) return start(['update', 'delete', 'dump']);
    if (words.length === 3) return start(view?.maps.map((m) => m.name) ?? []);
    if (words.length === 5 && words[1] === 'update') return start(view?.programs.map((p) => p.name) ?? []);
    return [];
  }
  if (view) {
    for (const p of view.programs) {
      out.push(p.name, p.name + ':');
      for (const f of p.funcs) out.push(f.name);
    }
    for (const m of view.maps) out.push(m.name);
    for (const b of view.breakpoints) out.push(String(b.id));
  }
  return [...new Set(out)].filter((w) => w.startsWith(last));
}

/** Engine candidates first (they know more), then the View's; de-duplicated. */
export function mergeCompletions(fromPort: string[], fromView: string[]): string[] {
  return [...new Set([...fromPort, ...fromView])];
}
