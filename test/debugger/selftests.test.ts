// Debugger sessions over the kernel's tail-call selftests
// (../shared/testdata/kernel-selftests): the shadow log sees every hop the counter allows,
// including hops out of subprograms that share the counter by pointer (6.12+).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { exec, have, openAt, SELFTESTS } from './fixture.ts';
import type { Session } from '../../src/debugger/session.ts';

const obj = (n: string): string => join(SELFTESTS, `${n}.o`);
const skip = (n: string): string | false => (have(obj(n)) ? false : `${obj(n)} absent (kernel selftest objects not available)`);

/** Continues to the end under `catch tailcall`, returning the taken/not-taken outcomes. */
async function collectTailCalls(s: Session): Promise<string[]> {
  const seen: string[] = [];
  await exec(s, 'catch tailcall', 'run');
  while (s.view().runState === 'stopped') {
    const st = s.view().stop!;
    if (st.kind === 'tail-call') seen.push(st.taken ? 'taken' : st.outcome);
    await exec(s, 'continue');
  }
  return seen;
}

test('tailcall3: classifier_0 tail-calls itself until the counter reaches 33', { skip: skip('tailcall3') }, async () => {
  const s = await openAt(obj('tailcall3'), { prog: 'entry', mapUpdates: [{ map: 'jmp_table', key: 0, prog: 'classifier_0' }] }, new Uint8Array(128));
  const seen = await collectTailCalls(s);
  assert.equal(seen.filter((x) => x === 'taken').length, 33);
  assert.equal(seen.at(-1), 'count-exceeded');
  assert.equal(s.view().stop!.kind, 'exit');
  assert.equal((await exec(s, 'print count')).output.at(-1)!.text, '$ = 33');
  s.dispose();
});

test(
  'tailcall_bpf2bpf_hierarchy1: hops from two subprogram calls share one counter (1 + 33 entries)',
  { skip: skip('tailcall_bpf2bpf_hierarchy1') },
  async () => {
    const s = await openAt(
      obj('tailcall_bpf2bpf_hierarchy1'),
      { prog: 'entry', mapUpdates: [{ map: 'jmp_table', key: 0, prog: 'entry' }] },
      new Uint8Array(128),
    );
    const seen = await collectTailCalls(s);
    assert.equal(seen.filter((x) => x === 'taken').length, 33);
    assert.ok(seen.filter((x) => x === 'count-exceeded').length >= 1);
    assert.equal((await exec(s, 'print count')).output.at(-1)!.text, '$ = 34');
    s.dispose();
  },
);

test(
  'tailcall1: a delete while stopped pokes the key-0 sites one by one; later sites stay armed until the grace period ends',
  { skip: skip('tailcall1') },
  async () => {
    const ups = [0, 1, 2].map((k) => ({ map: 'jmp_table', key: k, prog: `classifier_${k}` }));
    const s = await openAt(obj('tailcall1'), { prog: 'entry', mapUpdates: ups }, new Uint8Array(128));
    await exec(s, 'start', 'map delete jmp_table 0');
    const key0 = () =>
      s
        .view()
        .pokes.filter((p) => p.key === 0)
        .map((p) => p.state)
        .join('');
    // prog_array_map_poke_run: bypass of the first descriptor, synchronize_rcu(), its target,
    // then the next descriptor: the CPU we stopped keeps the rest of the queue waiting.
    assert.equal(key0(), 'DBBB');
    await exec(s, 'continue');
    assert.deepEqual(s.view().stop, { kind: 'exit', retval: '0x0', retvalSigned: '0' }, 'entry:10 still tail-called classifier_0');
    assert.equal(key0(), 'CCCC');
    await exec(s, 'run');
    assert.deepEqual(s.view().stop, { kind: 'exit', retval: '0x1', retvalSigned: '1' }, 'now slot 0 is empty at every site');
    s.dispose();
  },
);
