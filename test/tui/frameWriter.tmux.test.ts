// The frame writer's bytes on a real terminal emulator: replayed into tmux, a first frame
// and then a diff (a shorter row, a full-width row, a restyled row) leave tmux showing the
// second frame, the same screen TerminalScreen shows for those bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame, frameDiff } from '../../src/tui/frameWriter.ts';
import { line, span, type Line } from '../../src/tui/styled.ts';
import { TerminalScreen } from './terminalScreen.ts';

const hasTmux = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
const W = 40;
const H = 8;

const A: Line[] = [
  [span(' bpfdbg  x86_64  |  stopped' + ' '.repeat(W - 27), { inverse: true, bold: true })],
  line(' Code *  prog_b'),
  [span(' ►  c010000c  sub rsp, 0x8', { bold: true, color: 'green' })],
  line('    c0100013  cmp rax, 0x21 and a long tail'),
  line('x'.repeat(W - 1) + 'Y'),
  line('r0  0x0000000000000000'),
  line(''),
  line('(bpfdbg)   : command  ? help  q quit'),
];
const B: Line[] = [
  [span(' bpfdbg  x86_64  |  after stepi' + ' '.repeat(W - 31), { inverse: true, bold: true })],
  line(' Code *  prog_b'),
  [span('    c010000c  sub rsp, 0x8', { color: 'gray' })],
  [span(' ►  c0100013  cmp rax, 0x21', { bold: true, color: 'green' })],
  line('z'.repeat(W - 1) + 'Z'),
  [span('r0  '), span('0x0000000000000001', { bold: true, color: 'yellow' })],
  line(''),
  line('(bpfdbg)   : command  ? help  q quit'),
];

test('tmux shows the second frame after the first frame and the diff', { skip: hasTmux ? false : 'tmux is not installed' }, async () => {
  const a = encodeFrame(A, W, H);
  const bytes = frameDiff(null, a) + frameDiff(a, encodeFrame(B, W, H));
  const model = new TerminalScreen(W, H);
  model.write(bytes);
  const dir = mkdtempSync(join(tmpdir(), 'bpfdbg-frames-'));
  const session = `bpfdbg-frames-${process.pid}`;
  try {
    writeFileSync(join(dir, 'frames'), bytes);
    // `cat` writes the bytes to tmux's pty; `sleep` keeps the pane open to be read.
    execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', String(W), '-y', String(H), `cat ${join(dir, 'frames')}; sleep 30`]);
    let shown = '';
    for (let i = 0; i < 100 && !shown.includes('after stepi'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      shown = execFileSync('tmux', ['capture-pane', '-t', session, '-p'], { encoding: 'utf8' });
    }
    const rows = shown
      .replace(/\n$/, '')
      .split('\n')
      .map((r) => r.replace(/ +$/, ''));
    assert.deepEqual(rows, model.text().split('\n'));
    assert.equal(rows[4], 'z'.repeat(W - 1) + 'Z', 'the full-width row keeps its last column');
    assert.match(rows[3]!, /► {2}c0100013/);
    assert.equal(rows[2], '    c010000c  sub rsp, 0x8', 'the longer old row is gone');
  } finally {
    spawnSync('tmux', ['kill-session', '-t', session], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  }
});
