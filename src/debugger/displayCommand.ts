// `display [/f] EXPR`, `display`, `undisplay [N...]` and `info display`, over the session's
// DisplayList; the displays themselves are shown after every stop by the session (showDisplays).
import type { Diag } from '../common/diag.ts';
import type { DataCommand } from './commands/dataCommands.ts';
import { displayLine, displayView } from './displays.ts';
import type { CommandContext } from './commandContext.ts';

export async function executeDisplay(s: CommandContext, cmd: Extract<DataCommand, { kind: 'display' | 'undisplay' }>): Promise<Diag | null> {
  if (cmd.kind === 'undisplay') {
    if (cmd.ids.length === 0) {
      if (s.displays.all().length && s.confirm && !(await s.confirm('Delete all auto-display expressions? (y or n)'))) {
        s.print('Not confirmed.');
        return null;
      }
      s.displays.clear();
      return null;
    }
    for (const id of cmd.ids) if (!s.displays.remove(id)) return { code: 'debug.no-display', message: `No display number ${id}.`, place: {} };
    return null;
  }
  if (!cmd.expr) {
    s.showDisplays();
    return null;
  }
  const d = s.displays.add(cmd.text, cmd.expr, cmd.format);
  // gdb shows a new display at once when it can be evaluated here.
  const v = displayView(d, s.exprEnv());
  if (v.value !== null) s.print(displayLine(v));
  return null;
}

/** gdb's table; every display is enabled (no `disable display` here). */
export function infoDisplay(s: CommandContext): string {
  const all = s.displays.all();
  if (all.length === 0) return 'There are no auto-display expressions now.';
  return [
    'Auto-display expressions now in effect:',
    'Num Enb Expression',
    ...all.map((d) => `${`${d.id}:`.padEnd(4)} y  ${d.format ? `/${d.format} ` : ''}${d.text}`),
  ].join('\n');
}
