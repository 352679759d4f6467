import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/tui/App.tsx';
import { KEY_HELP } from '../../src/tui/keymap.ts';
import { runTui, type TuiOptions } from '../../src/tui/run.tsx';
import { ALT_SCREEN_OFF, ALT_SCREEN_ON } from '../../src/tui/terminal.ts';
import { FakePort } from './fixtures/fakePort.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
import { FakeStdin, FakeStdout, TtyStdout, renderAt, tick, until, type Rendered } from './harness.ts';
import { TerminalScreen } from './terminalScreen.ts';

/** Rows a frame moves the cursor to (CUP row;1H). */
const rowsWritten = (bytes: string): number[] => [...bytes.matchAll(/\x1b\[(\d+);1H/g)].map((m) => Number(m[1]) - 1);
const trimRows = (s: string): string[] => s.split('\n').map((l) => l.replace(/ +$/, ''));

interface Running {
  stdout: TtyStdout;
  stdin: FakeStdin;
  port: FakePort;
  done: Promise<void>;
  quit: () => Promise<void>;
}

let open: Running | null = null;
afterEach(async () => {
  await open?.quit();
  open = null;
});

async function start(cols: number, rows: number, opts: TuiOptions = {}, port = new FakePort(x86TailCall)): Promise<Running> {
  const stdout = new TtyStdout(cols, rows);
  const stdin = new FakeStdin();
  const done = runTui(port, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStdout(cols, rows) as unknown as NodeJS.WriteStream,
    env: {},
    ...opts,
  });
  let quitting: Promise<void> | null = null;
  const r: Running = {
    stdout,
    stdin,
    port,
    done,
    quit: () => {
      quitting ??= (stdin.write('q'), done);
      return quitting;
    },
  };
  open = r;
  await until(() => / Code/.test(stdout.screen.text()), 'the first frame');
  return r;
}

describe('runTui', () => {
  it('renders on the alternate screen and leaves it when the user quits', async () => {
    const stdout = new FakeStdout(100, 30);
    const stdin = new FakeStdin();
    const port = new FakePort(x86TailCall);
    const done = runTui(port, {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      stderr: new FakeStdout(100, 30) as unknown as NodeJS.WriteStream,
      env: { NO_COLOR: '1' },
    });
    const all = () => stdout.frames.join('');
    await until(() => /Registers/.test(all()), 'the first frame');
    assert.ok(all().startsWith(ALT_SCREEN_ON), 'enters the alternate screen before the first frame');
    assert.match(all(), /Registers/);
    assert.ok(!all().includes(ALT_SCREEN_OFF));
    stdin.write('q');
    await done;
    assert.ok(all().endsWith(ALT_SCREEN_OFF), 'leaves the alternate screen last');
    assert.deepEqual(port.commands, ['quit']);
  });

  it('fills the terminal with the frame Ink would draw for that size', async () => {
    for (const [cols, rows] of [
      [200, 60],
      [80, 24],
    ] as const) {
      const r = await start(cols, rows);
      const ink: Rendered = renderAt(<App port={new FakePort(x86TailCall)} width={cols} height={rows} />, cols, rows + 1);
      assert.deepEqual(trimRows(r.stdout.screen.text()), trimRows(ink.lastFrame()), `${cols}x${rows}`);
      ink.unmount();
      assert.match(r.stdout.screen.row(rows - 1), /^\(bpfdbg\)/, 'the command line is on the last row');
      await r.quit();
    }
  });

  it('rewrites only the rows a step changes, each frame one synchronized update', async () => {
    const r = await start(200, 60);
    const s = r.stdout.screen;
    const n = r.stdout.frames.length;
    r.stdin.write('i');
    await until(() => /^\(bpfdbg\)\s+: command/.test(s.row(59)) && /►\s+c0100013/.test(s.text()), 'the PC on its next line, the prompt idle');
    await tick(20);
    const frames = r.stdout.frames.slice(n);
    // The View and the "running stepi" marker arrive in one turn of the event loop and
    // make one frame; the idle prompt follows in the same frame or, when the command's
    // promise settles a turn later, in a second one of one row.
    assert.ok(frames.length === 1 || frames.length === 2, `${frames.length} frames`);
    const replay = new TerminalScreen(200, 60);
    replay.write(r.stdout.frames.slice(0, n).join(''));
    frames.forEach((f, k) => {
      assert.ok(f.startsWith('\x1b[?2026h') && f.endsWith('\x1b[?2026l'), 'one synchronized update');
      const before = Array.from({ length: 60 }, (_, y) => replay.styledRow(y));
      replay.write(f);
      if (k === 0) assert.match(replay.text(), /►\s+c0100013\s+cmp rax, 0x21/, 'the first frame shows the new PC');
      const changed = before.flatMap((row, y) => (row === replay.styledRow(y) ? [] : [y]));
      assert.deepEqual(rowsWritten(f), changed, `frame ${k} writes the rows it changes`);
      assert.ok(changed.length < 60, `rows ${changed}`);
    });
    assert.equal(replay.text(), s.text());
  });

  it('draws everything again at the new size after a resize', async () => {
    const r = await start(200, 60);
    assert.match(r.stdout.screen.text(), / Pokes/);
    r.stdout.resize(80, 24);
    const s = r.stdout.screen;
    // Until the new frame arrives the emulator shows the old one cut to 80x24; a frame
    // still laid out for 200x60 can land after the resize too (its rows below 24 clamp onto
    // row 23, prompt included), so wait for the 80x24 layout itself: prompt and no Pokes pane.
    await until(() => /^\(bpfdbg\)/.test(s.row(23)) && !/ Pokes/.test(s.text()), 'the 80x24 frame');
    assert.doesNotMatch(s.text(), / Pokes/);
    assert.match(s.row(0), /^ bpfdbg/);
    assert.match(s.row(23), /^\(bpfdbg\)/);
    for (let y = 0; y < 24; y++) assert.ok(s.row(y).length <= 80);
  });

  it('shows every key in the help overlay on ? at 80x24, and the panes again after the next key', async () => {
    const r = await start(80, 24);
    r.stdin.write('?');
    await until(() => /Keys \(any key closes\)/.test(r.stdout.screen.text()), 'the help overlay');
    const help = r.stdout.screen.text();
    assert.match(help, /Keys \(any key closes\)/);
    for (const k of KEY_HELP) assert.ok(help.includes(k.keys), k.keys);
    assert.match(help, /Commands are gdb's: break \S+:0, info pokes, map update /);
    r.stdin.write('x');
    await until(() => / Code \*/.test(r.stdout.screen.text()), 'the panes');
    assert.doesNotMatch(r.stdout.screen.text(), /Keys \(any key closes\)/);
  });

  it('draws colours by role, and under NO_COLOR only bold and inverse', async () => {
    const fgAnywhere = (r: Running): boolean =>
      r.stdout.frames
        .join('')
        .match(/\x1b\[[0-9;]*m/g)!
        .some((m) => /[[;](3[0-7]|9[0-7])[;m]/.test(m));
    const coloured = await start(100, 40);
    assert.ok(fgAnywhere(coloured));
    assert.equal(coloured.stdout.screen.styleAt(2, 1).fg, 0, 'the focused title is inverse, in the default colour');
    assert.equal(coloured.stdout.screen.styleAt(2, 1).inverse, true);
    await coloured.quit();
    const plain = await start(100, 40, { env: { NO_COLOR: '1' } });
    assert.ok(!fgAnywhere(plain), 'no colour codes');
    assert.equal(plain.stdout.screen.styleAt(0, 0).inverse, true, 'the status bar is still inverse');
  });

  it('interrupts on Ctrl-C and stays in the debugger', async () => {
    const r = await start(100, 40);
    r.stdin.write('\x03');
    await until(() => r.port.interrupts > 0, 'the interrupt');
    await tick(20);
    assert.equal(r.port.interrupts, 1);
    assert.match(r.stdout.screen.text(), / Code \*/);
  });

  it('puts the frame back whole after console output lands on the screen', async () => {
    const r = await start(100, 40);
    const whole = r.stdout.screen.text();
    const n = r.stdout.frames.length;
    console.log('a stray line from somewhere');
    const strayWritten = (): boolean => r.stdout.frames.slice(n).join('').includes('a stray line');
    await until(strayWritten, 'the stray line');
    await until(() => r.stdout.screen.text() === whole, 'the whole frame again');
  });

  it('writes nothing after leaving the alternate screen, even with a frame pending', async () => {
    const r = await start(100, 40);
    r.stdin.write('i');
    r.stdin.write('q');
    await r.done;
    const all = r.stdout.frames.join('');
    assert.ok(all.endsWith(ALT_SCREEN_OFF));
    assert.equal(r.stdout.screen.altScreen, false);
    assert.equal(r.stdout.screen.text().trim(), '', "the user's screen is as it was");
  });
});
