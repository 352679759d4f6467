import { runTui } from '../../src/tui/run.tsx';
import { FakePort } from './fixtures/fakePort.ts';
import { x86TailCall } from './fixtures/x86TailCall.ts';
void runTui(new FakePort(x86TailCall, undefined, ['jmp_table'])).then(() => console.log('TUI exited cleanly'));
