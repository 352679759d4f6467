// Scripted sessions: private stacks in registers and `info frame`, bpf2bpf frames, next /
// finish / until, breakpoints, print / set / x, errors as values, Views per command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exec, examplePath, have, openExample, outText } from './fixture.ts';

const skipUnless = (name: string) => (have(examplePath(name)) ? false : `examples/${name}.o not built`);

test('a private-stack subprogram shows R10 in r9 and its per-CPU frame with intact guards in info frame', { skip: skipUnless('privstack') }, async () => {
  const s = await openExample('privstack');
  const r = await exec(s, 'break mix', 'run');
  const regs = r.view.registers!;
  assert.ok(regs.privateFramePointer, 'r9 is the private frame pointer');
  assert.equal(regs.bpf[10]!.native, 'r9');
  assert.equal(regs.native.find((n) => n.name === 'r9')!.role, 'private frame pointer');
  const pfp = BigInt(regs.privateFramePointer.value);
  assert.ok(pfp > BigInt(regs.privateFramePointer.areaLo) && pfp < BigInt(regs.privateFramePointer.areaHi));
  assert.deepEqual(
    r.view.frames.map((f) => `${f.func}:${f.privateStack}`),
    ['mix:true', 'fold:true', 'trace_enter:false'],
  );
  const slots = r.view.frameSlots!;
  assert.equal(slots.fpReg, 'r9');
  const guards = slots.slots.filter((x) => x.kind === 'priv-guard');
  assert.deepEqual(
    guards.map((g) => `${g.name}:${g.note}:${g.alert}`),
    ['guard (high):guard intact:false', 'guard (low):guard intact:false'],
  );
  // mix has a 96-byte stack (12 u64s): 12 slots between the guards.
  assert.equal(slots.slots.filter((x) => x.kind === 'priv-stack').length, 12);
  assert.ok(
    slots.slots.some(
      (x) =>
        x.kind === 'return-address' &&
        x.note === 'fold+0x' + (BigInt(x.value!) - BigInt(r.view.programs[0]!.funcs.find((f) => f.name === 'fold')!.addr)).toString(16),
    ),
  );
  const text = outText(await exec(s, 'info frame'));
  assert.match(text, /BPF stack on the per-CPU private stack/);
  assert.match(text, /guard \(low\) +0xeb9f12345678eb9f +guard intact/);
  s.dispose();
});

test('overwriting a private-stack guard is flagged in info frame', { skip: skipUnless('privstack') }, async () => {
  const s = await openExample('privstack');
  const r = await exec(s, 'break mix', 'run');
  const lo = r.view.registers!.privateFramePointer!.areaLo;
  const w = await exec(s, `set *(u64 *)${lo} = 1`);
  const g = w.view.frameSlots!.slots.find((x) => x.name === 'guard (low)')!;
  assert.equal(g.note, 'GUARD CORRUPTED');
  assert.equal(g.alert, true);
  assert.equal(g.changed, true);
  s.dispose();
});

test('next steps over a bpf2bpf call, finish returns to the caller with R0, bt unwinds both frames', { skip: skipUnless('subprog_tail') }, async () => {
  const s = await openExample('subprog_tail');
  await exec(s, 'break entry:8', 'run');
  const n = await exec(s, 'next');
  assert.equal(n.view.location!.func, 'entry');
  assert.equal(n.view.location!.insn, 9);
  await exec(s, 'run');
  const st = await exec(s, 'step');
  assert.equal(st.view.location!.func, 'classify');
  assert.deepEqual(
    st.view.frames.map((f) => f.func),
    ['classify', 'entry'],
  );
  assert.equal(st.view.frames[1]!.insn, 8, 'the caller frame is at its call insn');
  const fin = await exec(s, 'finish');
  assert.equal(fin.view.location!.func, 'entry');
  assert.match(outText(fin), /Run till exit from #0 classify[\s\S]*Value returned: R0 = 0x/);
  assert.deepEqual(fin.view.stop, { kind: 'step', unit: 'finish' });
  s.dispose();
});

test('stepi executes one machine instruction and marks changed registers', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain');
  const a = await exec(s, 'start');
  assert.deepEqual(a.view.stop, { kind: 'entry' });
  assert.equal(a.view.location!.region, 'prologue');
  const pc0 = BigInt(a.view.location!.nativeAddr);
  const b = await exec(s, 'stepi');
  assert.equal(BigInt(b.view.location!.nativeAddr), pc0 + 5n, 'nop5 is 5 bytes');
  const c = await exec(s, 'si 2');
  assert.ok(c.view.registers!.native.find((r) => r.name === 'rip')!.changed);
  assert.equal(c.view.seq > b.view.seq, true);
  s.dispose();
});

test('breakpoints: tbreak is one-shot, disable skips, delete removes, info breakpoints lists hits', { skip: skipUnless('selfloop') }, async () => {
  const s = await openExample('selfloop');
  await exec(s, 'tbreak loop:0', 'break loop:1', 'disable 2', 'run');
  assert.deepEqual(s.view().stop, { kind: 'breakpoint', id: 1, hits: 1 });
  assert.deepEqual(
    s.view().breakpoints.map((b) => b.id),
    [2],
  );
  await exec(s, 'enable 2', 'continue');
  assert.deepEqual(s.view().stop, { kind: 'breakpoint', id: 2, hits: 1 });
  const info = outText(await exec(s, 'info breakpoints'));
  assert.match(info, /2 +breakpoint +y .*loop:1 \(hit 1 time\)/);
  await exec(s, 'delete', 'continue');
  assert.equal(s.view().runState, 'exited');
  s.dispose();
});

test('print, set and x read and write registers, memory and globals', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break stage_count:16', 'run');
  assert.equal(outText(await exec(s, 'print hops')), '$ = 2');
  assert.equal(outText(await exec(s, 'p/x $r3')), '$ = 0x2');
  await exec(s, 'set $r3 = 7');
  assert.equal(s.view().registers!.bpf[3]!.value, '0x7');
  assert.equal(s.view().registers!.bpf[3]!.changed, true);
  await exec(s, 'set var next_slot = 3');
  assert.equal(outText(await exec(s, 'print next_slot')), '$ = 3');
  assert.match(outText(await exec(s, 'x/2wx $r10 - 8')), /^0x[0-9a-f]+: 0x[0-9a-f]{8} 0x[0-9a-f]{8}$/);
  assert.match(outText(await exec(s, 'x/2i $pc')), /^0x[0-9a-f]+: mov edx, edx\n/);
  s.dispose();
});

test('an index past max_entries is reported as a not-taken tail call with its outcome', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain');
  await exec(s, 'catch tailcall', 'set var next_slot = 9', 'run', 'continue', 'continue');
  const st = s.view().stop!;
  assert.equal(st.kind, 'tail-call');
  if (st.kind === 'tail-call') {
    assert.equal(st.taken, false);
    assert.equal(st.outcome, 'index-out-of-range');
    assert.equal(st.direct, false);
    assert.equal(st.key, 9);
  }
  s.dispose();
});

test('bad commands, bad locations and commands needing a running program fail as values', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain');
  for (const [cmd, code] of [
    ['frobnicate', 'cmd.unknown'],
    ['step', 'debug.not-running'],
    ['break nosuch:3', 'debug.no-such-prog'],
    ['break entry:999', 'debug.bad-insn'],
    ['map update nosuch 0 entry', 'debug.no-such-map'],
    ['print $r1 +', 'expr.syntax'],
  ] as const) {
    const r = await s.execute(cmd);
    assert.equal(r.ok, false, cmd);
    assert.equal(r.error!.code, code, cmd);
    assert.equal(r.output.at(-1)!.kind, 'error');
  }
  const q = await s.execute('quit');
  assert.equal(q.quit, true);
  s.dispose();
});

test('each command yields a new View; the port returns the same object until then and notifies subscribers', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain');
  const v0 = s.view();
  assert.equal(s.view(), v0);
  assert.equal(v0.runState, 'not-started');
  assert.ok(v0.disasm && v0.disasm.lines.length > 0, 'the entry program is shown before a run');
  let calls = 0;
  const un = s.subscribe(() => calls++);
  await s.execute('start');
  assert.notEqual(s.view(), v0);
  assert.equal(calls, 1);
  un();
  assert.ok(s.completions('break sta').includes('stage_parse:'));
  assert.deepEqual(s.completions('info po'), ['pokes']);
  s.dispose();
});
