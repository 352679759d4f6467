// Styled text, the TUI's drawing model: a screen row is a Line of Spans, each a run of
// text in one Style. Panes build Lines from the View as pure functions; the same Lines go
// to the terminal through the frame writer (sgr.ts, frameWriter.ts) or, in tests, to Ink
// (panes/LinesView.tsx). The Style props are Ink's <Text> props, so both show the same.

export interface Style {
  /** A named colour ('green', 'gray'); undefined is the terminal's default. */
  readonly color?: string | undefined;
  readonly bold?: boolean | undefined;
  /** Ink's dimColor (SGR 2). */
  readonly dim?: boolean | undefined;
  readonly italic?: boolean | undefined;
  readonly inverse?: boolean | undefined;
}

export interface Span {
  readonly text: string;
  readonly style: Style;
}

export type Line = readonly Span[];

export const PLAIN: Style = {};

export const span = (text: string, style: Style = PLAIN): Span => ({ text, style });

/** A one-span line. */
export const line = (text: string, style: Style = PLAIN): Line => [{ text, style }];

export const textOf = (l: Line): string => l.map((s) => s.text).join('');

/**
 * Nests `inner` inside `outer` as nested Ink <Text>s do: the inner colour wins, a flag
 * set on either side is set (an inner bold={false} does not undo an outer bold).
 */
export function nest(outer: Style, inner: Style): Style {
  if (outer === PLAIN) return inner;
  if (inner === PLAIN) return outer;
  return {
    color: inner.color ?? outer.color,
    bold: inner.bold || outer.bold,
    dim: inner.dim || outer.dim,
    italic: inner.italic || outer.italic,
    inverse: inner.inverse || outer.inverse,
  };
}

/** Every span of `l` nested inside `outer`. */
export const withStyle = (l: Line, outer: Style): Line => (outer === PLAIN ? l : l.map((s) => span(s.text, nest(outer, s.style))));

/** Control characters would move the terminal's cursor: a tab shows as a space, others as U+FFFD. */
export function printable(s: string): string {
  return /[\x00-\x1f\x7f-\x9f]/.test(s) ? s.replace(/\t/g, ' ').replace(/[\x00-\x1f\x7f-\x9f]/g, '\ufffd') : s;
}

/** Columns a code point takes: 0 for combining marks and joiners, 2 for East Asian wide and emoji. */
function cpWidth(cp: number): number {
  if (cp < 0x300) return 1;
  if ((cp >= 0x300 && cp <= 0x36f) || cp === 0x200b || cp === 0x200c || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

/** Terminal columns `s` takes (after `printable`). */
export function widthOf(s: string): number {
  if (/^[\x00-\u02ff]*$/.test(s)) return s.length;
  let w = 0;
  for (const ch of s) w += cpWidth(ch.codePointAt(0)!);
  return w;
}

export const lineWidth = (l: Line): number => l.reduce((n, s) => n + widthOf(s.text), 0);

/** The longest prefix of `s` that fits in `cols` columns. */
function sliceCols(s: string, cols: number): string {
  if (widthOf(s) <= cols) return s;
  let w = 0;
  let out = '';
  for (const ch of s) {
    const cw = cpWidth(ch.codePointAt(0)!);
    if (w + cw > cols) break;
    w += cw;
    out += ch;
  }
  return out;
}

/**
 * Ink's wrap="truncate-end" (cli-truncate): a line wider than `width` keeps `width - 1`
 * columns and ends in '…', in the style of the text it follows.
 */
export function truncate(l: Line, width: number): Line {
  if (width <= 0) return [];
  if (lineWidth(l) <= width) return l;
  const out: Span[] = [];
  let room = width - 1;
  let last: Style = l[0]?.style ?? PLAIN;
  for (const s of l) {
    if (room <= 0) break;
    const t = sliceCols(s.text, room);
    if (t) {
      out.push(span(t, s.style));
      last = s.style;
    }
    room -= widthOf(t);
    if (t.length < s.text.length) break;
  }
  out.push(span('…', last));
  return out;
}

/** Exactly `width` columns: truncated as Ink does, or padded with unstyled spaces. */
export function fitLine(l: Line, width: number): Line {
  const t = truncate(l, width);
  const w = lineWidth(t);
  return w < width ? [...t, span(' '.repeat(width - w))] : t;
}

/** Blocks side by side, each `width` columns wide, as rows of a Box with flexDirection="row". */
export function besides(blocks: readonly { lines: readonly Line[]; width: number }[], height: number): Line[] {
  const rows: Line[] = [];
  for (let y = 0; y < height; y++) {
    const row: Span[] = [];
    blocks.forEach((b, i) => {
      const l = b.lines[y] ?? [];
      // The last block needs no padding: trailing blanks are what an empty cell shows.
      row.push(...(i === blocks.length - 1 ? truncate(l, b.width) : fitLine(l, b.width)));
    });
    rows.push(row);
  }
  return rows;
}
