// Everyday commands answer as gdb's do: info registers NAME..., info line, info source,
// down/up at the ends of the stack, a breakpoint on a line without code, list ranges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exec, openExample, outText } from './fixture.ts';

test('info registers with names prints only those registers; an unknown name is an error', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break entry', 'run');
  const r = outText(await exec(s, 'i r rip rbx $r1'));
  assert.deepEqual(
    r.split('\n').map((l) => l.split(/\s+/)[0]),
    ['rip', 'rbx', 'r1'],
  );
  assert.match(r, /^rip +0xffffffffc0[0-9a-f]+ +0x[0-9a-f]+ <entry\+0x1d>/);
  const bad = await s.execute('info registers foo');
  assert.equal(bad.ok, false);
  assert.equal(bad.error!.message, "Invalid register `foo'");
  s.dispose();
});

test('info line FUNC and info line give the line and its address range; info source names the file', async () => {
  const s = await openExample('tailchain');
  assert.match(
    outText(await exec(s, 'info line entry')),
    /^Line 51 of "tailchain.c" starts at address 0x[0-9a-f]+ <entry\+0x1d> and ends at 0x[0-9a-f]+ <entry\+0x20>\.$/,
  );
  await exec(s, 'break entry', 'run', 'step');
  assert.match(outText(await exec(s, 'info line')), /^Line 53 of "tailchain.c" starts at address 0x[0-9a-f]+ <entry\+0x20> and ends at/);
  const src = outText(await exec(s, 'info source'));
  assert.match(src, /^Current source file is tailchain.c\nLocated in .*examples\/tailchain.c/);
  s.dispose();
});

test('down at the innermost frame and up at the outermost say so as gdb does', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break entry', 'run');
  assert.equal((await s.execute('down')).error!.message, 'Bottom (innermost) frame selected; you cannot go down.');
  assert.equal((await s.execute('up')).error!.message, 'Initial frame selected; you cannot go up.');
  s.dispose();
});

test('break FILE:LINE on a line without code moves to the next line with code', async () => {
  const s = await openExample('tailchain');
  // Line 46 is bpf_tail_call_static(): its code carries bpf_helpers.h lines.
  const r = outText(await exec(s, 'break tailchain.c:46'));
  assert.match(r, /^Breakpoint 1 at tailchain.c:47 \(0x[0-9a-f]+\), .*tailchain.c:47$/);
  assert.equal((await s.execute('break tailchain.c:57')).ok, false);
  s.dispose();
});

test('list shows a contiguous block of ten lines; list FIRST,LAST those lines', async () => {
  const s = await openExample('tailchain');
  const r = outText(await exec(s, 'list 40,45'));
  assert.deepEqual(
    r.split('\n').map((l) => Number(l.trim().split(/\s+/)[0])),
    [40, 41, 42, 43, 44, 45],
  );
  const b = outText(await exec(s, 'list tailchain.c:53'));
  assert.deepEqual(
    b.split('\n').map((l) => Number(l.trim().split(/\s+/)[0])),
    [48, 49, 50, 51, 52, 53, 54, 55, 56, 57],
  );
  s.dispose();
});

test('counts are singular for one', async () => {
  const s = await openExample('timer_shared');
  assert.match(outText(await exec(s, 'timer list')), /0 armed timers$/);
  s.dispose();
});

test('map dump shows an array entry that is all zero, and a .bss split into its variables', async () => {
  const s = await openExample('tailchain');
  assert.deepEqual(
    outText(await exec(s, 'map dump tailchai.bss'))
      .split('\n')
      .slice(1)
      .map((l) => l.trim().replace(/\s+/g, ' ')),
    ['u32 hops = 0', 'u64 bytes_seen = 0'],
  );
  const v = s.view().maps.find((m) => m.name === 'tailchai.bss')!;
  assert.deepEqual(v.entries![0]!.vars, [
    { name: 'hops', type: 'u32', value: '0' },
    { name: 'bytes_seen', type: 'u64', value: '0' },
  ]);
  await exec(s, 'run');
  const after = s.view().maps.find((m) => m.name === 'tailchai.bss')!;
  assert.equal(after.entries![0]!.vars![0]!.value, '3', 'three stages counted hops');
  s.dispose();
});

test('completion after map update MAP KEY offers programs without a colon; info p offers profile', async () => {
  const s = await openExample('tailchain');
  assert.deepEqual(
    s.completions('map update chain 0 stage_v'),
    ['stage_verdict', 'tailchai:stage_verdict'].filter((c) => c.startsWith('stage_v')),
  );
  assert.deepEqual(s.completions('info p'), ['pokes', 'profile', 'program']);
  assert.deepEqual(s.completions('map update ch'), ['chain']);
  s.dispose();
});
