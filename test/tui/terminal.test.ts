import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { ALT_SCREEN_OFF, ALT_SCREEN_ON, CURSOR_SHOW, enterAltScreen, installExitGuards, watchWrites, type ProcessLike } from '../../src/tui/terminal.ts';

class Sink {
  out = '';
  write(s: string): boolean {
    this.out += s;
    return true;
  }
}

class FakeProcess extends EventEmitter implements ProcessLike {
  stderr = new Sink();
  exits: (number | undefined)[] = [];
  exit(code?: number): void {
    this.exits.push(code);
  }
}

describe('terminal', () => {
  it('enters the alternate screen and restores it exactly once', () => {
    const s = new Sink();
    const restore = enterAltScreen(s);
    assert.ok(s.out.startsWith(ALT_SCREEN_ON));
    restore();
    restore();
    assert.equal(s.out.split(ALT_SCREEN_OFF).length - 1, 1);
    assert.ok(s.out.endsWith(CURSOR_SHOW + ALT_SCREEN_OFF));
  });

  it('restores the screen on process exit', () => {
    const p = new FakeProcess();
    let restored = 0;
    installExitGuards(() => restored++, p);
    p.emit('exit', 0);
    assert.equal(restored, 1);
  });

  it('restores the screen before printing a crash, then exits non-zero', () => {
    const p = new FakeProcess();
    const order: string[] = [];
    p.stderr = { out: '', write: (x: string) => (order.push('stderr:' + x.split('\n')[0]), true) } as unknown as Sink;
    installExitGuards(() => order.push('restore'), p);
    p.emit('uncaughtException', new Error('boom'));
    assert.deepEqual(order, ['restore', 'stderr:bpfdbg: internal error: Error: boom']);
    assert.deepEqual(p.exits, [70]);
  });

  it('restores the screen on SIGTERM and exits with 128+15', () => {
    const p = new FakeProcess();
    let restored = 0;
    installExitGuards(() => restored++, p);
    p.emit('SIGTERM', 'SIGTERM');
    assert.equal(restored, 1);
    assert.deepEqual(p.exits, [143]);
  });

  it('removes its handlers when uninstalled', () => {
    const p = new FakeProcess();
    const uninstall = installExitGuards(() => undefined, p);
    assert.equal(p.listenerCount('exit'), 1);
    uninstall();
    for (const e of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtException', 'unhandledRejection']) assert.equal(p.listenerCount(e), 0, e);
  });

  it('tells the frame writer about every write to the stream, and passes size and events through', () => {
    class Stream extends EventEmitter {
      columns = 120;
      out = '';
      write(x: string): boolean {
        this.out += x;
        return true;
      }
    }
    const s = new Stream();
    const seen: string[] = [];
    const w = watchWrites(s, () => seen.push(s.out));
    w.write('a');
    w.write('b');
    assert.deepEqual(seen, ['', 'a'], 'called before each write lands');
    assert.equal(s.out, 'ab');
    assert.equal(w.columns, 120);
    let resized = 0;
    w.on('resize', () => resized++);
    s.emit('resize');
    assert.equal(resized, 1);
  });
});
