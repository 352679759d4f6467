import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BSU, ESU, FrameWriter, encodeFrame, frameDiff } from '../../src/tui/frameWriter.ts';
import { line, span, type Line } from '../../src/tui/styled.ts';
import { TerminalScreen } from './terminalScreen.ts';

const W = 24;
const H = 6;
const frameOf = (rows: (string | Line)[]): Line[] => rows.map((r) => (typeof r === 'string' ? line(r) : r));
/** Rows a diff moves the cursor to (CUP row;1H), in order. */
const rowsWritten = (bytes: string): number[] => [...bytes.matchAll(/\x1b\[(\d+);1H/g)].map((m) => Number(m[1]) - 1);

const A = frameOf(['status: stopped', 'code  ► 0: r6 = r1', 'code    1: exit', 'regs r0 0x0', '', '(bpfdbg)']);
const B = frameOf(['status: after stepi', 'code    0: r6 = r1', 'code  ► 1: exit', 'regs r0 0x0', '', '(bpfdbg)']);

class Out {
  writes: string[] = [];
  constructor(readonly isTTY: boolean) {}
  write(s: string): boolean {
    this.writes.push(s);
    return true;
  }
}
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('frameDiff', () => {
  it('writes exactly the rows that changed, and the terminal then shows the second frame', () => {
    const s = new TerminalScreen(W, H);
    const a = encodeFrame(A, W, H);
    s.write(frameDiff(null, a));
    const d = frameDiff(a, encodeFrame(B, W, H));
    assert.deepEqual(rowsWritten(d), [0, 1, 2]);
    s.write(d);
    assert.equal(s.text(), B.map((l) => l.map((x) => x.text).join('')).join('\n'));
  });

  it('writes nothing when nothing changed', () => {
    assert.equal(frameDiff(encodeFrame(A, W, H), encodeFrame(frameOf([...A.map((l) => l.map((x) => x.text).join(''))]), W, H)), '');
  });

  it('clears what a longer row left behind, and changes style in place', () => {
    const s = new TerminalScreen(W, H);
    const a = encodeFrame(frameOf(['a long row of old text', 'x']), W, H);
    s.write(frameDiff(null, a));
    s.write(frameDiff(a, encodeFrame(frameOf(['short', [span('x', { inverse: true })]]), W, H)));
    assert.equal(s.row(0), 'short');
    assert.equal(s.row(1), 'x');
    assert.equal(s.styleAt(0, 1).inverse, true);
    assert.equal(s.styleAt(1, 1).inverse, false, 'the erase after a row clears in the default rendition');
  });

  it('keeps the last column of a row that fills the width (no erase at the pending wrap)', () => {
    const full = 'x'.repeat(W - 1) + 'Z';
    const s = new TerminalScreen(W, H);
    const a = encodeFrame(frameOf(['', full.replace('Z', 'Y')]), W, H);
    s.write(frameDiff(null, a));
    s.write(frameDiff(a, encodeFrame(frameOf([[span('title', { inverse: true })], full]), W, H)));
    assert.equal(s.row(1), full);
    assert.equal(s.scrolled, 0);
  });

  it('keeps inverse blanks at the end of a row (they show) and drops plain ones (the erase clears them)', () => {
    const bar = encodeFrame([[span(' bpfdbg' + ' '.repeat(W - 7), { inverse: true })], line('text      ')], W, 2);
    const s = new TerminalScreen(W, 2);
    s.write(frameDiff(null, bar));
    assert.equal(s.styleAt(W - 1, 0).inverse, true);
    assert.ok(!bar.rows[1]!.endsWith(' '));
  });

  it('draws every row on a cleared screen after a resize', () => {
    const s = new TerminalScreen(W, H);
    const a = encodeFrame(A, W, H);
    s.write(frameDiff(null, a));
    s.resize(30, 4);
    const small = frameOf(['status: small', 'code', '', '(bpfdbg)']);
    const d = frameDiff(a, encodeFrame(small, 30, 4));
    assert.ok(d.includes('\x1b[2J'));
    s.write(d);
    assert.equal(s.text(), 'status: small\ncode\n\n(bpfdbg)');
  });
});

describe('FrameWriter', () => {
  it('writes each frame as one synchronized update on a terminal, bare elsewhere', async () => {
    const tty = new Out(true);
    const w = new FrameWriter(tty);
    w.frame(A, W, H);
    await turn();
    assert.equal(tty.writes.length, 1);
    assert.ok(tty.writes[0]!.startsWith(BSU) && tty.writes[0]!.endsWith(ESU));
    const pipe = new Out(false);
    const p = new FrameWriter(pipe);
    p.frame(A, W, H);
    await turn();
    assert.ok(!pipe.writes[0]!.includes(BSU));
  });

  it('merges the frames of one turn of the event loop into one write of the last', async () => {
    const out = new Out(true);
    const w = new FrameWriter(out);
    w.frame(A, W, H);
    await turn();
    w.frame(B, W, H);
    w.frame(A, W, H);
    w.frame(B, W, H);
    assert.equal(out.writes.length, 1, 'nothing is written inside the turn');
    await turn();
    assert.equal(out.writes.length, 2);
    const s = new TerminalScreen(W, H);
    out.writes.forEach((x) => s.write(x));
    assert.match(s.row(2), /► 1: exit/);
  });

  it('holds a frame that comes sooner than the frame-rate cap, then writes the latest', async () => {
    const out = new Out(true);
    const w = new FrameWriter(out, { minIntervalMs: 60_000 });
    w.frame(A, W, H);
    await turn();
    w.frame(B, W, H);
    await turn();
    assert.equal(out.writes.length, 1);
    w.flush();
    assert.equal(out.writes.length, 2);
    assert.deepEqual(rowsWritten(out.writes[1]!), [0, 1, 2]);
    w.dispose();
  });

  it('redraws every row after something else wrote to the terminal', async () => {
    const out = new Out(true);
    const s = new TerminalScreen(W, H);
    const w = new FrameWriter(out);
    w.frame(A, W, H);
    await turn();
    s.write(out.writes.join(''));
    s.write('\x1b[3;1Hconsole.log output\n');
    w.invalidate();
    await turn();
    s.write(out.writes[1]!);
    assert.equal(s.row(2), 'code    1: exit');
  });

  it('writes nothing once disposed (the terminal is being restored)', async () => {
    const out = new Out(true);
    const w = new FrameWriter(out, { minIntervalMs: 60_000 });
    w.frame(A, W, H);
    await turn();
    w.frame(B, W, H);
    w.dispose();
    w.flush();
    w.frame(A, W, H);
    w.invalidate();
    await turn();
    assert.equal(out.writes.length, 1);
  });
});
