// A pane: a one-row title (inverse when focused) over `height - 1` rows of content, one
// column kept free on the right. No borders: at 80x24 every row and column counts.
import { fit } from '../format.ts';
import { line, truncate, type Line } from '../styled.ts';
import type { Theme } from '../theme.ts';

export interface PaneFrameProps {
  title: string;
  /** Right-hand part of the title row (frame, counts). */
  info?: string | undefined;
  focused: boolean;
  width: number;
  height: number;
}

/** The pane's rows: the title, then the first `height - 1` body rows, each cut to `width - 1` columns. */
export function paneFrame({ title, info, focused, width, height }: PaneFrameProps, body: readonly Line[], theme: Theme): Line[] {
  if (height <= 0) return [];
  const head = ` ${title}${focused ? ' *' : ''} `;
  const rest = info ? ` ${info}` : '';
  const top = line(fit(head + rest, width), { inverse: focused, bold: true, color: focused ? undefined : theme.title });
  return [top, ...body.slice(0, bodyRows(height)).map((l) => truncate(l, width - 1))];
}

/** Content rows a pane of `height` shows. */
export const bodyRows = (height: number): number => Math.max(0, height - 1);

/** The one row an empty pane shows ("no frame"). */
export const emptyLine = (text: string, theme: Theme): Line => line(text, { dim: !theme.color, color: theme.dim });
