// The App's output: the screen as rows of styled Lines. Under runTui the rows go to the
// FrameSink (the frame writer, which updates the terminal itself) and Ink draws nothing;
// without a sink (tests, inline mode) Ink draws the same rows.
import React, { createContext, useContext, useLayoutEffect } from 'react';
import type { FrameSink } from './frameWriter.ts';
import { LinesView } from './panes/LinesView.tsx';
import type { Line } from './styled.ts';

export const FrameSinkContext = createContext<FrameSink | null>(null);

export function Screen({ rows, width, height }: { rows: readonly Line[]; width: number; height: number }): React.ReactElement | null {
  const sink = useContext(FrameSinkContext);
  // After the commit, as Ink writes its own frame after the commit.
  useLayoutEffect(() => sink?.frame(rows, width, height), [sink, rows, width, height]);
  return sink ? null : <LinesView lines={rows} width={width} height={height} />;
}
