// The C source around the current line (gdb's `layout src` window): the PC's line marked
// ►, breakpoint lines ●. A pure view of View.source, centred on the current line unless
// scrolled.
import React from 'react';
import type { View } from '../../debugger/view.ts';
import { clip, windowStart } from '../format.ts';
import { span, type Line } from '../styled.ts';
import { useTheme, type Theme } from '../theme.ts';
import { LinesView } from './LinesView.tsx';
import { bodyRows, emptyLine, paneFrame } from './paneFrame.ts';

export interface SourcePaneProps {
  view: View;
  focused: boolean;
  width: number;
  height: number;
  scroll?: number | null;
}

/** Rows of content (scroll limit). */
export const sourceRows = (view: View): number => view.source?.lines.length ?? 0;

export function sourcePaneLines({ view, focused, width, height, scroll = null }: SourcePaneProps, theme: Theme): Line[] {
  const src = view.source;
  if (!src || src.lines.length === 0)
    return paneFrame({ title: 'Source', focused, width, height }, [emptyLine('no source line information here', theme)], theme);
  const rows = bodyRows(height);
  const cur = src.lines.findIndex((l) => l.current);
  const start = scroll === null ? windowStart(src.lines.length, rows, cur < 0 ? null : cur) : windowStart(src.lines.length, rows, null, scroll);
  const body = src.lines.slice(start, start + rows).map((l) => {
    const mark = `${l.breakpoint ? '●' : ' '}${l.current ? '►' : ' '}`;
    const text = clip(`${String(l.line).padStart(4)}│ ${l.text.replace(/\t/g, '    ')}`, Math.max(0, width - 3));
    return [
      span(mark, { color: l.breakpoint ? theme.breakpoint : theme.current, bold: true }),
      span(text, { bold: l.current, color: l.current ? theme.current : undefined }),
    ];
  });
  const file = src.file.slice(src.file.lastIndexOf('/') + 1);
  return paneFrame({ title: 'Source', info: src.current === null ? file : `${file}:${src.current}`, focused, width, height }, body, theme);
}

export function SourcePane(props: SourcePaneProps): React.ReactElement {
  return <LinesView lines={sourcePaneLines(props, useTheme())} width={props.width} height={props.height} />;
}
