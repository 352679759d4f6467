// The remote stub's answers, packet by packet, on both targets: framing and escapes, the
// target descriptions gdb validates, the g layout, memory, Z0 breakpoints with swbreak
// stop replies, bs/bc on the recorded timeline with rr's replaylog:begin at the start,
// `monitor` commands, and W at the program's exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDebugRecording } from '../../src/record/index.ts';
import { GdbStub, PacketReader, framePacket, gdbRegisters } from '../../src/gdbstub/index.ts';

const ROOT = join(import.meta.dirname, '../..');
const OBJ = join(ROOT, 'examples/tailchain.o');

async function stubOn(arch: 'x86_64' | 'riscv64'): Promise<{ stub: GdbStub; consoleText: string[] }> {
  const dr = await openDebugRecording({ objectPath: OBJ, objectBytes: new Uint8Array(readFileSync(OBJ)), arch, input: {} });
  assert.ok(dr.ok);
  await dr.value.port.execute('start');
  const consoleText: string[] = [];
  return { stub: new GdbStub(dr.value.port, { console: (t) => void consoleText.push(t), end: () => {} }), consoleText };
}

test('packets: checksums, escapes, acks and Ctrl-C in one stream, split anywhere', () => {
  assert.equal(framePacket('OK'), '$OK#9a');
  assert.equal(framePacket('a#b'), '$a}\x03b#' + ((0x61 + 0x7d + 0x03 + 0x62) & 0xff).toString(16));
  const r = new PacketReader();
  const wire = `+${framePacket('qSupported:swbreak+')}\x03$g#68`;
  const got = [...wire].flatMap((ch) => r.push(ch));
  assert.deepEqual(got, [{ kind: 'packet', data: 'qSupported:swbreak+' }, { kind: 'interrupt' }, { kind: 'bad-checksum' }]);
});

test('x86-64: the target description names the i386 core registers; g carries rax..eflags, x for the rest', async () => {
  const { stub } = await stubOn('x86_64');
  const xml = (await stub.handle('qXfer:features:read:target.xml:0,4000'))!;
  assert.match(xml, /^l<\?xml/);
  assert.match(xml, /<architecture>i386:x86-64<\/architecture>/);
  assert.match(xml, /<feature name="org.gnu.gdb.i386.core">/);
  for (const r of ['rax', 'r15', 'rip', 'eflags', 'st7', 'fop']) assert.match(xml, new RegExp(`<reg name="${r}"`));
  // Windows of the document: 'm' while more follows.
  assert.equal(await stub.handle('qXfer:features:read:target.xml:0,10'), `m${xml.slice(1, 17)}`);
  const g = (await stub.handle('g'))!;
  const regs = gdbRegisters('x86_64');
  assert.equal(
    g.length,
    regs.reduce((n, r) => n + r.bits / 4, 0),
  );
  // rip (register 16) is the entry program's first instruction: 0xffffffffc0300000, little-endian.
  assert.equal(await stub.handle('p10'), '000030c0ffffffff');
  assert.equal(await stub.handle('p12'), 'xxxxxxxx'); // cs: not modelled
  assert.equal(await stub.handle('?'), 'T0510:000030c0ffffffff;thread:1;');
});

test('riscv64: org.gnu.gdb.riscv.cpu with zero..t6 and pc; the counter register a6 reads through p', async () => {
  const { stub } = await stubOn('riscv64');
  const xml = (await stub.handle('qXfer:features:read:target.xml:0,4000'))!;
  assert.match(xml, /<architecture>riscv:rv64<\/architecture>/);
  assert.match(xml, /<feature name="org.gnu.gdb.riscv.cpu">/);
  assert.match(xml, /<reg name="zero" bitsize="64" type="int" regnum="0"\/>/);
  assert.match(xml, /<reg name="a6" bitsize="64" type="int" regnum="16"\/>/);
  assert.match(xml, /<reg name="pc" bitsize="64" type="code_ptr" regnum="32"\/>/);
  const g = (await stub.handle('g'))!;
  assert.equal(g.length, 33 * 16);
  assert.equal(g.slice(0, 16), '0'.repeat(16));
  const pc = (await stub.handle('p20'))!;
  assert.equal(g.slice(32 * 16), pc);
  assert.match((await stub.handle('?'))!, /^T0520:[0-9a-f]{16};thread:1;$/);
});

test('memory: m reads code, stops at the end of a mapping; M writes through set and reads back', async () => {
  const { stub } = await stubOn('x86_64');
  // entry starts with the 5-byte nop of its patchable entry (x86 JIT: emit_prologue).
  assert.equal(await stub.handle('mffffffffc0300000,5'), '0f1f440000');
  assert.equal(await stub.handle('m10,4'), 'E14');
  const sp = BigInt(
    `0x${Buffer.from((await stub.handle('p7'))!, 'hex')
      .reverse()
      .toString('hex')}`,
  );
  const at = (sp - 16n).toString(16);
  assert.equal(await stub.handle(`M${at},3:a1b2c3`), 'OK');
  assert.equal(await stub.handle(`m${at},3`), 'a1b2c3');
});

test('Z0 at a C line, c stops with swbreak; bs and bc walk back, replaylog:begin at the start; W at the exit', async () => {
  const { stub, consoleText } = await stubOn('x86_64');
  assert.equal(await stub.handle('Z0,ffffffffc0000010,1'), 'OK');
  const stop = (await stub.handle('vCont;c'))!;
  assert.equal(stop, 'T05swbreak:;10:100000c0ffffffff;thread:1;');
  assert.ok(
    consoleText.some((t) => t.startsWith('tail call entry:10 -> stage_parse via chain[0] (direct)')),
    consoleText.join(''),
  );
  assert.equal(await stub.handle('bs'), 'T0510:0c0000c0ffffffff;thread:1;');
  assert.equal(await stub.handle('bs'), 'T0510:5c0030c0ffffffff;thread:1;'); // back across the tail call: the jmp in entry
  assert.equal(await stub.handle('z0,ffffffffc0000010,1'), 'OK');
  assert.equal(await stub.handle('bc'), 'T05replaylog:begin;10:000030c0ffffffff;thread:1;');
  const bt = Buffer.from((await stub.handle(`qRcmd,${Buffer.from('info line').toString('hex')}`))!, 'hex').toString();
  assert.match(bt, /entry/);
  assert.equal(await stub.handle('c'), 'W01');
  assert.equal(await stub.handle('?'), 'W01');
});
