import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapType } from '../../src/object/types.ts';
import { testRun, SeededNondet } from '../../src/kernel/index.ts';
import { loadFixture, mapDef, objectFromAsm } from './fixture.ts';

const data = new Uint8Array(14);

test('map helpers from a program: update, lookup returns a pointer into the value, delete', () => {
  const hash = mapDef(0, 'h', MapType.HASH, 4, 8, 4);
  const obj = objectFromAsm(
    [
      {
        name: 'p',
        text: `
    *(u32 *)(r10 - 4) = 7
    *(u64 *)(r10 - 16) = 40
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    r3 = r10
    r3 += -16
    r4 = 0
    call bpf_map_update_elem
    r1 = map[h] ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r1 = *(u64 *)(r0 + 0)
    r1 += 2
    *(u64 *)(r0 + 0) = r1
    r0 = r1
  out:
    exit`,
      },
    ],
    [hash],
  );
  const { model, loaded } = loadFixture(obj);
  assert.equal(testRun(model, loaded.programs[0]!, { data }).retval, 42);
  const m = loaded.maps[0]!;
  assert.equal(m.lookupValue(Uint8Array.of(7, 0, 0, 0))?.[0], 42);
});

test('bpf_loop calls the callback until it returns 1 and reports the iterations', () => {
  const obj = objectFromAsm([
    {
      name: 'p',
      text: `
    *(u64 *)(r10 - 8) = 0
    r1 = 100
    r2 = func[cb] ll
    r3 = r10
    r3 += -8
    r4 = 0
    call bpf_loop
    r1 = *(u64 *)(r10 - 8)
    r0 <<= 16
    r0 += r1
    exit
  cb:
    r3 = *(u64 *)(r2 + 0)
    r3 += r1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    if r1 < 9 goto +1
    r0 = 1
    exit`,
    },
  ]);
  const { model, loaded } = loadFixture(obj);
  const r = testRun(model, loaded.programs[0]!, { data });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.retval, (10 << 16) | 45);
});

test('timers fire when the virtual clock reaches them, with (map, key, value)', () => {
  const arr = mapDef(0, 'tm', MapType.ARRAY, 4, 24, 2);
  const obj = objectFromAsm(
    [
      {
        name: 'p',
        text: `
    *(u32 *)(r10 - 4) = 1
    r1 = map[tm] ll
    r2 = r10
    r2 += -4
    call bpf_map_lookup_elem
    if r0 == 0 goto out
    r6 = r0
    r1 = r6
    r2 = map[tm] ll
    r3 = 1
    call bpf_timer_init
    r1 = r6
    r2 = func[cb] ll
    call bpf_timer_set_callback
    r1 = r6
    r2 = 5000
    r3 = 0
    call bpf_timer_start
  out:
    r0 = 0
    exit
  cb:
    r4 = *(u32 *)(r2 + 0)
    *(u64 *)(r3 + 16) = r4
    r0 = 0
    exit`,
      },
    ],
    [arr],
  );
  const { model, loaded } = loadFixture(obj);
  const r = testRun(model, loaded.programs[0]!, { data });
  assert.equal(r.error, undefined, r.error?.message);
  const value = () => loaded.maps[0]!.lookupValue(Uint8Array.of(1, 0, 0, 0))!;
  model.advanceClock(4999n);
  assert.equal(value()[16], 0, 'not yet due');
  model.advanceClock(1n);
  assert.equal(value()[16], 1, 'callback got key 1 and its own value');
  assert.equal(model.timers.fired.length, 1);
});

test('ktime comes from the virtual clock; prandom is seeded; cpu id is the model CPU', () => {
  const obj = objectFromAsm([
    { name: 'ktime', text: 'call bpf_ktime_get_ns\nexit' },
    { name: 'rand', text: 'call bpf_get_prandom_u32\nexit' },
    { name: 'cpu', text: 'call bpf_get_smp_processor_id\nexit' },
  ]);
  const run = (seed: number, name: string) => {
    const f = loadFixture(obj, { nondet: new SeededNondet(seed), cpu: 1, clockStart: 5_000_000n });
    f.model.advanceClock(250n);
    return testRun(
      f.model,
      f.loaded.programs.find((p) => p.name === name)!,
      { data },
    ).r0;
  };
  assert.equal(run(1, 'ktime'), 5_000_250n);
  assert.equal(run(1, 'cpu'), 1n);
  assert.equal(run(1, 'rand'), run(1, 'rand'));
  assert.notEqual(run(1, 'rand'), run(2, 'rand'));
});

test('an unmodelled helper is an error naming the helper and the call insn', () => {
  const obj = objectFromAsm([{ name: 'p', text: 'r0 = 0\ncall bpf_get_current_pid_tgid\nexit' }]);
  const { model, loaded } = loadFixture(obj);
  const r = testRun(model, loaded.programs[0]!, { data });
  assert.equal(r.error?.code, 'kernel.unsupported-helper');
  assert.match(r.error!.message, /bpf_get_current_pid_tgid \(#14\)/);
  assert.equal(r.error?.place.insn, 1);
});
