// Scripted sessions over the examples: stepping through direct and indirect tail calls,
// backtraces with hops, live prog_array swaps through the poke state machine, the
// MAX_TAIL_CALL_CNT limit, conditional breakpoints on the counter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exec, examplePath, have, openExample, outText } from './fixture.ts';
import type { View } from '../../src/debugger/view.ts';

const skipUnless = (name: string) => (have(examplePath(name)) ? false : `examples/${name}.o not built`);

test(
  'step follows a direct tail call into the target, past its skipped prologue, and bt lists the hop with the counter',
  { skip: skipUnless('tailchain') },
  async () => {
    const s = await openExample('tailchain');
    await exec(s, 'break entry:10', 'run');
    assert.deepEqual(s.view().stop, { kind: 'breakpoint', id: 1, hits: 1 });
    const r = await exec(s, 'step');
    const loc = r.view.location!;
    assert.equal(loc.program, 'stage_parse');
    assert.equal(loc.insn, 0);
    assert.equal(loc.atInsnStart, true);
    const prog = s.target.programs.find((p) => p.name === 'stage_parse')!;
    assert.ok(loc.nativeOff > prog.jit.funcs[0]!.tailCallOffset, 'the landing is inside the prologue; insn 0 comes after it');
    assert.match(outText(r), /tail call entry:10 -> stage_parse via chain\[0\] \(direct\), tcc 1/);
    const f0 = r.view.frames[0]!;
    assert.equal(r.view.frames.length, 1, 'a tail call makes no frame');
    assert.deepEqual(f0.replaced, [{ program: 'entry', func: 'entry', insn: 10, map: 'chain', key: 0, direct: true, to: 'stage_parse', tcc: 1 }]);
    assert.equal(f0.tcc, 1);
    assert.deepEqual(
      r.view.callChain.map((c) => `${c.kind}:${c.program}:${c.tcc}`),
      ['entry:entry:0', 'tail-call:stage_parse:1'],
    );
    const bt = outText(await exec(s, 'bt'));
    assert.match(bt, /#0 .* in stage_parse .*tcc=1/);
    assert.match(bt, /replaced entry:10 --tail call chain\[0\] direct--> stage_parse, tcc 1/);
    s.dispose();
  },
);

test('step follows an indirect tail call (map and key read at run time) into the target', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break stage_count:16', 'run');
  const r = await exec(s, 'step');
  assert.equal(r.view.location!.program, 'stage_verdict');
  assert.equal(r.view.location!.insn, 0);
  const hops = r.view.frames[0]!.replaced;
  assert.deepEqual(
    hops.map((h) => `${h.program}->${h.to}:${h.direct ? 'd' : 'i'}:${h.tcc}`),
    ['entry->stage_parse:d:1', 'stage_parse->stage_count:d:2', 'stage_count->stage_verdict:i:3'],
  );
  s.dispose();
});

test(
  'installing a prog_array slot while stopped before the site goes C->D->B and the next step lands in the new target',
  { skip: skipUnless('subprog_tail') },
  async () => {
    const s = await openExample('subprog_tail');
    await exec(s, 'break entry:33', 'run');
    assert.equal(s.view().pokes.find((p) => p.insn === 33)!.state, 'C');
    const u = await exec(s, 'map update jmp_table 1 handler_small');
    assert.match(outText(u), /poke #1 \(entry:33\) C->D->B/);
    const p = u.view.pokes.find((q) => q.insn === 33)!;
    assert.equal(p.state, 'B');
    assert.equal(p.jumpsTo, 'handler_small');
    assert.equal(p.bypass.asm, 'nop5');
    assert.match(p.target.asm, /^jmp handler_small\+0xc$/);
    assert.deepEqual(p.lastTransition && { from: p.lastTransition.from, to: p.lastTransition.to }, { from: 'D', to: 'B' });
    assert.equal(p.changed, true);
    const r = await exec(s, 'step');
    assert.equal(r.view.location!.program, 'handler_small');
    assert.equal(r.view.location!.insn, 0);
    const info = outText(await exec(s, 'info pokes'));
    assert.match(info, /poke #1 entry:33 \(classify\) jmp_table\[1\] state B slot=handler_small/);
    s.dispose();
  },
);

test(
  'deleting a slot while stopped re-arms the bypass (B->D) and keeps the grace period pending until the program exits (D->C)',
  { skip: skipUnless('tailchain') },
  async () => {
    const s = await openExample('tailchain');
    await exec(s, 'break entry:10', 'run');
    const d = await exec(s, 'map delete chain 0');
    assert.match(outText(d), /poke #0 \(entry:10\) B->D; grace period pending until cpu0 leaves BPF code/);
    const p = d.view.pokes.find((q) => q.program === 'entry')!;
    assert.equal(p.state, 'D');
    assert.deepEqual(p.pendingGracePeriod, { waitingFor: 'cpu0 to leave BPF code' });
    assert.equal(p.slotProgram, null);
    // Still stopped: stepping on does not end the grace period.
    const st = await exec(s, 'step');
    assert.equal(st.view.pokes.find((q) => q.program === 'entry')!.state, 'D');
    assert.equal(st.view.location!.program, 'entry', 'state D behaves as an empty slot: no tail call');
    const c = await exec(s, 'continue');
    assert.equal(c.view.runState, 'exited');
    assert.deepEqual(c.view.stop, { kind: 'exit', retval: '0x1e', retvalSigned: '30' });
    const after = c.view.pokes.find((q) => q.program === 'entry')!;
    assert.equal(after.state, 'C');
    assert.equal(after.pendingGracePeriod, null);
    assert.deepEqual({ from: after.lastTransition!.from, to: after.lastTransition!.to }, { from: 'D', to: 'C' });
    s.dispose();
  },
);

test('catch tailcall on the self-tail-calling program stops at 33 taken hops, then reports count-exceeded', { skip: skipUnless('selfloop') }, async () => {
  const s = await openExample('selfloop');
  await exec(s, 'catch tailcall', 'run');
  const stops: string[] = [];
  while (s.view().runState === 'stopped') {
    const st = s.view().stop!;
    assert.equal(st.kind, 'tail-call');
    if (st.kind === 'tail-call') stops.push(`${st.taken ? 'taken' : st.outcome}:${st.tcc}`);
    await exec(s, 'continue');
  }
  assert.equal(stops.length, 34);
  assert.deepEqual(stops.slice(0, 2), ['taken:1', 'taken:2']);
  assert.equal(stops[32], 'taken:33');
  assert.equal(stops[33], 'count-exceeded:33');
  assert.deepEqual(s.view().stop, { kind: 'exit', retval: '0x22', retvalSigned: '34' });
  s.dispose();
});

test('a conditional breakpoint on the counter stops only when it holds', { skip: skipUnless('selfloop') }, async () => {
  const s = await openExample('selfloop');
  const r = await exec(s, 'break loop:0 if $tcc == 5', 'run');
  assert.deepEqual(r.view.stop, { kind: 'breakpoint', id: 1, hits: 1 });
  assert.equal(r.view.registers!.tailCallCounter!.value, 5);
  assert.equal(r.view.frames[0]!.replaced.length, 5);
  const reg = outText(await exec(s, 'info registers'));
  assert.match(reg, /tail-call counter 5 of 33 \(via the slot 0x[0-9a-f]+ \(rbp-16\) -> counter at 0x[0-9a-f]+\)/);
  s.dispose();
});

test('with the 5.10-6.11 profile the counter is a dword in the frame, and hops still count', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain', { profile: 'tcc-by-value' });
  const r = await exec(s, 'break stage_count:16', 'run');
  const c = r.view.registers!.tailCallCounter!;
  assert.equal(c.value, 2);
  assert.equal(c.where.kind, 'stack');
  assert.ok(r.view.frameSlots!.slots.some((x) => x.kind === 'tcc' && x.size === 4 && x.note === 'counter = 2'));
  const st = await exec(s, 'step');
  assert.equal(st.view.frames[0]!.replaced.at(-1)!.tcc, 3);
  s.dispose();
});

test('an interactive session publishes a running View during a long run and stops on interrupt', { skip: skipUnless('selfloop') }, async () => {
  const { openSession } = await import('../../src/debugger/openSession.ts');
  const { loadObjectFile } = await import('../../src/object/index.ts');
  const { unwrap } = await import('../../src/common/diag.ts');
  const s = unwrap(await openSession(unwrap(loadObjectFile(examplePath('selfloop'))), {}, { input: { data: new Uint8Array(64) }, yieldBetweenChunks: true }));
  await exec(s, 'start');
  // Spin forever: a jump to itself at the PC (as if the program looped).
  const pc = s.target.machine.pc;
  s.target.machine.writeCode(pc, Uint8Array.of(0xeb, 0xfe));
  const states: string[] = [];
  s.subscribe(() => {
    states.push(s.view().runState);
    if (s.view().runState === 'running') s.interrupt();
  });
  const r = await s.execute('continue');
  assert.ok(states.includes('running'));
  assert.deepEqual(r.view.stop, { kind: 'interrupted' });
  assert.equal(r.view.runState, 'stopped');
  s.dispose();
});

test(
  'catchpoints are numbered with breakpoints, listed with their hits, and can be disabled, enabled and deleted as in gdb',
  { skip: skipUnless('selfloop') },
  async () => {
    const s = await openExample('selfloop');
    assert.match(outText(await exec(s, 'catch tailcall')), /^Catchpoint 1 \(tail calls, taken or not\)$/m);
    await exec(s, 'break loop', 'run', 'continue');
    assert.equal(s.view().stop?.kind, 'tail-call');
    assert.deepEqual(s.view().catchpoints, [{ id: 1, what: 'tailcall', enabled: true, hits: 1 }]);
    const info = outText(await exec(s, 'info breakpoints'));
    assert.match(info, /^1 +catchpoint +y +tail call \(taken or not\) \(hit 1 time\)$/m);
    assert.match(info, /^2 +breakpoint +y +0x[0-9a-f]+ +loop.*\(hit 1 time\)$/m);
    // Disabled, it no longer stops: the next stop is breakpoint 2 in the next hop.
    await exec(s, 'disable 1', 'continue');
    assert.deepEqual(s.view().stop, { kind: 'breakpoint', id: 2, hits: 2 });
    await exec(s, 'enable 1', 'continue');
    assert.equal(s.view().stop?.kind, 'tail-call');
    assert.equal(s.view().catchpoints![0]!.hits, 2);
    // `delete` with no argument deletes every breakpoint and catchpoint: the run goes to the end.
    await exec(s, 'delete', 'continue');
    assert.equal(s.view().stop?.kind, 'exit');
    assert.deepEqual(s.view().catchpoints, []);
    assert.match(outText(await exec(s, 'info breakpoints')), /^No breakpoints or catchpoints\.$/m);
    const gone = await s.execute('delete 1');
    assert.ok(!gone.ok);
    s.dispose();
  },
);

test(
  'the code window shows the bytes a poke wrote: the bypass turns from nop5 into a jmp when the slot is deleted',
  { skip: skipUnless('tailchain') },
  async () => {
    const s = await openExample('tailchain');
    const bypass = (v: View): string => {
      const l = v.disasm!.lines.find((x) => x.kind === 'native' && x.markers.pokeSite === 'bypass' && x.markers.poke === 0);
      assert.ok(l && l.kind === 'native', 'the window shows poke #0 bypass site');
      return `${l.bytes} ${l.text}`;
    };
    const before = bypass((await exec(s, 'break entry:10', 'run')).view);
    assert.match(before, /^0f 1f 44 00 00 nop dword ptr \[rax \+ rax\]$/);
    const after = bypass((await exec(s, 'map delete chain 0')).view);
    assert.match(after, /^e9 [0-9a-f ]+ jmp 0x[0-9a-f]+$/);
    s.dispose();
  },
);
