// Record -> replay on RISC-V 64, as replay.test.ts on x86-64: every example (under the
// default RISC-V profile, or one that accepts it) and every kernel tail-call selftest
// replay with identical state hashes at every checkpoint and after every command; the
// file names the RISC-V engine,
// arch and profile; the state hash covers every integer register and pc; a flipped byte
// is refused as corrupt and a rewritten log is a divergence at its command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { commandsOf, decodeRecording, encodeRecording, openRecordingSession, recordingOptions } from '../../src/record/index.ts';
import { RV_UPSTREAM } from '../../src/jit/riscv64/index.ts';
import { exampleScript, recordScript, repoRoot, replay, roundTrip } from './fixture.ts';
import { selftestScript } from './selftestScript.ts';
import { expectedPath, readExpected } from '../support/expectedSelftests.ts';
import { present } from '../support/required.ts';

const examples = readdirSync(path.join(repoRoot, 'examples'))
  .filter((f) => f.endsWith('.o'))
  .sort();
const rv = { arch: 'riscv64' } as const;

for (const ex of examples) {
  test(`${ex}: recorded on riscv64, replays with the same state hash at every checkpoint and after every command`, async () => {
    // The default (upstream) profile, else the first that accepts the object (upstream
    // rejects bpf2bpf calls mixed with tail calls), as for the selftests below.
    let s;
    let profile = RV_UPSTREAM.name;
    try {
      s = await recordScript(path.join('examples', ex), exampleScript(ex), { ...rv, interval: 32 });
    } catch (e) {
      assert.match((e as Error).message, /not allowed/, 'only a profile rejection falls back');
      profile = 'tcc-a6-passthrough';
      s = await recordScript(path.join('examples', ex), exampleScript(ex), { ...rv, profile, interval: 32 });
    }
    const rec = roundTrip(s.rec.toRecording());
    s.rec.tts.session.dispose();
    assert.equal(rec.meta.engine, 'bpfdbg-0.1.0/riscv64-unicorn2');
    assert.equal(rec.meta.options.arch, 'riscv64');
    assert.equal(rec.meta.options.profile, profile);
    assert.ok(rec.checkpoints.length >= 2, 'the session made checkpoints');
    const r = await replay(rec);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
    assert.equal(r.value.checkpointsVerified, rec.checkpoints.length);
    assert.equal(r.value.commands, commandsOf(rec).length);
    assert.equal(r.value.finalHash, rec.final.hash);
  });
}

test('a riscv64 recording keeps its profile, and replays under it', async () => {
  const s = await recordScript('examples/subprog_tail.o', ['break classify', 'run', 'reverse-finish', 'continue'], {
    ...rv,
    profile: 'tcc-on-stack',
    interval: 32,
  });
  assert.deepEqual(
    s.outputs.filter((o) => !o.endsWith('-> ok')),
    [],
    'every command worked',
  );
  const rec = roundTrip(s.rec.toRecording());
  s.rec.tts.session.dispose();
  assert.equal(rec.meta.options.profile, 'tcc-on-stack');
  const r = await replay(rec);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.finalHash, rec.final.hash);
});

test('the riscv64 state hash covers x1..x31 and pc: changing any one changes it, restoring it restores it', async () => {
  const s = await recordScript('examples/tailchain.o', ['break stage_count', 'run'], rv);
  const tr = s.rec.tts.tracer;
  const m = tr.real;
  const before = tr.stateHash();
  const names = [...Array.from({ length: 31 }, (_, i) => `x${i + 1}`), 'pc'];
  for (const r of names) {
    const v = m.readReg(r);
    m.writeReg(r, v ^ 0x40n);
    assert.notEqual(tr.stateHash(), before, `${r} is hashed`);
    m.writeReg(r, v);
    assert.equal(tr.stateHash(), before, `${r} restored`);
  }
  s.rec.tts.session.dispose();
});

test('every kernel tail-call selftest records and replays on riscv64 with identical state hashes (upstream profile, else tcc-a6-passthrough)', async (t) => {
  if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata/kernel-selftests is absent');
  const x = readExpected();
  let upstream = 0,
    passthrough = 0;
  for (const st of x.tests) {
    await t.test(st.name, async () => {
      const sc = selftestScript(st, x);
      // riscv64 through v6.19 rejects bpf2bpf calls mixed with tail calls (no
      // bpf_jit_supports_subprog_tailcalls); the a6-passthrough profile runs them all.
      const profile = st.requires.includes('bpf2bpf_call') ? 'tcc-a6-passthrough' : RV_UPSTREAM.name;
      if (profile === RV_UPSTREAM.name) upstream++;
      else passthrough++;
      const r = await openRecordingSession({
        objectPath: sc.mainFile,
        objectBytes: new Uint8Array(readFileSync(sc.mainFile)),
        options: recordingOptions({ prog: sc.prog, arch: 'riscv64', profile, setup: sc.setup }),
        input: sc.input ? { data: sc.input } : {},
        active: true,
        interval: 256,
      });
      assert.ok(r.ok, `${st.name}: launch: ${!r.ok && r.error.message}`);
      const rec = r.value;
      try {
        for (const c of sc.commands) {
          const res = await rec.tts.execute(c.text);
          assert.equal(res.ok, c.expectOk, `${st.name}: '${c.text}' ${c.expectOk ? 'failed' : 'should fail'}: ${res.error?.message ?? ''}`);
          const bad = c.check?.(res);
          assert.equal(bad ?? null, null, `${st.name}: '${c.text}': ${bad}`);
        }
      } finally {
        rec.tts.session.dispose();
      }
      const file = roundTrip(rec.toRecording());
      assert.equal(file.meta.options.arch, 'riscv64');
      assert.equal(file.meta.options.profile, profile);
      const rp = await replay(file);
      assert.ok(rp.ok, `${st.name}: ${!rp.ok ? rp.error.message : ''}`);
      assert.equal(rp.value.checkpointsVerified, file.checkpoints.length, st.name);
      assert.equal(rp.value.commands, sc.commands.length, st.name);
      assert.equal(rp.value.finalHash, file.final.hash, st.name);
    });
  }
  assert.ok(upstream > 0 && passthrough > 0, `${upstream} under upstream, ${passthrough} under tcc-a6-passthrough`);
});

test('a riscv64 recording with one byte flipped is refused as corrupt, naming the section', async () => {
  const s = await recordScript('examples/tailchain.o', ['run'], rv);
  const bytes = encodeRecording(s.rec.toRecording());
  s.rec.tts.session.dispose();
  const text = Buffer.from(bytes).toString('latin1');
  const at = text.indexOf('"arch":"riscv64"') + 9; // inside the META payload
  bytes[at] ^= 0x20; // 'riscv64' -> 'Riscv64'
  const r = decodeRecording(bytes, 'flip.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.corrupt');
  assert.equal(r.error.place.section, 'META');
  assert.match(r.error.message, /section META is corrupt/);
});

test('a riscv64 recording whose arch was rewritten (checksums recomputed) is refused, naming the field', async () => {
  const s = await recordScript('examples/tailchain.o', ['run'], rv);
  const rec = s.rec.toRecording();
  s.rec.tts.session.dispose();
  (rec.meta.options as { arch: string }).arch = 'arm64';
  const r = decodeRecording(encodeRecording(rec), 'arm.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.bad-section');
  assert.match(r.error.message, /options\.arch: expected "x86_64" or "riscv64", got "arm64"/);
});

test('a riscv64 recording whose log no longer matches execution is a divergence at its command', async () => {
  const s = await recordScript('examples/tailchain.o', ['break stage_count', 'run', 'continue'], rv);
  const rec = s.rec.toRecording();
  s.rec.tts.session.dispose();
  const last = commandsOf(rec).at(-1)!;
  last.hash = last.hash.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  const r = await replay(roundTrip(rec), 'edited.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.diverged');
  assert.match(r.error.message, /command #2 'continue'/);
});

test('the same session recorded on x86-64 and on riscv64 names each engine; the RISC-V log replayed on x86-64 is an engine change', async () => {
  const x86 = await recordScript('examples/tailchain.o', ['break stage_count', 'run'], {});
  const rvS = await recordScript('examples/tailchain.o', ['break stage_count', 'run'], rv);
  const a = roundTrip(x86.rec.toRecording());
  const b = roundTrip(rvS.rec.toRecording());
  x86.rec.tts.session.dispose();
  rvS.rec.tts.session.dispose();
  assert.equal(a.meta.engine, 'bpfdbg-0.1.0/x86_64-unicorn2');
  assert.equal(b.meta.engine, 'bpfdbg-0.1.0/riscv64-unicorn2');
  assert.notEqual(a.final.hash, b.final.hash);
  // The RISC-V log replayed on x86-64 (arch edited, engine id kept): an engine change, not corruption.
  b.meta.options.arch = 'x86_64';
  b.meta.options.profile = a.meta.options.profile;
  const r = await replay(roundTrip(b), 'moved.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.engine-changed');
  assert.match(r.error.message, /made by engine bpfdbg-0\.1\.0\/riscv64-unicorn2, this is bpfdbg-0\.1\.0\/x86_64-unicorn2/);
});
