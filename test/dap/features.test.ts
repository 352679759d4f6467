// `bpfdbg dap --port 0` over TCP: stop on entry, the tail-call exception filter (catch
// tailcall) and a function breakpoint, reverseContinue back to the previous tail call,
// watch expressions, setVariable on a register, writeMemory; and `attach` to a recorded
// session, replayed to a stop point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = join(import.meta.dirname, '../..');

async function server(): Promise<{ port: number; child: ChildProcess }> {
  const child: ChildProcess = spawn(join(ROOT, 'bin/bpfdbg'), ['dap', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      err += d;
      const m = /DAP server on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) resolve({ port: Number(m[1]), child });
    });
    child.on('exit', () => reject(new Error(`bpfdbg dap ended: ${err}`)));
  });
}

/** A DebugClient connected to a fresh `bpfdbg dap --port 0`; both go when the test ends. */
async function client(t: { after(fn: () => Promise<void>): void }): Promise<DebugClient> {
  const { port, child } = await server();
  const dc = new DebugClient('unused', 'unused', 'bpfdbg');
  dc.defaultTimeout = 30_000;
  await dc.start(port);
  t.after(async () => {
    await dc.disconnectRequest({}).catch(() => {});
    await dc.stop();
    child.kill();
  });
  return dc;
}

const stopped = async (dc: DebugClient, run: Promise<unknown>): Promise<DebugProtocol.StoppedEvent> => {
  const [, ev] = await Promise.all([run, dc.waitForEvent('stopped')]);
  return ev as DebugProtocol.StoppedEvent;
};
const top = async (dc: DebugClient): Promise<DebugProtocol.StackFrame> => (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0]!;

test('DAP over TCP: stop on entry, catch tailcall as an exception filter, a function breakpoint, reverseContinue', async (t) => {
  const dc = await client(t);
  const init = await dc.initializeRequest();
  assert.equal(init.body?.supportsStepBack, true);
  assert.deepEqual(
    init.body?.exceptionBreakpointFilters?.map((f) => f.filter),
    ['tailcall', 'poke'],
  );
  await Promise.all([
    dc.launchRequest({ program: join(ROOT, 'examples/tailchain.o'), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments),
    dc.waitForEvent('initialized'),
  ]);
  await dc.setExceptionBreakpointsRequest({ filters: ['tailcall'] });
  // stage_count is tail_call_reachable: its breakpoint (after the prologue) is past where the tail call lands.
  const fb = await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'stage_count' }] });
  assert.equal(fb.body.breakpoints[0]!.verified, true);
  const entry = await stopped(dc, dc.configurationDoneRequest());
  assert.equal(entry.body.reason, 'entry');
  assert.equal((await top(dc)).instructionPointerReference, '0xffffffffc0300000');

  const tc = await stopped(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(tc.body.reason, 'exception');
  assert.equal(tc.body.description, 'tail call entry:10 -> stage_parse via chain[0], tcc 1');
  const tc2 = await stopped(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(tc2.body.description, 'tail call stage_parse:11 -> stage_count via chain[1], tcc 2');
  const fn = await stopped(dc, dc.continueRequest({ threadId: 1 }));
  assert.equal(fn.body.reason, 'function breakpoint');
  assert.equal((await top(dc)).name, 'stage_count (tcc 2)');
  // Watches evaluate expressions: stage_parse counted one hop, stage_count not yet.
  assert.equal((await dc.evaluateRequest({ expression: 'hops', context: 'watch' })).body.result, '1');

  // Backwards to the previous stop the catchpoint makes: stage_parse's tail call.
  const rc = await stopped(dc, dc.customRequest('reverseContinue', { threadId: 1 }));
  assert.equal(rc.body.reason, 'step');
  const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
  assert.deepEqual(
    frames.map((f) => f.name),
    ['stage_parse (tcc 1)', 'entry: tail call chain[0] (direct) -> stage_parse, tcc 1'],
  );

  // Registers can be set from the Variables view; writeMemory goes through `set` commands.
  const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
  const set = await dc.setVariableRequest({ variablesReference: scopes[0]!.variablesReference, name: 'R3', value: '0x2a' });
  assert.equal(set.body.value, '0x2a');
  const r10 = (await dc.variablesRequest({ variablesReference: scopes[0]!.variablesReference })).body.variables.find((v) => v.name === 'R10')!;
  const at = `0x${(BigInt(r10.value) - 0x100n).toString(16)}`;
  const w = await dc.customRequest('writeMemory', { memoryReference: at, data: Buffer.from('c0ffee', 'hex').toString('base64') });
  assert.equal(w.body.bytesWritten, 3);
  const back = await dc.customRequest('readMemory', { memoryReference: at, count: 3 });
  assert.equal(Buffer.from(back.body.data, 'base64').toString('hex'), 'c0ffee');
});

test('DAP attach: a recording replayed to a stop point, then stepped backwards', async (t) => {
  const dc = await client(t);
  await dc.initializeRequest();
  const out: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => void out.push(e.body.output));
  await Promise.all([
    dc.attachRequest({ recording: join(ROOT, 'sessions/tailchain-live-swap.bpfrec'), stopAt: 'insn:40' } as DebugProtocol.AttachRequestArguments),
    dc.waitForEvent('initialized'),
  ]);
  // Attached to a session already under way: it is paused where the replay stopped.
  const ev = await stopped(dc, dc.configurationDoneRequest());
  assert.equal(ev.body.reason, 'pause');
  assert.match(out.join(''), /replayed \d+ commands of .*tailchain-live-swap\.bpfrec: 40 instructions/);
  const before = BigInt((await top(dc)).instructionPointerReference!);
  await stopped(dc, dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }));
  assert.notEqual(BigInt((await top(dc)).instructionPointerReference!), before);
});
