// The emulator the TUI tests and bench/tui.tsx replay output into: the behaviours those
// checks rely on. frameWriter.tmux.test.ts compares it with tmux on the frame writer's output.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TerminalScreen } from './terminalScreen.ts';

describe('TerminalScreen', () => {
  it('holds the cursor on a full last column until the next character wraps it', () => {
    const s = new TerminalScreen(4, 2);
    s.write('abcd');
    assert.deepEqual([s.x, s.y], [3, 0]);
    s.write('\x1b[K');
    // xterm and Ghostty erase from the cursor, the last column included; tmux keeps it.
    // Modelling the stricter terminals catches an erase after a full row.
    assert.equal(s.row(0), 'abc');
    s.write('\x1b[1;1Habcde');
    assert.deepEqual([s.row(0), s.row(1)], ['abcd', 'e']);
  });

  it('starts a written newline at column 0 (the tty turns LF into CR LF) and scrolls at the bottom', () => {
    const s = new TerminalScreen(5, 2);
    s.write('ab\ncd\nef');
    assert.deepEqual([s.row(0), s.row(1), s.scrolled], ['cd', 'ef', 1]);
  });

  it('keeps the main screen while the alternate one is in use', () => {
    const s = new TerminalScreen(10, 2);
    s.write('shell$');
    s.write('\x1b[?1049h\x1b[2J\x1b[Hdebugger');
    assert.equal(s.row(0), 'debugger');
    s.write('\x1b[?1049l');
    assert.equal(s.row(0), 'shell$');
  });

  it('keeps an escape sequence split across two writes', () => {
    const s = new TerminalScreen(10, 3);
    s.write('\x1b[3');
    s.write(';2Hx\x1b[1');
    s.write(';7my');
    assert.equal(s.row(2), ' x' + 'y');
    assert.equal(s.styleAt(2, 2).inverse, true);
  });
});
