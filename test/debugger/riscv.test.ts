// Scripted sessions on riscv64: registers with BPF names (a0-a7, s0-s11), the tail-call
// counter in a6 / s6 / the per-frame stack slot per profile, stepping into a tail call,
// bpf2bpf frames unwound from the FrameLayout (s0 = CFA), finish, info frame, Capstone
// RV64GC disassembly, and the batch front end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unwrap } from '../../src/common/diag.ts';
import { openSession } from '../../src/debugger/openSession.ts';
import { runBatch, scriptLines } from '../../src/debugger/batch.ts';
import { generateCase } from '../support/randomProgram.ts';
import { exec, examplePath, have, openExample, outText } from './fixture.ts';

const skipUnless = (name: string) => (have(examplePath(name)) ? false : `examples/${name}.o not built`);
const RV = { arch: 'riscv64' as const };

test(
  'riscv64 upstream: break at a tail call, step into it; registers show a0-a7/s0-s11 with BPF names and the counter in a6; bt shows the hop',
  { skip: skipUnless('tailchain') },
  async () => {
    const s = await openExample('tailchain', RV);
    const r = await exec(s, 'break entry:10', 'run');
    assert.equal(r.view.arch, 'riscv64');
    assert.equal(r.view.profile.name, 'upstream');
    const regs = r.view.registers!;
    const names = regs.native.map((n) => n.name);
    for (const n of [
      'a0',
      'a1',
      'a2',
      'a3',
      'a4',
      'a5',
      'a6',
      'a7',
      's0',
      's1',
      's2',
      's3',
      's4',
      's5',
      's6',
      's7',
      's8',
      's9',
      's10',
      's11',
      'ra',
      'sp',
      'pc',
    ])
      assert.ok(names.includes(n), n);
    const bpfOf = Object.fromEntries(regs.native.filter((n) => n.bpf).map((n) => [n.name, n.bpf]));
    assert.deepEqual(bpfOf, { a5: 'R0', a0: 'R1', a1: 'R2', a2: 'R3', a3: 'R4', a4: 'R5', s1: 'R6', s2: 'R7', s3: 'R8', s4: 'R9', s5: 'R10' });
    assert.deepEqual(
      regs.bpf.map((b) => b.native),
      ['a5', 'a0', 'a1', 'a2', 'a3', 'a4', 's1', 's2', 's3', 's4', 's5'],
    );
    assert.deepEqual(regs.flags, []);
    assert.equal(regs.tailCallCounter?.where.kind, 'a6');
    assert.equal(regs.tailCallCounter?.value, 33);
    assert.equal(regs.tailCallCounter?.counts, 'down');
    assert.equal(regs.native.find((n) => n.name === 'a6')!.role, 'tail-call counter');

    const st = await exec(s, 'step');
    assert.equal(st.view.location!.program, 'stage_parse');
    assert.equal(st.view.location!.insn, 0);
    assert.match(outText(st), /tail call entry:10 -> stage_parse via chain\[0\] \(indirect\), tcc 32/);
    assert.equal(st.view.registers!.tailCallCounter!.value, 32);
    assert.equal(st.view.registers!.tailCallCounter!.used, 1);
    assert.equal(st.view.frames.length, 1);
    assert.deepEqual(
      st.view.frames[0]!.replaced.map((h) => `${h.program}:${h.insn}->${h.to}`),
      ['entry:10->stage_parse'],
    );
    const bt = outText(await exec(s, 'bt'));
    assert.match(bt, /#0 +0x[0-9a-f]+ in stage_parse \(stage_parse:0\).* tcc=32\n +replaced entry:10 --tail call chain\[0\] indirect--> stage_parse, tcc 32/);
    const info = outText(await exec(s, 'info registers'));
    assert.match(info, /^a6 +0x0*20 +tail-call counter$/m);
    assert.match(info, /^s5 +0x[0-9a-f]+ +R10$/m);
    assert.match(info, /tail-call counter 32 left of 33, 1 used \(in a6\): a6 = 32/);
    const x = outText(await exec(s, 'stepi', 'x/2i $pc'));
    assert.match(x, /^0x[0-9a-f]+: (c\.)?[a-z.]+/m, 'RV64GC disassembly');
    const end = await exec(s, 'continue');
    assert.equal(end.view.stop?.kind, 'exit');
    assert.match(outText(end), /tail call stage_count:16 -> stage_verdict .*tcc 30/);
    s.dispose();
  },
);

test(
  "riscv64 tcc-on-stack: the counter lives in each frame's slot; a tail call from a subprog replaces it; finish returns to entry",
  { skip: skipUnless('subprog_tail') },
  async () => {
    const s = await openExample(
      'subprog_tail',
      { ...RV, profile: 'tcc-on-stack', mapUpdates: [{ map: 'jmp_table', key: 1, prog: 'handler_small' }] },
      new Uint8Array(35),
    );
    const r = await exec(s, 'break entry:33', 'run');
    assert.deepEqual(
      r.view.frames.map((f) => f.func),
      ['classify', 'entry'],
    );
    const tcc = r.view.registers!.tailCallCounter!;
    assert.equal(tcc.where.kind, 'stack');
    assert.equal(tcc.value, 33);
    const slots = r.view.frameSlots!;
    assert.equal(slots.fpReg, 's0');
    assert.equal(slots.fp, r.view.frames[0]!.fp);
    assert.deepEqual(slots.slots.map((x) => x.kind).slice(0, 2), ['return-address', 'saved-fp']);
    assert.equal(slots.slots.find((x) => x.kind === 'tcc')!.note, 'counter = 33 (tail calls left)');
    assert.match(slots.slots[0]!.note!, /^entry\+0x/);

    const st = await exec(s, 'step');
    assert.equal(st.view.location!.program, 'handler_small');
    assert.deepEqual(
      st.view.frames.map((f) => `${f.func}:${f.tcc}`),
      ['handler_small:32', 'entry:33'],
    );
    assert.equal(st.view.frames[0]!.fp, r.view.frames[0]!.fp, "the target builds its frame at the tail caller's CFA");
    assert.deepEqual(
      st.view.frames[0]!.replaced.map((h) => `${h.func}->${h.to}`),
      ['classify->handler_small'],
    );
    assert.deepEqual(
      st.view.callChain.map((c) => `${c.kind}:${c.func}:${c.tcc}`),
      ['entry:entry:33', 'call:classify:33', 'tail-call:handler_small:32'],
    );
    assert.equal(st.view.registers!.tailCallCounter!.where.kind, 'stack');
    assert.equal(st.view.registers!.tailCallCounter!.value, 32);

    const fin = await exec(s, 'finish');
    assert.equal(fin.view.location!.func, 'entry');
    assert.match(outText(fin), /Run till exit from #0 handler_small[\s\S]*Value returned: R0 = 0x/);
    assert.equal(fin.view.frames.length, 1);
    assert.equal(fin.view.registers!.tailCallCounter!.value, 33, "entry's own slot did not move");
    s.dispose();
  },
);

test('riscv64 upstream: a program that calls helpers and tail-calls keeps the counter in s6', async () => {
  // Seed 94: one program that calls helpers and tail-calls itself (33 hops).
  const c = generateCase({ seed: 94 });
  const tc = c.object.programs[0]!.insns.findIndex((i) => i.code === 0x85 && i.imm === 12); // call bpf_tail_call
  assert.ok(tc > 0);
  const s = unwrap(await openSession(c.object, RV, { input: { data: c.data } }));
  const r = await exec(s, `break entry:${tc}`, 'run');
  const t0 = r.view.registers!.tailCallCounter!;
  assert.equal(t0.where.kind, 's6');
  assert.equal(t0.value, 33);
  assert.equal(r.view.registers!.native.find((n) => n.name === 's6')!.role, 'tail-call counter');
  const again = await exec(s, 'continue');
  assert.equal(again.view.registers!.tailCallCounter!.value, 32);
  assert.equal(again.view.frames[0]!.replaced.length, 1);
  assert.match(outText(await exec(s, 'info registers')), /tail-call counter 32 left of 33, 1 used \(in s6\): s6 = 32/);
  s.dispose();
});

test(
  "riscv64 upstream refuses to debug an object mixing bpf2bpf calls and tail calls, with the verifier's reason",
  { skip: skipUnless('subprog_tail') },
  async () => {
    const { loadObjectFile } = await import('../../src/object/index.ts');
    const obj = unwrap(loadObjectFile(examplePath('subprog_tail')));
    const r = await openSession(obj, RV);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'verifier.tail-call-with-bpf2bpf');
      assert.match(r.error.message, /tail_calls are not allowed in programs with bpf-to-bpf calls/);
    }
  },
);

test('a batch script on riscv64: break, step into a tail call, info registers, bt', { skip: skipUnless('tailchain') }, async () => {
  const s = await openExample('tailchain', RV);
  let out = '';
  await runBatch(s, scriptLines('break entry:10\nrun\nstep\ninfo registers\nbt\ncontinue\n'), (t) => (out += t), false);
  assert.match(out, /\(bpfdbg\) step\ntail call entry:10 -> stage_parse via chain\[0\] \(indirect\), tcc 32\nstage_parse:0 /);
  assert.match(out, /\(bpfdbg\) info registers\nra +0x[0-9a-f]+ +\*? return address\nsp /);
  assert.match(out, /tail-call counter 32 left of 33, 1 used \(in a6\)/);
  assert.match(out, /\(bpfdbg\) bt\n#0 +0x[0-9a-f]+ in stage_parse/);
  assert.match(out, /\[entry exited with retval 1 \(R0 = 0x1\)\]/);
  s.dispose();
});

test('$tcc means tail calls used and $tcc_left the ones left, the same on x86-64 and RISC-V', { skip: skipUnless('selfloop') }, async () => {
  for (const launch of [{}, RV]) {
    const s = await openExample('selfloop', launch);
    const r = await exec(s, 'break loop:0 if $tcc == 5', 'run');
    assert.equal(r.view.frames[0]!.replaced.length, 5, `${r.view.arch}: five hops done`);
    assert.match(outText(await exec(s, 'print $tcc')), /^\$ = 5$/);
    assert.match(outText(await exec(s, 'print $tcc_left')), /^\$ = 28$/);
    s.dispose();
  }
});

test(
  'riscv64: a breakpoint conditioned on $tcc stops at the 34th attempt, which `catch tailcall` reports as count-exceeded',
  { skip: skipUnless('selfloop') },
  async () => {
    const s = await openExample('selfloop', RV);
    const r = await exec(s, 'break loop:11 if $tcc == 33', 'run');
    assert.equal(r.view.registers!.tailCallCounter!.value, 0);
    assert.equal(r.view.registers!.tailCallCounter!.used, 33);
    assert.equal(r.view.frames[0]!.replaced.length, 33);
    const c = await exec(s, 'catch tailcall', 'continue');
    assert.equal(c.view.stop?.kind, 'tail-call');
    if (c.view.stop?.kind === 'tail-call') {
      assert.equal(c.view.stop.taken, false);
      assert.equal(c.view.stop.outcome, 'count-exceeded');
      assert.equal(c.view.stop.tcc, 0);
    }
    assert.equal(c.view.location!.insn, 12);
    const end = await exec(s, 'continue');
    assert.match(outText(end), /\[loop exited with retval 34 \(R0 = 0x22\)\]/);
    s.dispose();
  },
);
