// A pane's lines as an Ink component, for tests that render a pane alone through
// ink-testing-library (the TUI itself draws the lines through screen.tsx / frameWriter.ts).
import React from 'react';
import { LinesView } from '../../src/tui/panes/LinesView.tsx';
import type { Line } from '../../src/tui/styled.ts';
import { useTheme, type Theme } from '../../src/tui/theme.ts';

export function paneComponent<P extends { width: number; height: number }>(paneLines: (props: P, theme: Theme) => Line[]): (props: P) => React.ReactElement {
  return (props) => <LinesView lines={paneLines(props, useTheme())} width={props.width} height={props.height} />;
}
