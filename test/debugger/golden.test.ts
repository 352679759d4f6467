// Golden batch transcripts: each script runs in batch (text) mode over an example and is
// compared with test/debugger/golden/<name>.txt, code addresses masked. Rewrite them with
// UPDATE_GOLDEN=1, then read the diff.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { batchText } from '../../src/debugger/batch.ts';
import { examplePath, have, openAt, SELFTESTS } from './fixture.ts';
import type { LaunchOptions } from '../../src/debugger/target/launch.ts';
import { inCI } from '../support/required.ts';

interface Script {
  name: string;
  object: string;
  launch?: LaunchOptions;
  commands: string[];
}

const SCRIPTS: Script[] = [
  {
    name: 'tailchain-direct-indirect',
    object: examplePath('tailchain'),
    commands: [
      'info pokes',
      'break entry:10',
      'run',
      'info registers',
      'step',
      'bt',
      'break stage_count:16',
      'continue',
      'step',
      'bt',
      'info tailcalls',
      'continue',
    ],
  },
  {
    name: 'subprog-tail-swap',
    object: examplePath('subprog_tail'),
    commands: ['break entry:33', 'run', 'bt', 'info frame', 'map update jmp_table 1 handler_small', 'info pokes', 'step', 'bt', 'info maps', 'continue'],
  },
  {
    name: 'tailchain-delete-grace',
    object: examplePath('tailchain'),
    commands: ['catch poke', 'break entry:10', 'run', 'map delete chain 0', 'info pokes', 'next', 'continue', 'info pokes'],
  },
  {
    name: 'privstack-frame',
    object: examplePath('privstack'),
    commands: ['break mix', 'run', 'info registers', 'bt', 'info frame', 'up', 'info frame', 'finish', 'until', 'list', 'continue', 'print result'],
  },
  {
    name: 'selfloop-limit',
    object: examplePath('selfloop'),
    commands: ['catch tailcall', 'run', 'continue 32', 'info registers', 'continue', 'bt', 'continue'],
  },
  {
    name: 'xdp-disassemble',
    object: examplePath('xdp_parse'),
    commands: ['disassemble /b', 'break xdp_parse:3', 'run', 'x/4xb $r1', 'disassemble', 'continue', 'help step'],
  },
  {
    name: 'selftest-tailcall3',
    object: join(SELFTESTS, 'tailcall3.o'),
    launch: { prog: 'entry', mapUpdates: [{ map: 'jmp_table', key: 0, prog: 'classifier_0' }] },
    commands: ['catch tailcall', 'run', 'bt', 'info frame', 'continue 40', 'print count'],
  },
];

/** Masks code/stack addresses (anything 0x + 9 or more hex digits) and absolute source paths. */
export function mask(text: string): string {
  return text.replace(/0x[0-9a-f]{9,}/g, '0xADDR').replace(/\/\S*\/(examples|include)\//g, '.../$1/');
}

for (const sc of SCRIPTS) {
  test(`golden transcript ${sc.name}`, { skip: have(sc.object) ? false : `${sc.object} not available` }, async () => {
    const s = await openAt(sc.object, sc.launch);
    let out = '';
    for (const c of sc.commands) out += batchText(await s.execute(c));
    s.dispose();
    const got = mask(out);
    const file = join(import.meta.dirname, 'golden', `${sc.name}.txt`);
    // A missing golden file is written (to be read and committed) outside CI, and fails under CI.
    if (process.env.UPDATE_GOLDEN || (!existsSync(file) && !inCI)) writeFileSync(file, got);
    assert.ok(existsSync(file), `golden file ${file} is missing (run with UPDATE_GOLDEN=1 and commit it)`);
    assert.equal(got, readFileSync(file, 'utf8'));
  });
}
