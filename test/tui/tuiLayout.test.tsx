// gdb's `layout` and `focus` at 80x24: the TUI answers them itself (they arrange panes,
// nothing in the session changes), and each layout fits the screen with what it names.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { App } from '../../src/tui/App.tsx';
import { computeLayout } from '../../src/tui/layout.ts';
import { focusOrder, namedLayout, tuiCommand } from '../../src/tui/tuiLayout.ts';
import { initialUi } from '../../src/tui/uiState.ts';
import { FakePort } from './fixtures/fakePort.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
import { renderAt, tick, type Rendered } from './harness.ts';

const ENTER = '\r';
const TAB = '\t';
let r: Rendered | null = null;
afterEach(() => {
  r?.unmount();
  r = null;
});

function mount(port: FakePort): Rendered {
  r = renderAt(<App port={port} width={80} height={23} />, 80, 24);
  return r;
}

async function press(app: Rendered, ...keys: string[]): Promise<void> {
  for (const k of keys) {
    app.stdin.write(k);
    await tick(5);
  }
  await tick(20);
}

/** Types a command on the command line (`:` opens it), runs it, and goes back to the panes (Esc). */
const command = (app: Rendered, text: string): Promise<void> => press(app, ':', ...text, ENTER, '\x1b');

/** Pane titles on screen, top to bottom, left to right. */
const titles = (f: string): string[] =>
  [...f.matchAll(/(?:^|\s) (Code|Source|Registers|Stack|Pokes|Call chain|Maps|Output)( \*)?(?= |$)/gm)].map((m) => m[1]! + (m[2] ? '*' : ''));

describe('layout and focus at 80x24', () => {
  it('layout src shows the C source with the breakpoint line over the output; nothing reaches the session', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port);
    await command(app, 'layout src');
    const f = app.lastFrame();
    // The code pane had the keys; the source pane, the only one left, has them now.
    assert.deepEqual(titles(f), ['Source*', 'Output']);
    assert.match(f, /●  {2}41│ {5}void \*data = ctx;/);
    assert.match(f, / 43│ {5}bpf_tail_call\(ctx, &jmp_table, 1\);/);
    assert.deepEqual(port.commands, []);
    const ls = f.split('\n');
    assert.equal(ls.length, 23);
    for (const l of ls) assert.ok(l.length <= 80, l);
  });

  it('layout asm gives the code pane the whole width; split puts source over code; regs puts registers over code', async () => {
    const app = mount(new FakePort(x86TailCall));
    await command(app, 'layout asm');
    assert.deepEqual(titles(app.lastFrame()), ['Code*', 'Output']);
    assert.match(app.lastFrame(), /►\s+c010000c/);
    await command(app, 'layout split');
    assert.deepEqual(titles(app.lastFrame()), ['Source', 'Code*', 'Output']);
    await command(app, 'layout regs');
    const f = app.lastFrame();
    assert.deepEqual(titles(f), ['Registers', 'Code*', 'Output']);
    assert.match(f, /rax/);
    await command(app, 'layout default');
    assert.deepEqual(titles(app.lastFrame()), ['Code*', 'Registers', 'Output']);
  });

  it('focus src gives the source pane the keys; Tab cycles over the panes the layout shows', async () => {
    const app = mount(new FakePort(x86TailCall));
    await command(app, 'layout split');
    await command(app, 'focus src');
    assert.deepEqual(titles(app.lastFrame()), ['Source*', 'Code', 'Output']);
    await press(app, TAB);
    assert.deepEqual(titles(app.lastFrame()), ['Source', 'Code*', 'Output']);
    await press(app, TAB, TAB);
    assert.deepEqual(titles(app.lastFrame()), ['Source', 'Code', 'Output'], 'the command line has the keys');
    await press(app, TAB);
    assert.deepEqual(titles(app.lastFrame()), ['Source*', 'Code', 'Output'], 'after the command line, back to the first pane');
  });

  it('a focus the layout cannot show, or an unknown layout, is an error in the output; the screen stays', async () => {
    const port = new FakePort(x86TailCall);
    const app = mount(port);
    await command(app, 'layout asm');
    await command(app, 'focus regs');
    let f = app.lastFrame();
    assert.match(f, /focus: no Registers window in layout asm \(layout regs shows it\)/);
    assert.deepEqual(titles(f), ['Code*', 'Output']);
    await command(app, 'layout sideways');
    f = app.lastFrame();
    assert.match(f, /layout: expected asm, src, split, regs, default, next or prev, got 'sideways'/);
    assert.deepEqual(port.commands, []);
  });

  it('layout next and prev cycle src, asm, split, regs as gdb does', async () => {
    const app = mount(new FakePort(x86TailCall));
    await command(app, 'layout next');
    assert.deepEqual(
      titles(app.lastFrame()).map((t) => t.replace('*', '')),
      ['Source', 'Output'],
    );
    await command(app, 'layout next');
    assert.deepEqual(
      titles(app.lastFrame()).map((t) => t.replace('*', '')),
      ['Code', 'Output'],
    );
    await command(app, 'layout prev');
    assert.deepEqual(
      titles(app.lastFrame()).map((t) => t.replace('*', '')),
      ['Source', 'Output'],
    );
  });
});

describe('named layouts as pure functions', () => {
  it('fill the rows between the status bar and the command line at any size', () => {
    for (const [w, h] of [
      [80, 24],
      [40, 12],
      [200, 60],
    ] as const)
      for (const name of ['asm', 'src', 'split', 'regs'] as const) {
        const l = namedLayout(w, h, name, 0, 10);
        assert.equal(
          l.rows.reduce((n, row) => n + row.height, 0),
          Math.max(4, h - 2),
          `${name} ${w}x${h}`,
        );
        assert.equal(l.rows.at(-1)!.panes[0]!.id, 'output');
        for (const row of l.rows) assert.ok(row.height >= 1, `${name} ${w}x${h}`);
      }
  });

  it('the default layout keeps the size-driven Tab order; a named one cycles only its panes', () => {
    assert.deepEqual(focusOrder(namedLayout(80, 24, 'split', 0, 10), 'split'), ['source', 'code', 'output', 'command']);
    assert.equal(focusOrder(computeLayout(80, 24, 'registers'), 'default').length, 9); // code, registers, stack, pokes, chain, maps, display, output, command
  });

  it('leaves every other command to the session', () => {
    const l = computeLayout(80, 24, 'registers');
    assert.equal(tuiCommand('list', initialUi, l), null);
    assert.equal(tuiCommand('info frame', initialUi, l), null);
    assert.deepEqual(tuiCommand('la src', initialUi, l), { ok: true, actions: [{ kind: 'layout', name: 'src' }], echo: 'layout src' });
    assert.deepEqual(tuiCommand('fs cmd', initialUi, l), { ok: true, actions: [{ kind: 'focusTo', to: 'command' }], echo: 'focus command' });
  });
});
