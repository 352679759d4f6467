// `record start|stop|save` inside the debugger and `--record [FILE]` at launch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { commandsOf, defaultRecordingPath, openDebugRecording, openReplay, readRecordingFile } from '../../src/record/index.ts';
import { recordScript, replay } from './fixture.ts';

const obj = 'examples/tailchain.o';
const bytes = (): Uint8Array => new Uint8Array(readFileSync(obj));

for (const arch of ['x86_64', 'riscv64'] as const) {
  test(`${arch}: record save refuses before record start, saves after it, and keeps commands from launch`, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rec-'));
    const file = path.join(dir, 'a.bpfrec');
    const d = await openDebugRecording({ objectPath: obj, objectBytes: bytes(), arch, input: {} });
    assert.ok(d.ok);
    const s = d.value.port;
    const early = await s.execute(`record save ${file}`);
    assert.ok(!early.ok);
    assert.match(early.error!.message, /nothing recorded/);
    await s.execute('break stage_count');
    assert.ok((await s.execute('record start')).ok);
    await s.execute('run');
    assert.ok((await s.execute('record stop')).ok);
    await s.execute('continue'); // after the stop: not part of the recording
    const saved = await s.execute(`record save ${file}`);
    assert.ok(saved.ok, saved.error?.message);
    const again = await s.execute(`record save ${file}`);
    assert.ok(!again.ok);
    assert.match(again.error!.message, /--force/);
    assert.ok((await s.execute(`record save ${file} --force`)).ok);
    s.session.dispose();
    const rec = readRecordingFile(file);
    assert.ok(rec.ok);
    assert.deepEqual(
      commandsOf(rec.value).map((c) => c.text),
      ['break stage_count', 'run'],
    );
    assert.equal(rec.value.meta.options.arch, arch);
    assert.equal(rec.value.meta.engine, `bpfdbg-0.1.0/${arch}-unicorn2`);
    const r = await replay(rec.value, file);
    assert.ok(r.ok, !r.ok ? r.error.message : '');
  });
}

test('--record FILE refuses an existing file before the session starts, and finish() saves a replayable file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rec-'));
  const file = path.join(dir, 'b.bpfrec');
  writeFileSync(file, 'keep me');
  const refused = await openDebugRecording({ objectPath: obj, objectBytes: bytes(), input: {}, record: file });
  assert.ok(!refused.ok);
  assert.equal(refused.error.code, 'record.file-exists');
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
  const d = await openDebugRecording({ objectPath: obj, objectBytes: bytes(), input: {}, record: file, force: true });
  assert.ok(d.ok);
  await d.value.port.execute('run');
  const fin = d.value.finish();
  assert.ok(fin.ok && fin.value !== null && fin.value.includes(file));
  d.value.port.session.dispose();
  const rec = readRecordingFile(file);
  assert.ok(rec.ok);
  assert.ok((await replay(rec.value, file)).ok);
});

test('--record without a name goes to sessions/<object>-<UTC time>.bpfrec', () => {
  assert.equal(defaultRecordingPath('examples/tailchain.o', new Date('2026-03-04T05:06:07.890Z')), 'sessions/tailchain-20260304T050607Z.bpfrec');
});

test('a recording made on a program started with --map-update replays with the same swap', async () => {
  const { rec } = await recordScript(obj, ['run'], { mapUpdates: [{ map: 'chain', key: 2, prog: 'stage_count' }] });
  const recording = rec.toRecording();
  rec.tts.session.dispose();
  assert.deepEqual(recording.meta.options.mapUpdates, [{ map: 'chain', key: 2, prog: 'stage_count' }]);
  const r = await replay(recording);
  assert.ok(r.ok, !r.ok ? r.error.message : '');
});

test('the View says where the session stands on its timeline: recording, after going back, stopped, and in a replay', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rec-'));
  const file = path.join(dir, 'h.bpfrec');
  const d = await openDebugRecording({ objectPath: obj, objectBytes: bytes(), input: {}, record: file });
  assert.ok(d.ok);
  const s = d.value.port;
  assert.deepEqual(s.view().history, { mode: 'recording', count: 0, horizon: 0, file });
  await s.execute('break stage_count');
  const hit = (await s.execute('run')).view.history!;
  assert.ok(hit.count > 0 && hit.count === hit.horizon, JSON.stringify(hit));
  const back = (await s.execute('reverse-stepi 5')).view.history!;
  assert.deepEqual([back.count, back.horizon], [hit.count - 5, hit.count]);
  assert.equal((await s.execute('record stop')).view.history!.mode, 'traced');
  assert.ok(d.value.finish().ok);
  s.session.dispose();
  const rec = readRecordingFile(file);
  assert.ok(rec.ok);
  const r = await openReplay(rec.value, file);
  assert.ok(r.ok);
  const done = await r.value.run();
  assert.ok(done.ok);
  // The replay re-ran the recorded reverse-stepi too: it stands where the recording ended.
  assert.deepEqual(r.value.tts.view().history, { mode: 'replay', count: hit.count - 5, horizon: hit.count, file });
  r.value.tts.session.dispose();
});
