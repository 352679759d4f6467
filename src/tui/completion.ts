// Completion candidates: the engine's (through the port) merged with names the View
// already holds, so completion works before the engine knows anything about a name.
import { COMMAND_ALIASES, COMMAND_NAMES } from '../debugger/command.ts';
import type { View } from '../debugger/view.ts';

/** Subcommands worth completing after `info`. */
const INFO_TOPICS = ['registers', 'frame', 'breakpoints', 'pokes', 'maps', 'tailcalls', 'stack', 'program'];

/** Names from the View for the last word of `line`: command names first, then symbols. */
export function viewCompletions(view: View | null, line: string): string[] {
  const words = line.split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (words.length <= 1) {
    return [...COMMAND_NAMES, ...Object.keys(COMMAND_ALIASES)].filter((w) => w.startsWith(last));
  }
  const out: string[] = [];
  if (words[0] === 'info' || words[0] === 'i') out.push(...INFO_TOPICS);
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
