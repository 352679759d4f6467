// Reverse execution on RISC-V 64, as reverse.test.ts on x86-64: reverse-stepi from the end
// of a run back to its first instruction visits exactly the states forward stepping
// visited (register files compared), and reverse-step/-next/-finish follow the
// RISC-V frames (s0 = the CFA, the return address in ra at a call).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { View } from '../../src/debugger/view.ts';
import { recordScript } from './fixture.ts';
import { assertReverseStepiRetraces, exec, regFile } from './timeline.ts';

const currentNative = (v: View): string => {
  const line = v.disasm?.lines.find((l) => l.kind === 'native' && l.markers.current);
  return line && line.kind === 'native' ? line.text : '';
};

// subprog_tail mixes bpf2bpf calls and tail calls: the upstream profile rejects it, tcc-on-stack runs it.
for (const [ex, profile] of [
  ['tailchain', undefined],
  ['privstack', undefined],
  ['subprog_tail', 'tcc-on-stack'],
] as const) {
  test(`${ex} on riscv64${profile ? ` (${profile})` : ''}: reverse-stepi from the end of a run to its first instruction revisits every forward state`, async () => {
    const { rec } = await recordScript(`examples/${ex}.o`, [], { arch: 'riscv64', ...(profile ? { profile } : {}), interval: 50 });
    const s = rec.tts;
    const first = await exec(s, 'start');
    assert.ok(regFile(first).includes(' s0='), 'RISC-V registers are shown');
    assert.ok((await assertReverseStepiRetraces(s, first)) > 20, 'a run of more than 20 states');
    s.session.dispose();
  });
}

test('riscv64: reverse-step lands on the start of the previous BPF instruction; step forward returns', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['start', 'step 6'], { arch: 'riscv64', interval: 50 });
  const s = rec.tts;
  const here = s.view();
  const v = await exec(s, 'reverse-step');
  assert.equal(v.location?.atInsnStart, true);
  assert.notEqual(v.location?.insn, null);
  assert.ok(s.count < 1000);
  const back = await exec(s, 'step');
  assert.equal(regFile(back), regFile(here));
  s.session.dispose();
});

test('riscv64: reverse-finish from a bpf2bpf subprogram stops on the jalr in its caller; from there it is the outermost frame', async () => {
  const { rec } = await recordScript('examples/subprog_tail.o', ['break classify', 'run'], { arch: 'riscv64', profile: 'tcc-on-stack', interval: 50 });
  const s = rec.tts;
  assert.equal(s.view().location?.func, 'classify');
  const v = await exec(s, 'reverse-finish');
  assert.equal(v.location?.func, 'entry');
  assert.match(currentNative(v), /^(c\.)?jalr\b.*\bra\b/, `stopped on: ${currentNative(v)}`);
  const into = await exec(s, 'stepi');
  assert.equal(into.location?.func, 'classify', "the next instruction is the callee's first");
  await exec(s, 'reverse-stepi');
  const r = await s.execute('reverse-finish');
  assert.ok(!r.ok);
  assert.match(r.error!.message, /outermost frame/);
  s.session.dispose();
});

test('riscv64: after a bpf2bpf call returns, reverse-next goes back over the call and reverse-step into the callee', async () => {
  const { rec } = await recordScript('examples/subprog_tail.o', ['break subprog_tail.c:54', 'run'], { arch: 'riscv64', profile: 'tcc-on-stack', interval: 50 });
  const s = rec.tts;
  const after = s.view();
  assert.equal(after.location?.func, 'entry');
  const afterCount = s.count;
  const step = await exec(s, 'reverse-step');
  assert.equal(step.location?.func, 'classify', 'reverse-step stops in the callee');
  await exec(s, 'continue'); // back to the breakpoint
  assert.equal(s.count, afterCount);
  const next = await exec(s, 'reverse-next');
  assert.equal(next.location?.func, 'entry', 'reverse-next stays in the caller');
  assert.equal(next.location?.atInsnStart, true);
  assert.ok(next.location?.insn !== null && next.location!.insn! < after.location!.insn!, 'an earlier instruction of entry');
  const fwd = await exec(s, 'next');
  assert.equal(regFile(fwd), regFile(after), 'next runs the call again to the same state');
  s.session.dispose();
});
