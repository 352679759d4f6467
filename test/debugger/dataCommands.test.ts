// Data by its C type, as gdb users reach for it: print from BTF (globals from the DATASEC,
// casts to the object's and the kernel's types, members, elements, &, sizeof), ptype and
// whatis, display at every stop, info args / info locals, and watch/rwatch/awatch on the
// machine's memory hooks, forwards and (recorded) backwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { openDebugRecording } from '../../src/record/index.ts';
import { charArrayText } from '../../src/debugger/expr/formatCValue.ts';
import { examplePath, exec, openExample, outText } from './fixture.ts';

test('print shows globals typed from BTF and kernel ctx structs through casts', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break stage_count', 'run');
  assert.equal(outText(await exec(s, 'print hops')), '$ = 1');
  assert.equal(outText(await exec(s, 'print/x next_slot')), '$ = 0x2');
  assert.match(outText(await exec(s, 'print &hops')), /^\$ = \(__u32 \*\) 0xffff[0-9a-f]+$/);
  assert.equal(outText(await exec(s, 'print sizeof(struct __sk_buff)')), '$ = 192');
  assert.equal(outText(await exec(s, 'print sizeof(hops)')), '$ = 4');
  assert.match(outText(await exec(s, 'print (struct __sk_buff *)$r1')), /^\$ = \(struct __sk_buff \*\) 0xffff888[0-9a-f]+$/);
  // The kernel hands the program a struct sk_buff (from the kernel's BTF): its len is the packet's.
  assert.equal(outText(await exec(s, 'print ((struct sk_buff *)$r1)->len')), '$ = 64');
  const skb = outText(await exec(s, 'print *(struct sk_buff *)$r1'));
  assert.match(skb, /^\$ = \{\{\{next = 0x0, prev = 0x0, /);
  assert.match(skb, /, len = 64, data_len = 0, mac_len = 14, /);
  assert.match(outText(await exec(s, 'print ((struct __sk_buff *)$r1)->cb')), /^\$ = \{\d+, \d+, \d+, \d+, \d+\}$/);
  assert.equal(outText(await exec(s, 'print (enum xdp_action)3')), '$ = XDP_TX');
  assert.equal(outText(await exec(s, 'print $r10 - 8 == &((u64 *)$r10)[-1]')), '$ = 1');
  const bad = await s.execute('print ((struct sk_buff *)$r1)->nope');
  assert.equal(bad.error!.message, 'There is no member named nope.');
  assert.match((await s.execute('print (struct no_such *)$r1')).error!.message, /no type named 'struct no_such'/);
  s.dispose();
});

test('char arrays print as gdb strings, trailing NULs as repeats', () => {
  const eth0 = [...'eth0'].map((c) => c.charCodeAt(0));
  assert.equal(charArrayText([...eth0, ...new Array(12).fill(0)], false), `"eth0", '\\000' <repeats 11 times>`);
  assert.equal(charArrayText([...eth0, 0, 0, 0, 0], false), '"eth0\\000\\000\\000"');
  assert.equal(charArrayText(new Array(48).fill(0), false), `'\\000' <repeats 47 times>`);
});

test('ptype expands a struct as gdb does; whatis names the type one typedef down', async () => {
  const s = await openExample('tailchain');
  assert.equal(
    outText(await exec(s, 'ptype struct xdp_md')),
    [
      'type = struct xdp_md {',
      '    __u32 data;',
      '    __u32 data_end;',
      '    __u32 data_meta;',
      '    __u32 ingress_ifindex;',
      '    __u32 rx_queue_index;',
      '    __u32 egress_ifindex;',
      '}',
    ].join('\n'),
  );
  const skb = outText(await exec(s, 'ptype struct __sk_buff'));
  assert.match(skb, /\n    __u32 cb\[5\];\n/);
  assert.match(skb, /\n    union \{\n        struct bpf_flow_keys \*flow_keys;\n    \};\n/);
  assert.equal(outText(await exec(s, 'whatis hops')), 'type = __u32');
  assert.equal(outText(await exec(s, 'ptype hops')), 'type = unsigned int');
  assert.equal(outText(await exec(s, 'whatis __be16')), 'type = __u16');
  assert.equal(outText(await exec(s, 'ptype enum xdp_action')), 'type = enum xdp_action {XDP_ABORTED, XDP_DROP, XDP_PASS, XDP_TX, XDP_REDIRECT}');
  assert.match(outText(await exec(s, 'ptype struct xdp_md *')), /^type = struct xdp_md \{\n[^]*\n\} \*$/);
  s.dispose();
});

test('display shows its expressions after every stop; undisplay removes one', async () => {
  const s = await openExample('tailchain');
  assert.equal(outText(await exec(s, 'display hops')), '1: hops = 0');
  await exec(s, 'display/x $r1', 'break stage_parse', 'break stage_count');
  assert.match(outText(await exec(s, 'run')), /Breakpoint 1, stage_parse.*\n1: hops = 0\n2: \/x \$r1 = 0xffff888[0-9a-f]+$/);
  assert.equal(outText(await exec(s, 'info display')), 'Auto-display expressions now in effect:\nNum Enb Expression\n1:   y  hops\n2:   y  /x $r1');
  await exec(s, 'undisplay 2');
  assert.match(outText(await exec(s, 'continue')), /Breakpoint 2, stage_count.*\n1: hops = 1$/);
  const v = s.view().displays!;
  assert.deepEqual(
    v.map((d) => [d.id, d.expr, d.value]),
    [[1, 'hops', '1']],
  );
  assert.equal((await s.execute('undisplay 7')).error!.message, 'No display number 7.');
  s.dispose();
});

test('info args: parameters from BTF in R1..R5 while unwritten; clobbered after a call, not saved in outer frames', async () => {
  const s = await openExample('subprog_tail');
  await exec(s, 'break classify', 'run');
  assert.match(outText(await exec(s, 'info args')), /^skb = 0xffff888[0-9a-f]+ \(r1\)$/);
  await exec(s, 'up');
  assert.equal(outText(await exec(s, 'info args')), 'skb = <not saved> (r1 is caller-saved)');
  await exec(s, 'down', 'finish');
  assert.equal(outText(await exec(s, 'info args')), 'skb = <clobbered> (r1 may have been written since entry)');
  // entry's `volatile int local[4] = {1, 2, 3, 4}`: the R10 slots written on the way here.
  assert.equal(
    outText(await exec(s, 'info locals')),
    '*(u64 *)($r10 - 8) = 8589934593 (0x200000001)\n*(u32 *)($r10 - 12) = 3 (0x3)\n*(u32 *)($r10 - 16) = 4 (0x4)',
  );
  s.dispose();
});

test('watch stops after a write that changes the value, with Old/New value; listed and deleted like breakpoints', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'start');
  assert.equal(outText(await exec(s, 'watch hops')), 'Hardware watchpoint 1: hops');
  // entry's `hops = 0` writes the value it already holds: no stop there (gdb's rule).
  const r = outText(await exec(s, 'continue'));
  assert.match(r, /\nHardware watchpoint 1: hops\n\nOld value = 0\nNew value = 1\nstage_parse:\d+ /);
  assert.deepEqual(s.view().stop, { kind: 'watchpoint', id: 1, access: 'write', expr: 'hops', old: '0', value: '1' });
  assert.match(outText(await exec(s, 'info breakpoints')), /\n1    watchpoint  y   0x[0-9a-f]+ +hops \(hit 1 time\)$/);
  await exec(s, 'disable 1');
  assert.match(outText(await exec(s, 'continue')), /exited with retval 1/);
  await exec(s, 'delete 1');
  assert.equal(outText(await exec(s, 'info watchpoints')), 'No watchpoints.');
  s.dispose();
});

test('rwatch stops after a read; a stack slot and a map value can be watched', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'rwatch next_slot', 'run');
  assert.match(outText(await exec(s, 'info watchpoints')), /read watchpoint y   next_slot \(hit 1 time\)/);
  assert.deepEqual(s.view().stop, { kind: 'watchpoint', id: 1, access: 'read', expr: 'next_slot', old: null, value: '2' });
  await exec(s, 'delete');
  assert.match(outText(await exec(s, 'awatch map tailchai.bss 0')), /^Hardware access \(read\/write\) watchpoint 2: tailchai.bss\[0\]$/);
  s.dispose();
  const p = await openExample('subprog_tail');
  await exec(p, 'break classify', 'run', 'up');
  await exec(p, 'down');
  // entry's local[2] lives at R10-12 of the caller frame: its slot address, watched for reads.
  await exec(p, 'finish');
  assert.match(outText(await exec(p, 'rwatch *(u32 *)($r10 - 12)')), /^Hardware read watchpoint 2: \*\(u32 \*\)\(\$r10 - 12\)$/);
  assert.match(outText(await exec(p, 'continue')), /\nHardware read watchpoint 2: \*\(u32 \*\)\(\$r10 - 12\)\n\nValue = 3\n/);
  p.dispose();
});

test('reverse-continue stops before the last write to a watched value, as rr does', async () => {
  const OBJ = examplePath('tailchain');
  const dr = await openDebugRecording({ objectPath: OBJ, objectBytes: new Uint8Array(readFileSync(OBJ)), input: {} });
  assert.ok(dr.ok);
  const s = dr.value.port;
  const run = async (c: string): Promise<string> => {
    const r = await s.execute(c);
    assert.ok(r.ok, `${c}: ${r.error?.message}`);
    return r.output
      .filter((l) => l.kind !== 'command')
      .map((l) => l.text)
      .join('\n');
  };
  await run('start');
  await run('watch hops');
  for (let i = 0; i < 3; i++) await run('continue');
  assert.match(await run('print hops'), /= 3$/);
  const back = await run('reverse-continue');
  assert.match(back, /^\nHardware watchpoint 1: hops\n\nOld value = 3\nNew value = 2\nReverse to the write, instruction \d+\nstage_verdict:\d+ .*hops\+\+;$/);
  assert.match(await run('reverse-continue'), /Old value = 2\nNew value = 1\n.*\nstage_count:\d+ .*hops\+\+;$/);
  assert.match(await run('continue'), /Old value = 1\nNew value = 2/);
  s.session.dispose();
});

test('on RISC-V too: watch stops after the write, print casts the ctx to the kernel struct', async () => {
  const s = await openExample('tailchain', { arch: 'riscv64' });
  await exec(s, 'start', 'watch hops');
  assert.match(outText(await exec(s, 'continue')), /\nHardware watchpoint 1: hops\n\nOld value = 0\nNew value = 1\nstage_parse:\d+ /);
  await exec(s, 'delete 1', 'break stage_count', 'continue');
  assert.equal(outText(await exec(s, 'print ((struct sk_buff *)$r1)->len')), '$ = 64');
  assert.match(outText(await exec(s, 'info args')), /^skb = 0xffff888[0-9a-f]+ \(r1\)$/);
  s.dispose();
});
