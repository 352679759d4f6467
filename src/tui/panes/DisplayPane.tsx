// The `display` expressions at the current stop (View.displays): `1: hops = 3`, or why
// one cannot be evaluated here. A pure view of the snapshot.
import React from 'react';
import type { View } from '../../debugger/view.ts';
import { displayLine } from '../../debugger/displays.ts';
import { clip, windowStart } from '../format.ts';
import { line, type Line } from '../styled.ts';
import { useTheme, type Theme } from '../theme.ts';
import { LinesView } from './LinesView.tsx';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

export interface DisplayPaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

export function displayPaneLines({ view, focused, width, height, scroll = null }: DisplayPaneProps, theme: Theme): Line[] {
  const ds = view.displays ?? [];
  if (ds.length === 0) return paneFrame({ title: 'Display', focused, width, height }, [emptyLine('no displays (display EXPR)', theme)], theme);
  const rows = bodyRows(height);
  const start = scroll === null ? 0 : windowStart(ds.length, rows, null, scroll);
  const body = ds.slice(start, start + rows).map((d) => line(clip(displayLine(d), width - 1), { color: d.error ? theme.dim : undefined }));
  return paneFrame({ title: 'Display', info: `${ds.length}`, focused, width, height }, body, theme);
}

export function DisplayPane(props: DisplayPaneProps): React.ReactElement {
  return <LinesView lines={displayPaneLines(props, useTheme())} width={props.width} height={props.height} />;
}
