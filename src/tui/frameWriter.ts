// The full-screen TUI's output: frames of styled Lines go to the terminal as the bytes
// that change what it shows, and nothing else. A step changes a dozen rows of a 60-row
// screen, so only those rows are rewritten, each in place (cursor to the row, the row,
// erase the rest of it): no erase-then-draw, so no flicker even where the terminal
// ignores synchronized output. Ink would rebuild and rewrite the whole screen from
// styled characters on every frame (docs/PERFORMANCE.md, "Terminal UI").
import { encodeLine } from './sgr.ts';
import { lineWidth, truncate, type Line, type Span } from './styled.ts';

/** Synchronized output (DEC mode 2026): the terminal shows the frame when it is complete. */
export const BSU = '\x1b[?2026h';
export const ESU = '\x1b[?2026l';
const cup = (row: number): string => `\x1b[${row + 1};1H`;
/** Erase from the cursor to the end of the line (EL 0). */
const EL = '\x1b[K';
const HOME_CLEAR = '\x1b[H\x1b[2J';

/** A frame as the terminal will show it: one encoded string per row. */
export interface EncodedFrame {
  width: number;
  height: number;
  rows: readonly string[];
  /** Rows that fill every column (no erase after them: see frameDiff). */
  fills: readonly boolean[];
}

/** Trailing blanks that look like empty cells (not inverse) are left to the erase. */
function trimBlankEnd(l: Line): Line {
  let end = l.length;
  while (end > 0) {
    const s = l[end - 1]!;
    if (s.style.inverse) break;
    const t = s.text.replace(/ +$/, '');
    if (t === '') {
      end--;
      continue;
    }
    if (t.length === s.text.length) break;
    const out: Span[] = l.slice(0, end - 1);
    out.push({ text: t, style: s.style });
    return out;
  }
  return end === l.length ? l : l.slice(0, end);
}

export function encodeFrame(lines: readonly Line[], width: number, height: number): EncodedFrame {
  const rows: string[] = [];
  const fills: boolean[] = [];
  for (let y = 0; y < height; y++) {
    const l = trimBlankEnd(truncate(lines[y] ?? [], width));
    rows.push(encodeLine(l));
    fills.push(lineWidth(l) >= width);
  }
  return { width, height, rows, fills };
}

/**
 * The bytes that turn a terminal showing `prev` into one showing `next`: each changed row
 * rewritten in place. A row that fills the width gets no erase after it: the cursor then
 * sits on the last column waiting to wrap, and an erase there clears that column (xterm,
 * Ghostty; tmux keeps it).
 * After a resize, or when what the terminal shows is unknown (`prev` null), every row is
 * drawn on a cleared screen.
 */
export function frameDiff(prev: EncodedFrame | null, next: EncodedFrame): string {
  let out = '';
  if (!prev || prev.width !== next.width || prev.height !== next.height) {
    out = HOME_CLEAR;
    next.rows.forEach((r, y) => {
      if (r !== '') out += cup(y) + r;
    });
    return out;
  }
  next.rows.forEach((r, y) => {
    if (r !== prev.rows[y]) out += cup(y) + r + (next.fills[y] ? '' : EL);
  });
  return out;
}

export interface FrameOut {
  write(s: string): unknown;
  readonly isTTY?: boolean;
}

export interface FrameWriterOptions {
  /**
   * Least time between two frames. Frames asked for in one turn of the event loop (a key's
   * busy marker and its View) always merge into one; a stream of Views (progress while
   * running) is written at most this often. 0: no cap.
   */
  minIntervalMs?: number;
}

/** Where the TUI's frames go (the App's Screen hands each frame to it). */
export interface FrameSink {
  frame(lines: readonly Line[], width: number, height: number): void;
}

export class FrameWriter implements FrameSink {
  private shown: EncodedFrame | null = null;
  private latest: { lines: readonly Line[]; width: number; height: number } | null = null;
  private dirty = false;
  private cancel: (() => void) | null = null;
  private lastWrite = -Infinity;
  private disposed = false;
  private readonly minInterval: number;

  constructor(
    private readonly out: FrameOut,
    opts: FrameWriterOptions = {},
  ) {
    this.minInterval = opts.minIntervalMs ?? 0;
  }

  frame(lines: readonly Line[], width: number, height: number): void {
    if (this.disposed) return;
    this.latest = { lines, width, height };
    this.dirty = true;
    this.schedule();
  }

  /** Something else wrote to the terminal: draw the whole frame again. */
  invalidate(): void {
    if (this.disposed) return;
    this.shown = null;
    if (this.latest) {
      this.dirty = true;
      this.schedule();
    }
  }

  /** Writes the latest frame now, if it is not on the terminal yet. */
  flush = (): void => {
    this.cancel?.();
    this.cancel = null;
    if (this.disposed || !this.dirty || !this.latest) return;
    this.dirty = false;
    const { lines, width, height } = this.latest;
    const next = encodeFrame(lines, width, height);
    const bytes = frameDiff(this.shown, next);
    this.shown = next;
    this.lastWrite = performance.now();
    if (bytes === '') return;
    // One write per frame: a crash or an exit can never leave a frame half-written, or
    // the terminal inside a synchronized update.
    this.out.write(this.out.isTTY ? BSU + bytes + ESU : bytes);
  };

  /** Stops writing (before the terminal is restored); pending frames are dropped. */
  dispose(): void {
    this.disposed = true;
    this.cancel?.();
    this.cancel = null;
  }

  private schedule(): void {
    if (this.cancel) return;
    const wait = this.lastWrite + this.minInterval - performance.now();
    if (wait > 0) {
      const t = setTimeout(this.flush, wait);
      this.cancel = () => clearTimeout(t);
    } else {
      const t = setImmediate(this.flush);
      this.cancel = () => clearImmediate(t);
    }
  }
}
