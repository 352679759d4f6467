// Maps: prog_array slots with the program in each; other maps' entries as bytes
// (and numbers when the key/value are 1, 2, 4 or 8 bytes).
import React from 'react';
import { Text } from 'ink';
import type { MapView, View } from '../../debugger/view.ts';
import { clip, windowStart } from '../format.ts';
import { useTheme, type Theme } from '../theme.ts';
import { Empty, PaneFrame, bodyRows } from './PaneFrame.tsx';

export interface MapsPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

function mapRows(m: MapView, width: number, theme: Theme): React.ReactElement[] {
  const k = `m${m.index}`;
  const out: React.ReactElement[] = [
    <Text key={k} bold wrap="truncate-end">
      {clip(`${m.name} (${m.type}, ${m.keySize}/${m.valueSize}, max ${m.maxEntries})`, width)}
    </Text>,
  ];
  if (m.progSlots) {
    for (const s of m.progSlots) {
      out.push(
        <Text key={`${k}s${s.key}`} wrap="truncate-end" color={s.changed ? theme.changed : s.program ? theme.tailCall : theme.dim} bold={s.changed} inverse={s.changed && !theme.color}>
          {clip(`  [${s.key}] ${s.program ?? '-'}`, width)}
        </Text>,
      );
    }
  }
  if (m.entries) {
    m.entries.forEach((e, i) => {
      const key = e.keyNum ?? e.key;
      const val = e.valueNum !== null ? `${e.valueNum}  (${e.value})` : e.value;
      out.push(
        <Text key={`${k}e${i}`} wrap="truncate-end" color={e.changed ? theme.changed : undefined} bold={e.changed} inverse={e.changed && !theme.color}>
          {clip(`  ${key}: ${val}`, width)}
        </Text>,
      );
    });
    if (m.truncated) {
      out.push(
        <Text key={`${k}t`} color={theme.dim} wrap="truncate-end">
          {clip(`  … ${m.totalEntries - m.entries.length} more`, width)}
        </Text>,
      );
    }
  }
  return out;
}

export function buildMapRows(view: View, width: number, theme: Theme): React.ReactElement[] {
  return view.maps.flatMap((m) => mapRows(m, width, theme));
}

export function MapsPane({ view, focused, width, height, scroll = null }: MapsPaneProps): React.ReactElement {
  const theme = useTheme();
  if (view.maps.length === 0) {
    return (
      <PaneFrame title="Maps" focused={focused} width={width} height={height}>
        <Empty text="no maps" />
      </PaneFrame>
    );
  }
  const all = buildMapRows(view, width - 1, theme);
  const rows = bodyRows(height);
  const start = windowStart(all.length, rows, null, scroll ?? 0);
  return (
    <PaneFrame title="Maps" info={String(view.maps.length)} focused={focused} width={width} height={height}>
      {all.slice(start, start + rows)}
    </PaneFrame>
  );
}
