// Crafted recordings with valid hashes: every section is checked against its schema before
// a replay trusts it, and the first misfit is one line naming the section and the field.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecording, encodeRecording, FORMAT_VERSION, type Recording } from '../../src/record/index.ts';
import { sha256Hex } from '../../src/record/writer.ts';
import { formatDiag } from '../../src/common/diag.ts';

const object = Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 1, 2, 3, 4]);
const sample = (): Recording => ({
  meta: {
    format: 'bpfrec',
    version: FORMAT_VERSION,
    engine: 'test-engine',
    createdAt: '2026-01-01T00:00:00.000Z',
    object: { name: 'x.o', path: 'x.o', size: object.length, sha256: sha256Hex(object) },
    objects: [],
    options: { prog: null, arch: 'x86_64', profile: 'linux-6.18', mapUpdates: [], setup: [], clockStart: '1000000000', cpu: 0 },
    checkpointInterval: 1000,
  },
  object,
  objectFiles: [],
  input: { data: '0011', ctx: null },
  events: [{ t: 'cmd', n: 0, at: 0, text: 'run', ok: true, after: 42, hash: 'aa' }],
  checkpoints: [{ n: 0, at: 0, cause: 'launch', hash: 'bb' }],
  final: { at: 42, hash: 'aa', commands: 1 },
});

/** A recording as untyped JSON, so a test can break any field of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- crafted inputs reach into any field
type Crafted = Record<string, any>;

/** Decode `sample()` after `edit`, re-encoded with valid hashes; returns the error line. */
function refused(edit: (r: Crafted) => void): string {
  const r = sample() as unknown as Crafted;
  edit(r);
  const d = decodeRecording(encodeRecording(r as unknown as Recording), 'crafted.bpfrec');
  assert.equal(d.ok, false, 'the crafted recording must be refused');
  const line = formatDiag((d as { ok: false; error: never }).error);
  assert.doesNotMatch(line, /\n/);
  assert.doesNotMatch(line, /internal/);
  return line;
}

test('the unmodified sample decodes', () => {
  assert.ok(decodeRecording(encodeRecording(sample())).ok);
});

test('META null, or a META field of the wrong type or range, names META and the field', () => {
  assert.match(
    refused((r) => {
      r.meta = null;
    }),
    /section META: value: expected an object, got null/,
  );
  assert.match(
    refused((r) => {
      r.meta.options.clockStart = 'abc';
    }),
    /section META: options\.clockStart: expected a decimal u64 string, got "abc"/,
  );
  assert.match(
    refused((r) => {
      r.meta.options.cpu = 2 ** 40;
    }),
    /section META: options\.cpu: expected an integer in 0\.\.1, got 1099511627776/,
  );
  assert.match(
    refused((r) => {
      r.meta.options.arch = 'mips';
    }),
    /section META: options\.arch: expected "x86_64" or "riscv64"/,
  );
  assert.match(
    refused((r) => {
      delete r.meta.options.profile;
    }),
    /section META: options\.profile: missing/,
  );
  assert.match(
    refused((r) => {
      r.meta.options.setup = [{ op: 'load' }];
    }),
    /section META: options\.setup\[0\]\.file: missing/,
  );
  assert.match(
    refused((r) => {
      r.meta.options.mapUpdates = [{ map: 'm', key: -1, prog: 'p' }];
    }),
    /options\.mapUpdates\[0\]\.key/,
  );
});

test('a checkpoint interval below 1 is refused (it would never advance, or check nothing)', () => {
  assert.match(
    refused((r) => {
      r.meta.checkpointInterval = -5;
    }),
    /section META: checkpointInterval: expected an integer in 1\.\./,
  );
  assert.match(
    refused((r) => {
      r.meta.checkpointInterval = 0;
    }),
    /section META: checkpointInterval/,
  );
  assert.match(
    refused((r) => {
      r.meta.checkpointInterval = 1.5;
    }),
    /section META: checkpointInterval/,
  );
});

test('INPT, EVNT, CKPT and FINL misfits name their section and field', () => {
  assert.match(
    refused((r) => {
      r.input = { ctx: 5 };
    }),
    /section INPT: data: missing/,
  );
  assert.match(
    refused((r) => {
      r.input = { data: null, ctx: 5 };
    }),
    /section INPT: ctx: expected bytes in hex, got 5/,
  );
  assert.match(
    refused((r) => {
      r.input.data = 'zz';
    }),
    /section INPT: data: expected bytes in hex/,
  );
  assert.match(
    refused((r) => {
      r.final = null;
    }),
    /section FINL: value: expected an object, got null/,
  );
  assert.match(
    refused((r) => {
      r.final = { hash: 3 };
    }),
    /section FINL: at: missing/,
  );
  assert.match(
    refused((r) => {
      r.final.hash = 3;
    }),
    /section FINL: hash: expected a state hash in hex, got 3/,
  );
  assert.match(
    refused((r) => {
      r.checkpoints = [{ n: 0, at: -1, cause: 'launch', hash: 'bb' }];
    }),
    /section CKPT: \[0\]\.at: expected an integer/,
  );
  assert.match(
    refused((r) => {
      r.events = [{ t: 'cmd', n: 0, at: 0, text: 5, ok: true, after: 0, hash: '' }];
    }),
    /section EVNT: line 1\.text: expected a string/,
  );
  assert.match(
    refused((r) => {
      r.events = [{ t: 'nondet', at: 0, kind: 'prandom', value: '-1' }];
    }),
    /section EVNT: line 1\.value: expected a decimal u64 string/,
  );
  assert.match(
    refused((r) => {
      r.events = [{ t: 'jump', at: 0 }];
    }),
    /section EVNT: line 1\.t: expected 'cmd', 'nondet', 'map'/,
  );
});
