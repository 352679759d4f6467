// Batch mode: one JSON object per command with the documented fields (docs/json.md), text
// transcripts with prompts, failures as objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runBatch, scriptLines, BATCH_SCHEMA } from '../../src/debugger/batch.ts';
import { examplePath, have, openExample } from './fixture.ts';

const FIELDS = [
  'schema',
  'command',
  'ok',
  'error',
  'output',
  'runState',
  'stop',
  'location',
  'registers',
  'frames',
  'callChain',
  'pokes',
  'maps',
  'breakpoints',
  'catchpoints',
  'displays',
  'objects',
  'links',
  'pins',
  'history',
];

test(
  '--json prints exactly one object per command, with the documented fields; errors are objects',
  { skip: have(examplePath('tailchain')) ? false : 'tailchain.o not built' },
  async () => {
    const s = await openExample('tailchain');
    let out = '';
    const cmds = scriptLines('# comment\nbreak entry:10\n\nrun\nstep\nnonsense\nquit\nstep\n');
    await runBatch(s, cmds, (t) => (out += t), true);
    const lines = out.trim().split('\n');
    assert.equal(lines.length, 5, 'stops after quit; comments and blank lines skipped');
    const objs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const o of objs) assert.deepEqual(Object.keys(o), FIELDS);
    assert.equal(objs[0]!.schema, BATCH_SCHEMA);
    const step = objs[2] as {
      location: { program: string; insn: number; nativeAddr: string };
      frames: { replaced: unknown[] }[];
      registers: { bpf: Record<string, string> };
    };
    assert.equal(step.location.program, 'stage_parse');
    assert.equal(step.location.insn, 0);
    assert.match(step.location.nativeAddr, /^0x[0-9a-f]+$/);
    assert.equal(step.frames[0]!.replaced.length, 1);
    assert.equal(Object.keys(step.registers.bpf).length, 11);
    const bad = objs[3] as { ok: boolean; error: { code: string; message: string } };
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, 'cmd.unknown');
    s.dispose();
  },
);

test(
  'text batch output shows each command after a prompt and errors prefixed',
  { skip: have(examplePath('tailchain')) ? false : 'tailchain.o not built' },
  async () => {
    const s = await openExample('tailchain');
    let out = '';
    await runBatch(s, ['start', 'frob'], (t) => (out += t), false);
    assert.match(out, /^\(bpfdbg\) start\n/);
    assert.match(out, /\(bpfdbg\) frob\nerror: undefined command: "frob"\. Try "help"\.\n$/);
    s.dispose();
  },
);
