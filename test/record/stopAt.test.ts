// `replay --stop-at`: the replay pauses before command #N or at an instruction count,
// verified up to there; the session handed over at that point steps forwards through the
// rest of the recording (recorded nondeterministic values still feeding the helpers) with
// the recorded counts and state hashes, and goes backwards too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { commandsOf, openReplay, parseStopAt, type Recording, type StopAt } from '../../src/record/index.ts';
import { recordScript, repoRoot, roundTrip } from './fixture.ts';

const SCRIPT = ['start', 'nexti 8', 'stepi 40', 'reverse-stepi 5', 'continue', 'print seen', 'run', 'stepi 30'];

async function recorded(): Promise<Recording> {
  const { rec } = await recordScript('test/record/fixtures/nondet.o', SCRIPT, { interval: 16 });
  const r = roundTrip(rec.toRecording());
  rec.tts.session.dispose();
  return r;
}

async function paused(rec: Recording, stopAt: StopAt) {
  const rp = await openReplay(rec, 'nondet.bpfrec');
  assert.ok(rp.ok, !rp.ok ? rp.error.message : '');
  const r = await rp.value.run({ stopAt });
  return { tts: rp.value.tts, r };
}

test('--stop-at parses N and insn:COUNT, nothing else', () => {
  assert.deepEqual(parseStopAt('3'), { command: 3 });
  assert.deepEqual(parseStopAt('insn:120'), { instruction: 120 });
  for (const bad of ['', '-1', 'insn:', 'x:3', '3.5', 'insn:abc']) assert.equal(parseStopAt(bad), null, bad);
});

test('paused before each command N, re-typing the rest of the recording reproduces its counts and hashes', async () => {
  const rec = await recorded();
  const cmds = commandsOf(rec);
  assert.ok(
    rec.events.some((e) => e.t === 'nondet' && e.at > cmds[4]!.at),
    'draws happen after the pause points',
  );
  for (let n = 0; n <= cmds.length; n++) {
    const { tts, r } = await paused(rec, { command: n });
    try {
      assert.ok(r.ok, !r.ok ? r.error.message : '');
      assert.deepEqual(r.value.stoppedAt, { command: n, instruction: n < cmds.length ? cmds[n]!.at : rec.final.at });
      assert.equal(r.value.commands, n);
      if (n > 0) assert.equal(tts.tracer.stateHash(), cmds[n - 1]!.hash);
      // Explore: read-only commands leave the state alone.
      const before = tts.tracer.stateHash();
      for (const c of ['info registers', 'backtrace', 'print seen']) await tts.execute(c);
      assert.equal(tts.tracer.stateHash(), before);
      // Step forwards through the rest: the recorded draws feed the helpers.
      for (const c of cmds.slice(n)) {
        const out = await tts.execute(c.text);
        assert.equal(out.ok, c.ok, `#${c.n} ${c.text}: ${out.error?.message ?? ''}`);
        assert.equal(tts.count, c.after, `stop ${n}, #${c.n} ${c.text}`);
        assert.equal(tts.tracer.stateHash(), c.hash, `stop ${n}, #${c.n} ${c.text}`);
      }
    } finally {
      tts.session.dispose();
    }
  }
});

test('--stop-at insn:COUNT inside a command goes back to COUNT; forwards and backwards from there match the recording', async () => {
  const rec = await recorded();
  const cmds = commandsOf(rec);
  const k = cmds.findIndex((c) => c.text === 'stepi 40');
  const c = cmds[k]!;
  const count = c.at + 17;
  const { tts, r } = await paused(rec, { instruction: count });
  try {
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.deepEqual(r.value.stoppedAt, { command: k + 1, instruction: count });
    assert.equal(tts.count, count);
    assert.equal((await tts.execute('reverse-stepi 17')).ok, true);
    assert.equal(tts.tracer.stateHash(), cmds[k - 1]!.hash, 'back to the end of the previous command');
    assert.equal((await tts.execute('stepi 40')).ok, true);
    assert.equal(tts.count, c.after);
    assert.equal(tts.tracer.stateHash(), c.hash, 'forward again to the end of the command');
  } finally {
    tts.session.dispose();
  }
  // Launch, and a count past the end.
  const at0 = await paused(rec, { instruction: 0 });
  assert.ok(at0.r.ok && at0.r.value.stoppedAt?.command === 0);
  at0.tts.session.dispose();
  const past = await paused(rec, { instruction: rec.final.at + 1000 });
  assert.ok(!past.r.ok);
  assert.equal(past.r.error.code, 'cli.bad-stop-at');
  past.tts.session.dispose();
  const tooMany = await paused(rec, { command: cmds.length + 1 });
  assert.ok(!tooMany.r.ok && /has \d+ commands/.test(tooMany.r.error.message));
  tooMany.tts.session.dispose();
});

test('bpfdbg replay --stop-at N --batch --json says where it paused and takes commands there', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stopat-'));
  const cmds = path.join(dir, 'cmds');
  writeFileSync(cmds, 'info registers\nreverse-stepi 1\nstepi 1\n');
  const run = (args: string[]) => spawnSync(path.join(repoRoot, 'bin/bpfdbg'), args, { cwd: repoRoot, encoding: 'utf8' });
  const r = run(['replay', 'sessions/selfloop-33-hops.bpfrec', '--stop-at', '2', '--batch', '-x', cmds, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines[0]!['ok'], true);
  assert.equal((lines[0]!['stoppedAt'] as { command: number }).command, 2);
  assert.deepEqual(
    lines.slice(1).map((l) => l['ok']),
    [true, true, true],
  );
  const bad = run(['replay', 'sessions/selfloop-33-hops.bpfrec', '--stop-at', 'soon', '--batch']);
  assert.notEqual(bad.status, 0);
  assert.equal(bad.stderr.trim().split('\n').length, 1);
  assert.match(bad.stderr, /--stop-at wants a command number N or insn:COUNT, got 'soon'/);
});
