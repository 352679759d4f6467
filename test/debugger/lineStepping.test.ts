// gdb's step/next: they stop at the next source line (a BTF line-info row whose line
// differs), not at the next BPF instruction; step follows tail calls into the next
// program; reverse-step goes back to where the previous line began.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exec, openExample } from './fixture.ts';
import { recordScript } from '../record/fixture.ts';
import { exec as ttExec } from '../record/timeline.ts';

const where = (v: { location: { func: string; insn: number | null; source: { file: string; line: number } | null } | null }): string =>
  `${v.location!.func}:${v.location!.insn} ${v.location!.source?.file.split('/').pop()}:${v.location!.source?.line}`;

test('step runs a whole source line (several BPF instructions) and stops at the next line', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break entry', 'run');
  const a = await exec(s, 'step');
  assert.equal(where(a.view), 'entry:1 tailchain.c:53');
  // `hops = 0;` is four BPF instructions (1..4): one step passes them all.
  const b = await exec(s, 'step');
  assert.equal(b.view.location!.insn, 5);
  assert.notEqual(b.view.location!.source!.line, 53);
  s.dispose();
});

test('step follows a tail call to the first line of the next program; next stays on lines too', async () => {
  const s = await openExample('tailchain');
  await exec(s, 'break entry', 'run', 'step', 'step');
  const t = await exec(s, 'step');
  assert.equal(where(t.view), 'stage_parse:0 tailchain.c:43');
  const n = await exec(s, 'next');
  assert.equal(where(n.view), 'stage_parse:1 tailchain.c:45');
  const n2 = await exec(s, 'next');
  assert.notEqual(n2.view.location!.source!.line, 45, 'hops++ (several insns) is one next');
  s.dispose();
});

test('reverse-step goes back to the first instruction of the previous line, across the tail call', async () => {
  const { rec } = await recordScript('examples/tailchain.o', ['break entry', 'run', 'step 3']);
  const s = rec.tts;
  assert.equal(where(s.view()), 'stage_parse:0 tailchain.c:43');
  const v = await ttExec(s, 'reverse-step');
  assert.equal(`${v.location!.func}:${v.location!.insn}`, 'entry:5', 'the start of the inlined bpf_tail_call_static line');
  const w = await ttExec(s, 'reverse-step');
  assert.equal(where(w), 'entry:1 tailchain.c:53');
  s.session.dispose();
});
