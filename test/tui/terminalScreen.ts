// A small terminal emulator for tests and bench/tui.tsx: replays the bytes a program wrote
// to its terminal and shows the screen that results, written from ECMA-48 / xterm
// behaviour, not from the TUI's code. It knows what the TUI and Ink emit: printable text
// with autowrap (a full last column waits to wrap, xterm's DECAWM; an erase there clears
// that column, as xterm and Ghostty do and tmux does not), CR, LF (scrolling at
// the bottom), BS, cursor moves (CUP, CUU/CUD/CUF/CUB, CNL/CPL, CHA), erases (ED, EL),
// SGR (bold, dim, italic, inverse, 16 foreground colours), and the private modes 1049
// (alternate screen), 25 (cursor) and 2026 (synchronized output). Like a tty, whose
// line discipline turns LF into CR LF on output (ONLCR, which libuv's raw mode keeps), it
// starts a written '\n' at column 0.

export interface CellStyle {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  inverse: boolean;
  /** SGR foreground code (31 red, 90 gray); 0 is the default. */
  fg: number;
}

interface Cell {
  ch: string;
  style: CellStyle;
}

const DEFAULT: CellStyle = { bold: false, dim: false, italic: false, inverse: false, fg: 0 };

/** Columns of a code point: 2 for the East Asian wide ranges the TUI may meet, 0 for combining marks. */
function cpWidth(cp: number): number {
  if (cp >= 0x300 && cp <= 0x36f) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xff00 && cp <= 0xff60)
  )
    return 2;
  return 1;
}

export class TerminalScreen {
  private main: Cell[][];
  private alt: Cell[][];
  private inAlt = false;
  x = 0;
  y = 0;
  private savedMain = { x: 0, y: 0 };
  private pendingWrap = false;
  private style: CellStyle = { ...DEFAULT };
  cursorVisible = true;
  /** Synchronized-output nesting now (BSU without its ESU). */
  syncOpen = false;
  /** Lines scrolled off the top by LF at the bottom or autowrap. */
  scrolled = 0;
  private rest = '';

  constructor(
    public cols: number,
    public rows: number,
  ) {
    this.main = this.blank();
    this.alt = this.blank();
  }

  get altScreen(): boolean {
    return this.inAlt;
  }

  private blank(): Cell[][] {
    return Array.from({ length: this.rows }, () => this.blankRow());
  }

  private blankRow(): Cell[] {
    return Array.from({ length: this.cols }, () => ({ ch: ' ', style: DEFAULT }));
  }

  private get buf(): Cell[][] {
    return this.inAlt ? this.alt : this.main;
  }

  /** Feeds bytes; an escape sequence split across writes is kept until it is complete. */
  write(data: string): void {
    const s = this.rest + data;
    this.rest = '';
    let i = 0;
    while (i < s.length) {
      const c = s[i]!;
      if (c === '\x1b') {
        const n = this.escape(s, i);
        if (n === 0) {
          this.rest = s.slice(i);
          return;
        }
        i += n;
        continue;
      }
      const cp = s.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      if (c === '\r') this.cr();
      else if (c === '\n') {
        this.cr();
        this.lf();
      } else if (c === '\b') this.setX(this.x - 1);
      else if (cp >= 0x20 && cp !== 0x7f) this.print(s.slice(i, i + len), cpWidth(cp));
      i += len;
    }
  }

  /** Length of the escape sequence at s[i] (0: incomplete). */
  private escape(s: string, i: number): number {
    if (i + 1 >= s.length) return 0;
    const kind = s[i + 1]!;
    if (kind === '[') {
      let j = i + 2;
      while (j < s.length && /[0-9;?:<=>]/.test(s[j]!)) j++;
      while (j < s.length && /[ -/]/.test(s[j]!)) j++;
      if (j >= s.length) return 0;
      this.csi(s.slice(i + 2, j), s[j]!);
      return j + 1 - i;
    }
    if (kind === ']') {
      // OSC: up to BEL or ST; nothing the screen shows.
      const bel = s.indexOf('\x07', i);
      const st = s.indexOf('\x1b\\', i);
      const end = bel < 0 ? st : st < 0 ? bel : Math.min(bel, st);
      if (end < 0) return 0;
      return end - i + (s[end] === '\x07' ? 1 : 2);
    }
    if (kind === '7') this.savedMain = { x: this.x, y: this.y };
    if (kind === '8') this.moveTo(this.savedMain.y, this.savedMain.x);
    return 2;
  }

  private csi(params: string, final: string): void {
    const priv = params.startsWith('?');
    const nums = (priv ? params.slice(1) : params).split(';').map((p) => (p === '' ? NaN : Number(p)));
    const n = (k: number, dflt: number): number => (Number.isNaN(nums[k] ?? NaN) ? dflt : nums[k]!);
    if (priv) {
      if (final !== 'h' && final !== 'l') return;
      const on = final === 'h';
      for (const m of nums) {
        if (m === 1049) this.switchAlt(on);
        else if (m === 25) this.cursorVisible = on;
        else if (m === 2026) this.syncOpen = on;
      }
      return;
    }
    switch (final) {
      case 'H':
      case 'f':
        return this.moveTo(n(0, 1) - 1, n(1, 1) - 1);
      case 'A':
        return this.moveTo(this.y - n(0, 1), this.x);
      case 'B':
        return this.moveTo(this.y + n(0, 1), this.x);
      case 'C':
        return this.moveTo(this.y, this.x + n(0, 1));
      case 'D':
        return this.moveTo(this.y, this.x - n(0, 1));
      case 'E':
        return this.moveTo(this.y + n(0, 1), 0);
      case 'F':
        return this.moveTo(this.y - n(0, 1), 0);
      case 'G':
        return this.moveTo(this.y, n(0, 1) - 1);
      case 'J':
        return this.eraseDisplay(n(0, 0));
      case 'K':
        return this.eraseLine(n(0, 0));
      case 'm':
        return this.sgr(nums.length ? nums : [0]);
    }
  }

  private sgr(codes: number[]): void {
    for (const c of codes.map((x) => (Number.isNaN(x) ? 0 : x))) {
      const st = this.style;
      if (c === 0) this.style = { ...DEFAULT };
      else if (c === 1) this.style = { ...st, bold: true };
      else if (c === 2) this.style = { ...st, dim: true };
      else if (c === 3) this.style = { ...st, italic: true };
      else if (c === 7) this.style = { ...st, inverse: true };
      else if (c === 22) this.style = { ...st, bold: false, dim: false };
      else if (c === 23) this.style = { ...st, italic: false };
      else if (c === 27) this.style = { ...st, inverse: false };
      else if (c === 39) this.style = { ...st, fg: 0 };
      else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97)) this.style = { ...st, fg: c };
    }
  }

  private switchAlt(on: boolean): void {
    if (on === this.inAlt) return;
    if (on) {
      this.savedMain = { x: this.x, y: this.y };
      this.alt = this.blank();
      this.inAlt = true;
    } else {
      this.inAlt = false;
      this.moveTo(this.savedMain.y, this.savedMain.x);
    }
  }

  private moveTo(y: number, x: number): void {
    this.y = Math.max(0, Math.min(this.rows - 1, y));
    this.setX(x);
  }

  private setX(x: number): void {
    this.x = Math.max(0, Math.min(this.cols - 1, x));
    this.pendingWrap = false;
  }

  private cr(): void {
    this.setX(0);
  }

  private lf(): void {
    this.pendingWrap = false;
    if (this.y === this.rows - 1) {
      this.buf.shift();
      this.buf.push(this.blankRow());
      this.scrolled++;
    } else {
      this.y++;
    }
  }

  private print(ch: string, w: number): void {
    if (w === 0) return;
    if (this.pendingWrap || this.x + w > this.cols) {
      this.cr();
      this.lf();
    }
    const row = this.buf[this.y]!;
    row[this.x] = { ch, style: this.style };
    if (w === 2 && this.x + 1 < this.cols) row[this.x + 1] = { ch: '', style: this.style };
    if (this.x + w >= this.cols) {
      this.x = this.cols - 1;
      this.pendingWrap = true;
    } else {
      this.x += w;
    }
  }

  private eraseLine(mode: number): void {
    const row = this.buf[this.y]!;
    const [from, to] = mode === 0 ? [this.x, this.cols] : mode === 1 ? [0, this.x + 1] : [0, this.cols];
    for (let x = from; x < to; x++) row[x] = { ch: ' ', style: DEFAULT };
    this.pendingWrap = false;
  }

  private eraseDisplay(mode: number): void {
    if (mode === 2 || mode === 3) {
      for (let y = 0; y < this.rows; y++) this.buf[y] = this.blankRow();
      return;
    }
    const ys = mode === 0 ? [this.y + 1, this.rows] : [0, this.y];
    this.eraseLine(mode === 0 ? 0 : 1);
    for (let y = ys[0]!; y < ys[1]!; y++) this.buf[y] = this.blankRow();
  }

  /** Row `y` as text, trailing blanks removed. */
  row(y: number): string {
    return this.buf[y]!.map((c) => c.ch)
      .join('')
      .replace(/ +$/, '');
  }

  /** The whole screen as text, one line per row, trailing blanks removed. */
  text(): string {
    return Array.from({ length: this.rows }, (_, y) => this.row(y)).join('\n');
  }

  /** Row `y` with its styles, for comparing two screens cell by cell. */
  styledRow(y: number): string {
    return JSON.stringify(this.buf[y]!.map((c) => [c.ch, c.style.bold, c.style.dim, c.style.italic, c.style.inverse, c.style.fg]));
  }

  styleAt(x: number, y: number): CellStyle {
    return this.buf[y]![x]!.style;
  }

  /** The terminal's window changes size: rows are cut or padded (no reflow). */
  resize(cols: number, rows: number): void {
    const fit = (b: Cell[][]): Cell[][] =>
      Array.from({ length: rows }, (_, y) => Array.from({ length: cols }, (_, x) => b[y]?.[x] ?? { ch: ' ', style: DEFAULT }));
    this.cols = cols;
    this.rows = rows;
    this.main = fit(this.main);
    this.alt = fit(this.alt);
    this.moveTo(this.y, this.x);
  }
}
