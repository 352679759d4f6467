// `bpfdbg dap` driven by a real DAP client (@vscode/debugadapter-testsupport's DebugClient,
// what VS Code's own adapter tests use): launch the tail-call chain, break on a C line,
// step across the direct tail call, read the stack with its hop, disassemble the JIT
// image around the PC, step back across the tail call, swap the prog_array slot from the
// debug console and continue to the exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = join(import.meta.dirname, '../..');
const SOURCE = join(ROOT, 'examples/tailchain.c');

async function topFrames(dc: DebugClient): Promise<DebugProtocol.StackFrame[]> {
  return (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
}

test('DAP: break on tailchain.c:53, step across the tail call, hops in the stack, disassemble, stepBack, map update, exit', async (t) => {
  const dc = new DebugClient(join(ROOT, 'bin/bpfdbg'), 'dap', 'bpfdbg', { cwd: ROOT });
  dc.defaultTimeout = 30_000;
  await dc.start();
  t.after(() => dc.stop());
  const output: string[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => void output.push(e.body.output));

  // A 100-byte packet: stage_verdict returns skb->len > 64 ? 2 : 1.
  await dc.hitBreakpoint(
    { program: join(ROOT, 'examples/tailchain.o'), dataHex: '00'.repeat(100) },
    { path: SOURCE, line: 53 },
    { path: SOURCE, line: 53 }, // the C file next to the object (BTF recorded where it was built)
  );
  const [top] = await topFrames(dc);
  assert.equal(top!.name, 'entry (tcc 0)');
  assert.equal(top!.instructionPointerReference, '0xffffffffc0300020');

  // Two line steps: 53 -> the inline asm of bpf_tail_call_static (bpf_helpers.h:154) ->
  // across the direct tail call into stage_parse.
  await Promise.all([dc.stepInRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
  let frames = await topFrames(dc);
  assert.equal(frames[0]!.source?.name, 'bpf_helpers.h');
  assert.equal(frames[0]!.line, 154);
  await Promise.all([dc.stepInRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
  frames = await topFrames(dc);
  // Line stepping passes the callee's prologue (no line) and stops at insn 0's line, the
  // function's opening one in BTF line info.
  assert.match(frames[0]!.name, /^stage_parse \(tcc 1\)$/);
  assert.equal(frames[0]!.source?.name, 'tailchain.c');
  assert.equal(frames[0]!.line, 43);
  // The hop is a frame of its own: the program that tail-called, at its tail call, with the counter.
  assert.equal(frames[1]!.name, 'entry: tail call chain[0] (direct) -> stage_parse, tcc 1');
  assert.equal(frames[1]!.presentationHint, 'subtle');
  assert.equal(frames[1]!.instructionPointerReference, '0xffffffffc0300041'); // entry:10, the tail call's first native byte

  // Scopes: BPF registers with their native homes; the counter called out among the native ones.
  const scopes = (await dc.scopesRequest({ frameId: frames[0]!.id })).body.scopes;
  assert.deepEqual(
    scopes.map((s) => s.name),
    ['BPF registers', 'Native registers', 'Frame slots', 'Maps', 'Pokes'],
  );
  const bpf = (await dc.variablesRequest({ variablesReference: scopes[0]!.variablesReference })).body.variables;
  assert.equal(bpf.find((v) => v.name === 'R10')?.type, 'rbp');
  const native = (await dc.variablesRequest({ variablesReference: scopes[1]!.variablesReference })).body.variables;
  assert.match(native[0]!.name, /^tail-call counter/);
  assert.match(native[0]!.value, /^1 \(1 of 33 used\)$/);

  // The JIT image around the PC, source interleaved as locations.
  const pc = frames[0]!.instructionPointerReference!;
  const dis = (await dc.customRequest('disassemble', { memoryReference: pc, instructionOffset: -2, instructionCount: 6 })).body
    .instructions as DebugProtocol.DisassembledInstruction[];
  assert.equal(dis.length, 6);
  assert.equal(dis[2]!.address, pc);
  assert.match(dis[2]!.symbol!, /^stage_parse\+0x[0-9a-f]+$/);
  assert.equal(dis[2]!.line, 43);
  // The BPF instruction a native one starts rides along as a comment.
  assert.ok(
    dis.some((i) => /; 0: /.test(i.instruction)),
    JSON.stringify(dis),
  );
  // Before it, the prologue: no source line.
  assert.ok(
    dis.slice(0, 2).every((i) => i.line === undefined),
    JSON.stringify(dis),
  );
  // stage_parse's insn 0, r6 = r1, is mov rbx, rdi; readMemory at the PC reads its bytes.
  assert.match(dis[2]!.instruction, /^mov rbx, rdi/);
  const bytes = dis[2]!.instructionBytes!;
  const mem = (await dc.customRequest('readMemory', { memoryReference: pc, count: bytes.length / 2 })).body;
  assert.equal(Buffer.from(mem.data, 'base64').toString('hex'), bytes);
  assert.equal(mem.unreadableBytes, 0);

  // A line back: across the tail call, into entry at its tail call (the hop frame is gone).
  await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
  frames = await topFrames(dc);
  assert.match(frames[0]!.name, /^entry \(tcc \d\)$/);
  assert.equal(frames.length, 1);
  // And one machine instruction back from there.
  const before = BigInt(frames[0]!.instructionPointerReference!);
  await Promise.all([dc.stepBackRequest({ threadId: 1, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
  frames = await topFrames(dc);
  assert.ok(BigInt(frames[0]!.instructionPointerReference!) < before);

  // The debug console runs debugger commands: swap slot 0 (the poke rewrites that jmp).
  const ev = await dc.evaluateRequest({ expression: 'map update chain 0 stage_verdict', context: 'repl' });
  assert.match(ev.body.result, /chain\[0\] = stage_verdict: poke #0 \(entry:10\) B->B/);
  const x = await dc.evaluateRequest({ expression: 'x/1i 0xffffffffc030005c', context: 'repl' });
  assert.match(x.body.result, /jmp 0xffffffffc020000c/);

  const exited = dc.waitForEvent('exited');
  await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
  assert.equal(((await exited) as DebugProtocol.ExitedEvent).body.exitCode, 2);
  const console = output.join('');
  assert.match(console, /tail call entry:10 -> stage_verdict via chain\[0\] \(direct\), tcc 1/);
  assert.doesNotMatch(console.slice(console.indexOf('stage_verdict via')), /stage_parse ->/);
});
