// Maps: prog_array slots with the program in each; other maps' entries as bytes
// (and numbers when the key/value are 1, 2, 4 or 8 bytes).
import type { MapView, View } from '../../debugger/view.ts';
import { clip, windowStart } from '../format.ts';
import { line, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

export interface MapsPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

function mapRows(m: MapView, width: number, theme: Theme): Line[] {
  const out: Line[] = [line(clip(`${m.name} (${m.type}, ${m.keySize}/${m.valueSize}, max ${m.maxEntries})`, width), { bold: true })];
  for (const s of m.progSlots ?? []) {
    out.push(
      line(clip(`  [${s.key}] ${s.program ?? '-'}`, width), {
        color: s.changed ? theme.changed : s.program ? theme.tailCall : theme.dim,
        bold: s.changed,
        inverse: s.changed && !theme.color,
      }),
    );
  }
  if (m.entries) {
    for (const e of m.entries) {
      const style = { color: e.changed ? theme.changed : undefined, bold: e.changed, inverse: e.changed && !theme.color };
      if (e.vars) {
        for (const v of e.vars) out.push(line(clip(`  ${v.type} ${v.name} = ${v.value}`, width), style));
        continue;
      }
      const key = e.keyNum ?? e.key;
      const val = e.valueNum !== null ? `${e.valueNum}  (${e.value})` : e.value;
      out.push(line(clip(`  ${key}: ${val}`, width), { color: e.changed ? theme.changed : undefined, bold: e.changed, inverse: e.changed && !theme.color }));
    }
    if (m.truncated) out.push(line(clip(`  … ${m.totalEntries - m.entries.length} more`, width), { color: theme.dim }));
  }
  return out;
}

export function buildMapRows(view: View, width: number, theme: Theme): Line[] {
  return view.maps.flatMap((m) => mapRows(m, width, theme));
}

export function mapsPaneLines({ view, focused, width, height, scroll = null }: MapsPaneProps, theme: Theme): Line[] {
  if (view.maps.length === 0) return paneFrame({ title: 'Maps', focused, width, height }, [emptyLine('no maps', theme)], theme);
  const all = buildMapRows(view, width - 1, theme);
  const rows = bodyRows(height);
  const start = windowStart(all.length, rows, null, scroll ?? 0);
  return paneFrame({ title: 'Maps', info: String(view.maps.length), focused, width, height }, all.slice(start, start + rows), theme);
}
