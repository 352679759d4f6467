// One row: arch and profile, where the PC is, why it stopped (or progress while running).
import type { View } from '../../debugger/view.ts';
import { describeHistory, describeLocation, describeRun } from '../describe.ts';
import { fit } from '../format.ts';
import { line, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';

export function statusBarLine(view: View, width: number, theme: Theme): Line {
  const left = ` bpfdbg  ${view.arch} ${view.profile.name}`;
  const where = describeLocation(view.location);
  const run = describeRun(view);
  const history = describeHistory(view.history);
  const right = `${history ? `  ${history}  ` : ''}? help `;
  const mid = [where, run].filter(Boolean).join('  |  ');
  const body = fit(`${left}  |  ${mid}`, Math.max(0, width - right.length)) + right;
  const alarm = view.stop?.kind === 'fault' || view.stop?.kind === 'poke';
  return line(fit(body, width), { inverse: true, bold: true, color: alarm ? theme.error : theme.title });
}
