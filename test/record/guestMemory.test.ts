// Guest memory as recording hashes it (record/guestMemory.ts): a big region is compared
// with its base image only where it was written — by the program's stores, by the kernel
// model's JS (map updates) and by writes through the machine — and that must mean the same
// as comparing every page: same deltas, same digests, and a replay whose map memory differs
// by one byte is still a divergence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openRecordingSession, openReplay, recordingOptions, type Recorder } from '../../src/record/index.ts';
import { GuestMemory, TRACK_MIN } from '../../src/record/guestMemory.ts';
import { ArrayMap, keyBytes } from '../../src/kernel/index.ts';
import { bigArrayObject } from './bigArrayObject.ts';
import { roundTrip } from './fixture.ts';

/** 2^17 u64 values: a map region just over TRACK_MIN, so it is hashed by written page. */
const ENTRIES = 1 << 17;
const data = new Uint8Array(64);

async function recording() {
  const bytes = bigArrayObject(ENTRIES);
  const r = await openRecordingSession({ objectPath: 'big.o', objectBytes: bytes, options: recordingOptions({}), input: { data }, active: true });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const bigMap = (maps: readonly unknown[]): ArrayMap => {
  const m = maps.find((x) => x instanceof ArrayMap && x.def.maxEntries === ENTRIES);
  assert.ok(m instanceof ArrayMap, 'the object has its big array map');
  return m;
};

/** A GuestMemory over the session's machine and model that tracks writes (big regions by written page). */
function trackedMemory(rec: Recorder): GuestMemory {
  const model = rec.tts.target.model;
  return new GuestMemory(
    rec.tts.tracer.real,
    () => model.space.regions(),
    (fn) => model.space.onWrite(fn),
  );
}

test('pages found by tracking writes are the pages a full comparison finds, for guest, model and machine writes', async () => {
  const rec = await recording();
  try {
    const { tracer, target } = rec.tts;
    const model = target.model;
    const map = bigMap(model.objects.flatMap((o) => o.maps));
    assert.ok(map.struct.size >= TRACK_MIN);
    const tracked = trackedMemory(rec);
    const full = new GuestMemory(tracer.real, () => model.space.regions());
    const same = (what: string): number => {
      const a = tracked.delta(null),
        b = full.delta(null);
      assert.deepEqual([...(a.get(map.struct.base)?.keys() ?? [])].sort(), [...(b.get(map.struct.base)?.keys() ?? [])].sort(), what);
      assert.equal(tracked.digest(a), full.digest(b), what);
      return a.get(map.struct.base)?.size ?? 0;
    };
    assert.equal(same('at launch'), 0);
    // The program adds i to element i << 16: element 0 keeps its value, element 65536 changes.
    for (const c of ['start', 'continue']) assert.ok((await rec.tts.execute(c)).ok, c);
    assert.equal(same('after the program stored into two elements'), 1);
    // bpf_map_update_elem from user space (the model writes the region's bytes itself).
    assert.equal(map.update(keyBytes(100_000), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]), 0n, 0), 0);
    assert.equal(same('after a map update'), 2);
    // A write through the machine (what `set` and restores do).
    tracer.real.writeMem(map.elemAddr(120_000), new Uint8Array([9]));
    assert.equal(same('after a machine write'), 3);
    // Writing the base bytes back: the page is equal again, for both.
    tracer.real.writeMem(map.elemAddr(120_000), new Uint8Array([0]));
    assert.equal(same('after writing the old byte back'), 2);
    tracked.dispose();
  } finally {
    rec.tts.session.dispose();
  }
});

test("a replay whose big map differs from the recording's by one byte is reported as a divergence", async () => {
  const rec = await recording();
  for (const c of ['start', 'stepi 3', 'continue']) assert.ok((await rec.tts.execute(c)).ok, c);
  const recording1 = roundTrip(rec.toRecording());
  rec.tts.session.dispose();
  for (const how of ['model', 'machine'] as const) {
    const rp = await openReplay(recording1, 'big.bpfrec');
    assert.ok(rp.ok, !rp.ok ? rp.error.message : '');
    try {
      // One byte of an element the program never touches, far from the pages it writes.
      const map = bigMap(rp.value.tts.target.model.objects.flatMap((o) => o.maps));
      const addr = map.elemAddr(90_000) + 3n;
      if (how === 'model') rp.value.tts.target.model.space.write(addr, new Uint8Array([0x40]), true);
      else rp.value.tts.tracer.real.writeMem(addr, new Uint8Array([0x40]));
      const r = await rp.value.run();
      assert.ok(!r.ok, `${how}: the replay reports the difference`);
      assert.equal(r.error.code, 'record.diverged', `${how}: ${r.error.message}`);
    } finally {
      rp.value.tts.session.dispose();
    }
  }
});

test('a delta keeps copies of the differing pages, and its digest follows later writes', async () => {
  const rec = await recording();
  try {
    const { tracer, target } = rec.tts;
    const model = target.model;
    const map = bigMap(model.objects.flatMap((o) => o.maps));
    const mem = trackedMemory(rec);
    // A model region below TRACK_MIN (compared whole, not by written page).
    const small = model.space.regions().find((r) => r.size < TRACK_MIN && !(r.base <= map.struct.base && map.struct.base < r.base + BigInt(r.size)));
    assert.ok(small, 'a region compared whole');
    const addr = small.base + BigInt(small.size) - 8n;
    const was = tracer.real.readMem(addr, 8);
    tracer.real.writeMem(addr, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    const before = mem.delta(null);
    const page = before.get(small.base)?.get(Math.floor((small.size - 8) / 4096) * 4096);
    assert.ok(page, 'the written page differs from the base');
    const copy = page.slice();
    const d1 = mem.digest(before);
    // Writing again must change neither the page the delta holds nor its digest...
    tracer.real.writeMem(addr, new Uint8Array([8, 7, 6, 5, 4, 3, 2, 1]));
    assert.deepEqual(page, copy, 'the delta holds a copy, not a view of guest memory');
    assert.equal(mem.digest(before), d1);
    // ...and the next delta sees the new bytes, with another digest.
    const after = mem.delta(null);
    assert.notEqual(mem.digest(after), d1);
    // Back to the launch bytes: the same digest as a delta of the untouched memory.
    tracer.real.writeMem(addr, was);
    const fresh = new GuestMemory(tracer.real, () => model.space.regions());
    assert.equal(mem.digest(mem.delta(null)), fresh.digest(fresh.delta(null)));
    mem.dispose();
    fresh.dispose();
  } finally {
    rec.tts.session.dispose();
  }
});
