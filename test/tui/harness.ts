// ink-testing-library fixes the terminal at 100 columns, and Ink lays the root out at
// the terminal's width, so wider frames (200x60) need their own fake terminal.
import { EventEmitter } from 'node:events';
import type { ReactElement } from 'react';
import { render as inkRender } from 'ink';
import { TerminalScreen } from './terminalScreen.ts';

export class FakeStdout extends EventEmitter {
  frames: string[] = [];
  isTTY = false;
  constructor(
    public columns: number,
    public rows: number,
  ) {
    super();
  }
  write = (frame: string): boolean => {
    this.frames.push(frame);
    return true;
  };
  lastFrame = (): string | undefined => this.frames[this.frames.length - 1];
  /** Changes the size and tells Ink, as a terminal's SIGWINCH does. */
  resize(columns: number, rows: number): void {
    this.columns = columns;
    this.rows = rows;
    this.emit('resize');
  }
}

/** A terminal: what is written lands on a TerminalScreen, as on a real one. */
export class TtyStdout extends FakeStdout {
  override isTTY = true;
  screen: TerminalScreen;
  constructor(columns: number, rows: number) {
    super(columns, rows);
    this.screen = new TerminalScreen(columns, rows);
    const record = this.write;
    this.write = (s: string): boolean => {
      this.screen.write(s);
      return record(s);
    };
  }
  override resize(columns: number, rows: number): void {
    this.screen.resize(columns, rows);
    super.resize(columns, rows);
  }
}

export class FakeStdin extends EventEmitter {
  isTTY = true;
  data: string | null = null;
  write = (data: string): void => {
    this.data = data;
    this.emit('readable');
    this.emit('data', data);
  };
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
  read = (): string | null => {
    const d = this.data;
    this.data = null;
    return d;
  };
}

export interface Rendered {
  stdout: FakeStdout;
  stdin: FakeStdin;
  lastFrame: () => string;
  unmount: () => void;
  rerender: (tree: ReactElement) => void;
}

export function renderAt(tree: ReactElement, columns = 100, rows = 40): Rendered {
  const stdout = new FakeStdout(columns, rows);
  const stdin = new FakeStdin();
  const stderr = new FakeStdout(columns, rows);
  const inst = inkRender(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: stderr as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  return {
    stdout,
    stdin,
    lastFrame: () => stdout.lastFrame() ?? '',
    unmount: () => {
      inst.unmount();
      inst.cleanup();
    },
    rerender: inst.rerender,
  };
}

/** Lets Ink process input and effects (its input handling and renders are async). */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until `cond` holds (checked every few ms), failing after `ms` with `what`. For
 * asynchronous frames on a machine whose load makes any fixed delay too short.
 */
export async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await tick(5);
  }
}
