// The commands the keys send run one at a time; keys typed meanwhile wait their turn.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommandQueue } from '../../src/tui/commandQueue.ts';

/** A queue over an engine whose commands finish when the test says (finish / fail). */
function queueOverSlowEngine(limit?: number) {
  const started: string[] = [];
  const events: string[] = [];
  const open: { cmd: string; resolve: () => void; reject: (e: Error) => void }[] = [];
  const queue = new CommandQueue(
    {
      execute: (cmd) => {
        started.push(cmd);
        return new Promise<void>((resolve, reject) => open.push({ cmd, resolve, reject }));
      },
      busy: (cmd) => events.push(cmd === null ? 'idle' : `busy ${cmd}`),
      failed: (cmd, message) => events.push(`failed ${cmd}: ${message}`),
      full: (running) => events.push(`full behind ${running}`),
    },
    limit,
  );
  const settle = (): Promise<void> => new Promise((r) => setImmediate(r));
  /** The running command finishes (or fails); the queue reacts. */
  const finish = async (): Promise<void> => {
    open.shift()!.resolve();
    await settle();
  };
  const fail = async (message: string): Promise<void> => {
    open.shift()!.reject(new Error(message));
    await settle();
  };
  return { queue, started, events, finish, fail };
}

describe('CommandQueue', () => {
  it('runs a command at once when none is running', () => {
    const { queue, started } = queueOverSlowEngine();
    queue.submit('stepi');
    assert.deepEqual(started, ['stepi']);
    assert.equal(queue.busy, 'stepi');
  });

  it('keeps the commands typed while one runs and runs them after it, in order, one at a time', async () => {
    const { queue, started, finish } = queueOverSlowEngine();
    queue.submit('continue');
    queue.submit('stepi');
    queue.submit('next');
    assert.deepEqual(started, ['continue']);
    assert.deepEqual(queue.waiting, ['stepi', 'next']);
    await finish();
    assert.deepEqual(started, ['continue', 'stepi']);
    await finish();
    await finish();
    assert.deepEqual(started, ['continue', 'stepi', 'next']);
    assert.equal(queue.busy, null);
  });

  it('says which command is running, and when none is', async () => {
    const { queue, events, finish } = queueOverSlowEngine();
    queue.submit('continue');
    queue.submit('stepi');
    await finish();
    await finish();
    assert.deepEqual(events, ['busy continue', 'idle', 'busy stepi', 'idle']);
  });

  it('drops the typed-ahead commands on Ctrl-C and names the one still running', async () => {
    const { queue, started, finish } = queueOverSlowEngine();
    queue.submit('continue');
    queue.submit('stepi');
    queue.submit('stepi');
    assert.equal(queue.drop(), 'continue');
    await finish();
    assert.deepEqual(started, ['continue']);
    assert.equal(queue.drop(), null, 'nothing runs after it');
  });

  it('reports a failed command and drops the commands typed after it', async () => {
    const { queue, started, events, fail } = queueOverSlowEngine();
    queue.submit('run');
    queue.submit('stepi');
    await fail('no program loaded');
    assert.deepEqual(started, ['run']);
    assert.deepEqual(events, ['busy run', 'failed run: no program loaded', 'idle']);
    queue.submit('stepi');
    assert.deepEqual(started, ['run', 'stepi'], 'the next command runs at once');
  });

  it('past its limit, reports the queue full and drops the command', async () => {
    const { queue, started, events, finish } = queueOverSlowEngine(2);
    for (const cmd of ['continue', 'stepi', 'next', 'finish']) queue.submit(cmd);
    assert.deepEqual(queue.waiting, ['stepi', 'next']);
    assert.deepEqual(events, ['busy continue', 'full behind continue']);
    await finish();
    await finish();
    await finish();
    assert.deepEqual(started, ['continue', 'stepi', 'next']);
  });
});
