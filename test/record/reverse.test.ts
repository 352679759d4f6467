// Reverse execution: reverse-stepi from the end of a run back to its first instruction
// visits exactly the states forward stepping visited (register files compared), and the
// other reverse commands land where gdb's would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { View } from '../../src/debugger/view.ts';
import { recordScript } from './fixture.ts';
import { assertReverseStepiRetraces, exec, regFile } from './timeline.ts';

for (const ex of ['tailchain', 'privstack', 'subprog_tail']) {
  test(`${ex}: reverse-stepi from the end of a run to its first instruction revisits every forward state`, async () => {
    const { rec } = await recordScript(`examples/${ex}.o`, [], { interval: 50 });
    const s = rec.tts;
    await assertReverseStepiRetraces(s, await exec(s, 'start'));
    s.session.dispose();
  });
}

for (const arch of ['x86_64', 'riscv64'] as const) {
  test(`${arch}: reverse-continue goes back through every earlier hit of a breakpoint in a tail-call loop`, async () => {
    const { rec } = await recordScript('examples/selfloop.o', ['break loop'], { arch, interval: 40 });
    const s = rec.tts;
    const hits: string[] = [regFile(await exec(s, 'run'))];
    for (let k = 0; k < 5; k++) hits.push(regFile(await exec(s, 'continue')));
    for (let k = hits.length - 2; k >= 0; k--) {
      const v = await exec(s, 'reverse-continue');
      assert.equal(v.stop?.kind, 'breakpoint');
      assert.equal(regFile(v), hits[k], `hit ${k}`);
    }
    s.session.dispose();
  });
}

test('reverse-step lands on the start of the previous BPF instruction; stepi forward returns', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['start', 'step 6'], { interval: 50 });
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

test('reverse-finish from a bpf2bpf subprogram stops on the call instruction in its caller', async () => {
  const { rec } = await recordScript('examples/subprog_tail.o', ['break classify', 'run'], { interval: 50 });
  const s = rec.tts;
  const inCallee = s.view();
  assert.equal(inCallee.location?.func, 'classify');
  const v = await exec(s, 'reverse-finish');
  assert.equal(v.location?.func, 'entry');
  const line = v.disasm?.lines.find((l) => l.kind === 'native' && l.markers.current);
  assert.ok(line && line.kind === 'native' && /^call/.test(line.text), `stopped on: ${line && 'text' in line ? line.text : 'nothing'}`);
  s.session.dispose();
});

test('going back before a live prog_array swap and forward again re-applies the swap', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break stage_count', 'run', 'map update chain 2 stage_count'], { interval: 50 });
  const s = rec.tts;
  const afterSwap = regFile(await exec(s, 'continue')); // stage_count -> stage_count now
  await exec(s, 'reverse-stepi 40'); // before the first hit, where the swap was made
  await exec(s, 'continue'); // the first hit again; the swap is re-applied there
  const again = await exec(s, 'continue');
  assert.equal(regFile(again), afterSwap);
  assert.equal(again.location?.program, 'stage_count');
  s.session.dispose();
});

test('going back before a prog_array delete shows the code as it was: poke B and the nop5 bypass in the code window', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break entry:10', 'run', 'map delete chain 0'], { interval: 50 });
  const s = rec.tts;
  const site = (v: View): string => {
    const l = v.disasm!.lines.find((x) => x.kind === 'native' && x.markers.pokeSite === 'bypass' && x.markers.poke === 0);
    return l && l.kind === 'native' ? l.text : 'no bypass line';
  };
  assert.match(site(s.view()), /^jmp /);
  const back = await exec(s, 'reverse-stepi');
  assert.equal(back.pokes.find((p) => p.program === 'entry')!.state, 'B');
  assert.match(site(back), /^nop dword ptr/);
  const fwd = await exec(s, 'stepi');
  assert.equal(fwd.pokes.find((p) => p.program === 'entry')!.state, 'D');
  assert.match(site(fwd), /^jmp /);
  s.session.dispose();
});
