import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runTui } from '../../src/tui/run.tsx';
import { ALT_SCREEN_OFF, ALT_SCREEN_ON } from '../../src/tui/terminal.ts';
import { FakePort } from './fixtures/fakePort.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
import { FakeStdin, FakeStdout, tick } from './harness.ts';

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
    await tick(30);
    const all = () => stdout.frames.join('');
    assert.ok(all().startsWith(ALT_SCREEN_ON), 'enters the alternate screen before the first frame');
    assert.match(all(), /Registers/);
    assert.ok(!all().includes(ALT_SCREEN_OFF));
    stdin.write('q');
    await done;
    assert.ok(all().endsWith(ALT_SCREEN_OFF), 'leaves the alternate screen last');
    assert.deepEqual(port.commands, ['quit']);
  });
});
