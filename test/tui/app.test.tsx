import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/tui/App.tsx';
import { ThemeContext, themeFor } from '../../src/tui/theme.ts';
import { FakePort } from './fixtures/fakePort.ts';
import { x86PrivStack } from './fixtures/x86PrivStack.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
import { renderAt, tick, type Rendered } from './harness.ts';

const KEY = { up: '\x1b[A', down: '\x1b[B', tab: '\t', shiftTab: '\x1b[Z', enter: '\r', ctrlC: '\x03', ctrlD: '\x04', esc: '\x1b' };

let r: Rendered | null = null;
afterEach(() => {
  r?.unmount();
  r = null;
});

function mount(port: FakePort, cols: number, rows: number, extra: { onQuit?: () => void; sized?: boolean } = {}): Rendered {
  const sized = extra.sized ?? true;
  r = renderAt(<App port={port} width={sized ? cols : undefined} height={sized ? rows - 1 : undefined} onQuit={extra.onQuit} />, cols, rows);
  return r;
}

async function press(app: Rendered, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    app.stdin.write(k);
    await tick(5);
  }
  await tick(5);
}

/** A port whose `continue` runs until release() is called, as a long continue does. */
function slowContinue(): { port: FakePort; release: () => void } {
  let done: (() => void) | null = null;
  class SlowPort extends FakePort {
    override async execute(cmd: string): Promise<void> {
      if (cmd === 'continue') await new Promise<void>((r) => (done = r));
      return super.execute(cmd);
    }
  }
  return { port: new SlowPort(x86TailCall), release: () => done?.() };
}

describe('App', () => {
  it('shows every pane at 200x60', () => {
    const app = mount(new FakePort(x86TailCall), 200, 60);
    const f = app.lastFrame();
    for (const title of ['Code', 'Registers', 'Stack', 'Pokes', 'Call chain', 'Maps', 'Output']) assert.match(f, new RegExp(` ${title}`), title);
    assert.equal(f.split('\n').length, 59);
  });

  it('collapses to code, registers and the command line at 80x24, with every line inside 80 columns', () => {
    const app = mount(new FakePort(x86TailCall), 80, 24);
    const f = app.lastFrame();
    assert.match(f, / Code \*/);
    assert.match(f, / Registers/);
    assert.ok(!f.includes(' Pokes'), f);
    assert.match(f, /\(bpfdbg\)/);
    const ls = f.split('\n');
    assert.equal(ls.length, 23);
    for (const l of ls) assert.ok(l.length <= 80, l);
  });

  it('brings hidden panes into the side slot with Tab at 80x24', async () => {
    const app = mount(new FakePort(x86TailCall), 80, 24);
    await press(app, KEY.tab, KEY.tab, KEY.tab); // registers, stack, pokes
    const f = app.lastFrame();
    assert.match(f, / Pokes \*/);
    assert.match(f, /D->B/);
    assert.ok(!f.includes(' Registers'), f);
  });

  it('runs single keys that arrive in one chunk one after another, and keys typed during a command after it', async () => {
    const { port, release } = slowContinue();
    const app = mount(port, 100, 40);
    await press(app, 'iiS'); // one chunk: a held key on a loaded machine
    assert.deepEqual(port.commands, ['stepi', 'stepi', 'reverse-step']);
    assert.doesNotMatch(app.lastFrame(), /\(bpfdbg\) iiS/, 'not typed into the command line');
    await press(app, 'c', 'i', 'n');
    assert.deepEqual(port.commands, ['stepi', 'stepi', 'reverse-step'], 'continue still running');
    release();
    await tick(20);
    assert.deepEqual(port.commands.slice(3), ['continue', 'stepi', 'next'], 'typed-ahead keys run in order after it');
  });

  it('drops typed-ahead keys on Ctrl-C', async () => {
    const { port, release } = slowContinue();
    const app = mount(port, 100, 40);
    await press(app, 'c', 'i', 'i', KEY.ctrlC);
    assert.equal(port.interrupts, 1);
    release();
    await tick(20);
    assert.deepEqual(port.commands, ['continue']);
  });

  it('sends stepi for `i` and renders the PC on the next native line', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 100, 40);
    assert.match(app.lastFrame(), /►\s+c010000c/);
    await press(app, 'i');
    assert.deepEqual(port.commands, ['stepi']);
    const f = app.lastFrame();
    assert.match(f, /►\s+c0100013\s+cmp rax, 0x21/);
    assert.doesNotMatch(f, /►\s+c010000c/);
    assert.match(f, /after stepi/);
  });

  it('runs typed commands, repeats the last on an empty Enter, and recalls history with up', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 100, 40);
    await press(app, ':');
    assert.match(app.lastFrame(), /\(bpfdbg\) .*Esc back to keys/, 'an empty focused prompt says how to leave it');
    await press(app, ...'info pokes');
    assert.doesNotMatch(app.lastFrame(), /Esc back to keys/);
    await press(app, KEY.enter);
    await press(app, KEY.enter);
    assert.deepEqual(port.commands, ['info pokes', 'info pokes']);
    await press(app, KEY.up);
    assert.match(app.lastFrame(), /\(bpfdbg\) info pokes/);
  });

  it('returns to the keys after Enter when a command was typed in key mode; : keeps the command line', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 100, 40);
    await press(app, ...'print 1', KEY.enter);
    assert.deepEqual(port.commands, ['print 1']);
    await press(app, 'i');
    assert.deepEqual(port.commands, ['print 1', 'stepi'], 'i is the stepi key again');
    await press(app, ':', ...'bt', KEY.enter, ...'info maps', KEY.enter);
    assert.deepEqual(port.commands.slice(2), ['bt', 'info maps'], 'after :, the command line stays');
  });

  it('runs every key of a burst typed while a command runs, in order', async () => {
    const { port, release } = slowContinue();
    const app = mount(port, 100, 40);
    await press(app, 'c');
    for (let k = 0; k < 20; k++) app.stdin.write('i');
    await tick(20);
    release();
    await tick(100);
    assert.deepEqual(port.commands, ['continue', ...Array(20).fill('stepi')]);
  });

  it('puts a UI notice after the output it followed, not below later output', async () => {
    const { port, release } = slowContinue();
    const app = mount(port, 120, 40);
    await press(app, 'c', KEY.ctrlC);
    release();
    await tick(20);
    await press(app, ...':info pokes', KEY.enter);
    const out = app
      .lastFrame()
      .split('\n')
      .map((l) => l.trim());
    const notice = out.findIndex((l) => l.includes('interrupt sent (continue)'));
    const later = out.findIndex((l) => l.includes('info pokes'));
    assert.ok(notice >= 0 && later > notice, `notice at ${notice}, later output at ${later}`);
  });

  it('starts the command line with the first printable key that is not bound', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 100, 40);
    await press(app, 'x', '/', '8', 'g', 'x', KEY.enter);
    assert.deepEqual(port.commands, ['x/8gx']);
  });

  it('completes command and symbol names with Tab from the port and the View', async () => {
    const port = new FakePort(x86TailCall, undefined, ['jmp_table']);
    const app = mount(port, 100, 40);
    await press(app, ':', ...'brea', KEY.tab);
    assert.match(app.lastFrame(), /\(bpfdbg\) break$/m);
    await press(app, ...'pro', KEY.tab);
    assert.match(app.lastFrame(), /\(bpfdbg\) break prog_/);
    assert.match(app.lastFrame(), /prog_b\s+prog_b:\s+prog_c/);
    await press(app, KEY.ctrlC.replace('\x03', '\x15')); // Ctrl-U
    await press(app, ...'map jm', KEY.tab, KEY.enter);
    assert.deepEqual(port.commands, ['map jmp_table']);
  });

  it('handles keys that arrive in one chunk (tmux send-keys, fast typing) one by one', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 80, 24);
    await press(app, '\t\t\t');
    assert.match(app.lastFrame(), / Pokes \*/);
    await press(app, ':brea\tpro\t\x15stepi\r');
    assert.deepEqual(port.commands, ['stepi']);
  });

  it('toggles a breakpoint at the code cursor with b', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 100, 40);
    // The PC is on line 6; line 17 is `mov rbx, rdi` (insn 0); line 19 is bpf insn 1, which has breakpoint 2.
    await press(app, ...Array(11).fill(KEY.down), 'b');
    await press(app, KEY.down, KEY.down, 'b');
    assert.deepEqual(port.commands, ['break prog_b:0', 'delete 2']);
  });

  it('interrupts on Ctrl-C without leaving, and quits on q', async () => {
    const port = new FakePort(x86TailCall);
    let quit = 0;
    const app = mount(port, 100, 40, { onQuit: () => quit++ });
    await press(app, KEY.ctrlC);
    assert.equal(port.interrupts, 1);
    assert.equal(quit, 0);
    assert.match(app.lastFrame(), / Code/);
    await press(app, 'q');
    assert.equal(quit, 1);
    assert.deepEqual(port.commands, ['quit']);
  });

  it('quits on Ctrl-D from an empty command line', async () => {
    const port = new FakePort(x86TailCall);
    let quit = 0;
    const app = mount(port, 100, 40, { onQuit: () => quit++ });
    await press(app, ':', KEY.ctrlD);
    assert.equal(quit, 1);
  });

  it('shows the help overlay on ? and closes it on the next key', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 100, 40);
    await press(app, '?');
    assert.match(app.lastFrame(), /Keys \(any key closes\)/);
    assert.match(app.lastFrame(), /one machine instruction \(stepi, si\)/);
    await press(app, 's');
    assert.doesNotMatch(app.lastFrame(), /Keys \(any key closes\)/);
    assert.deepEqual(port.commands, [], 'the closing key is not a command');
  });

  it('shows progress of a long command, ignores step keys meanwhile, and interrupts on Ctrl-C', async () => {
    class SlowPort extends FakePort {
      release: (() => void) | null = null;
      override async execute(cmd: string): Promise<void> {
        this.commands.push(cmd);
        this.set({
          ...this.view(),
          seq: this.view().seq + 1,
          runState: 'running',
          progress: { label: 'continue', done: 120000, total: null, interruptible: true },
        });
        await new Promise<void>((r) => (this.release = r));
      }
      override interrupt(): void {
        super.interrupt();
        this.set({ ...this.view(), seq: this.view().seq + 1, runState: 'stopped', progress: null, stop: { kind: 'interrupted' } });
        this.release?.();
      }
    }
    const port = new SlowPort(x86TailCall);
    const app = mount(port, 100, 40);
    await press(app, 'c');
    assert.match(app.lastFrame(), /continue 120000 \(Ctrl-C interrupts\)/);
    assert.match(app.lastFrame(), /running continue… Ctrl-C interrupts/);
    await press(app, 's');
    assert.deepEqual(port.commands, ['continue'], 'no second command while one runs');
    await press(app, KEY.ctrlC);
    assert.equal(port.interrupts, 1);
    assert.match(app.lastFrame(), /interrupted/);
    assert.match(app.lastFrame(), / Code/, 'still in the debugger');
  });

  it('re-renders when the session produces a new View', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 100, 40);
    port.set({ ...x86PrivStack, seq: 99 });
    await tick(20);
    assert.match(app.lastFrame(), /trace_entry:14 in deep_stack privstack.c:22/);
  });

  it('follows terminal resizes when no size is fixed', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port, 80, 24, { sized: false });
    assert.equal(app.lastFrame().split('\n').length, 23);
    assert.ok(!app.lastFrame().includes(' Pokes'));
    app.stdout.resize(200, 60);
    await tick(20);
    assert.equal(app.lastFrame().split('\n').length, 59);
    assert.match(app.lastFrame(), / Pokes/);
  });

  it('renders without colour codes under NO_COLOR', () => {
    const theme = themeFor({ NO_COLOR: '1' });
    assert.equal(theme.color, false);
    assert.equal(theme.changed, undefined);
    assert.equal(themeFor({ NO_COLOR: '' }).color, true, 'an empty NO_COLOR does not count');
    assert.equal(themeFor({ FORCE_COLOR: '0' }).color, false, 'FORCE_COLOR=0 turns colour off');
    assert.equal(themeFor({ TERM: 'dumb' }).color, false, 'a dumb terminal gets no colour');
    assert.equal(themeFor({ TERM: 'xterm-256color', FORCE_COLOR: '1' }).color, true);
    r = renderAt(
      <ThemeContext.Provider value={theme}>
        <App port={new FakePort(x86TailCall)} width={100} height={39} />
      </ThemeContext.Provider>,
      100,
      40,
    );
    assert.doesNotMatch(r.lastFrame(), /\x1b\[3\dm/);
  });
});
