// The .bpfrec container: round trip, integrity checks that name where a file is broken,
// version gating (version 1 files still read), further object files (OBJX) and setup
// steps, and atomic writes that never replace a file without --force.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  decodeRecording,
  encodeRecording,
  FORMAT_VERSION,
  readRecordingFile,
  saveRecording,
  SECTION_HEADER_SIZE,
  FILE_HEADER_SIZE,
  type Recording,
} from '../../src/record/index.ts';
import { sha256Hex } from '../../src/record/writer.ts';

const object = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3, 4]);
const fentry = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 9, 9]);
const sample = (): Recording => ({
  meta: {
    format: 'bpfrec',
    version: FORMAT_VERSION,
    engine: 'test-engine',
    createdAt: '2026-01-01T00:00:00.000Z',
    object: { name: 'x.o', path: 'examples/x.o', size: object.length, sha256: sha256Hex(object) },
    objects: [
      { path: 'f.o', size: fentry.length, sha256: sha256Hex(fentry) },
      { path: 'gone.o', error: 'gone.o: no such file' },
      { path: 'f.o', size: fentry.length, sha256: sha256Hex(fentry) },
    ],
    options: {
      prog: null,
      arch: 'x86_64',
      profile: 'linux-6.18',
      mapUpdates: [],
      clockStart: '1000000000',
      cpu: 0,
      setup: [{ op: 'load', file: 'f.o', targets: [{ prog: 'fentry', target: { prog: 'entry', func: 'subprog_tail' } }], attach: ['fentry'] }],
    },
    checkpointInterval: 1000,
  },
  object,
  objectFiles: [fentry],
  input: { data: '0011', ctx: null },
  events: [
    { t: 'cmd', n: 0, at: 0, text: 'run', ok: true, after: 42, hash: 'aa' },
    { t: 'nondet', at: 10, kind: 'prandom', value: '7' },
  ],
  checkpoints: [{ n: 0, at: 0, cause: 'launch', hash: 'bb' }],
  final: { at: 42, hash: 'aa', commands: 1 },
});

/** Offset of section `tag`'s header in an encoded file. */
function sectionOffset(bytes: Uint8Array, tag: string): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  let off = FILE_HEADER_SIZE;
  for (;;) {
    const t = String.fromCharCode(...bytes.subarray(off, off + 4));
    if (t === tag) return off;
    off += SECTION_HEADER_SIZE + Number(dv.getBigUint64(off + 8, true));
  }
}

test('a recording survives encode and decode unchanged', () => {
  const r = decodeRecording(encodeRecording(sample()), 'a.bpfrec');
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.deepEqual(r.value, sample());
});

test('flipping any one byte of a section is reported as that section being corrupt, with its offset', () => {
  const good = encodeRecording(sample());
  for (const tag of ['META', 'OBJ ', 'OBJX', 'INPT', 'EVNT', 'CKPT', 'FINL']) {
    const bad = good.slice();
    const at = sectionOffset(bad, tag) + SECTION_HEADER_SIZE; // first payload byte
    bad[at] ^= 0x01;
    const r = decodeRecording(bad, 'a.bpfrec');
    assert.ok(!r.ok, `${tag}: accepted a flipped byte`);
    assert.equal(r.error.code, 'record.corrupt');
    assert.match(r.error.message, new RegExp(`section ${tag.trim()} is corrupt`));
    assert.equal(r.error.place.section, tag);
    assert.equal(r.error.place.fileOff, sectionOffset(bad, tag));
  }
});

test('a flipped byte in the file header is caught by the whole-file hash', () => {
  const bad = encodeRecording(sample());
  bad[13] ^= 0x40; // section count: the END! hash covers it
  const r = decodeRecording(bad, 'a.bpfrec');
  assert.ok(!r.ok);
  assert.ok(['record.corrupt', 'record.truncated', 'record.bad-section'].includes(r.error.code), r.error.code);
});

test('a truncated file names the section it ends in and how many bytes are missing', () => {
  const good = encodeRecording(sample());
  const cut = good.subarray(0, sectionOffset(good, 'EVNT') + SECTION_HEADER_SIZE + 3);
  const r = decodeRecording(cut, 'a.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.truncated');
  assert.equal(r.error.place.section, 'EVNT');
  assert.match(r.error.message, /only 3 remain/);
  const noEnd = decodeRecording(good.subarray(0, sectionOffset(good, 'END!')), 'a.bpfrec');
  assert.ok(!noEnd.ok);
  assert.equal(noEnd.error.code, 'record.truncated');
});

test('a newer format version is refused with the version numbers, before anything else is read', () => {
  const bad = encodeRecording(sample());
  new DataView(bad.buffer).setUint32(8, FORMAT_VERSION + 1, true);
  const r = decodeRecording(bad, 'a.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.newer-version');
  assert.match(r.error.message, new RegExp(`version ${FORMAT_VERSION + 1} is newer .*\\(${FORMAT_VERSION}\\)`));
});

test('a file that is not a recording says so', () => {
  const r = decodeRecording(Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 0, 0, 0, 0]), 'x.o');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.not-a-recording');
});

test('an embedded object whose hash differs from META is refused as an object mismatch', () => {
  const s = sample();
  s.meta.object.sha256 = sha256Hex(Uint8Array.of(1));
  const r = decodeRecording(encodeRecording(s), 'a.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.object-mismatch');
});

test('saving never replaces an existing file without force, and leaves no temp file behind', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bpfrec-'));
  const file = path.join(dir, 'sub', 'a.bpfrec');
  assert.ok(saveRecording(file, sample(), false).ok);
  const first = readFileSync(file);
  const again = saveRecording(file, { ...sample(), input: { data: null, ctx: null } }, false);
  assert.ok(!again.ok);
  assert.equal(again.error.code, 'record.file-exists');
  assert.match(again.error.message, /--force/);
  assert.deepEqual(readFileSync(file), first);
  assert.ok(saveRecording(file, { ...sample(), input: { data: null, ctx: null } }, true).ok);
  const r = readRecordingFile(file);
  assert.ok(r.ok);
  assert.equal(r.value.input.data, null);
  assert.deepEqual(readdirSync(path.dirname(file)), ['a.bpfrec']);
});

test('reading a missing file is an error value naming the file', () => {
  const r = readRecordingFile('/nonexistent/x.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.place.file, '/nonexistent/x.bpfrec');
});

test('each further object file is stored once however often it was read; a read without its file is refused, naming OBJX', () => {
  const bytes = encodeRecording(sample());
  const text = Buffer.from(bytes).toString('latin1');
  assert.equal(text.split('OBJX').length - 1, 1, 'f.o read twice, stored once');
  const s = sample();
  s.objectFiles = [];
  const r = decodeRecording(encodeRecording(s), 'a.bpfrec');
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'record.bad-section');
  assert.equal(r.error.place.section, 'OBJX');
  assert.match(r.error.message, /object read #0 \(f\.o/);
});

test('a version-1 recording (a sample as shipped before version 2) still reads: one object, no setup steps', () => {
  const r = readRecordingFile(path.join(import.meta.dirname, 'fixtures/v1-tailchain-live-swap.bpfrec'));
  assert.ok(r.ok, !r.ok ? r.error.message : '');
  assert.equal(r.value.meta.version, 1);
  assert.deepEqual(r.value.meta.objects, []);
  assert.deepEqual(r.value.meta.options.setup, []);
  assert.deepEqual(r.value.objectFiles, []);
});

test("a save removes temp files of our naming left by a dead writer (kill -9 mid-save), not a live one's", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stale-'));
  const f = path.join(dir, 's.bpfrec');
  // pid 2^22+1 is above Linux's pid_max ceiling: never a live process.
  const dead = `s.bpfrec.tmp-${(1 << 22) + 1}-abc123`;
  const live = `s.bpfrec.tmp-${process.ppid}-abc123`;
  const other = 'other.bpfrec.tmp-1-abc';
  for (const n of [dead, live, other]) writeFileSync(path.join(dir, n), 'x');
  assert.ok(saveRecording(f, sample(), false).ok);
  assert.deepEqual(readdirSync(dir).sort(), [live, other, 's.bpfrec'].sort());
});
