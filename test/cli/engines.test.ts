// The engines `bpfdbg run` uses: the JITed code runs uncounted (no instruction budget) and
// --repeat re-runs the program as BPF_PROG_TEST_RUN does, on the same ctx and maps, on
// every engine alike; a first run that does not return stops as timed out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRunner, type EngineName } from '../../src/cli/engines.ts';
import { MapType } from '../../src/object/types.ts';
import { mapDef, objectFromAsm } from '../kernel/fixture.ts';

// Each run adds packet byte 0 to a .bss counter, then increments that packet byte: the
// packet persists between runs (the ctx is built once), and so does the map.
const bss = mapDef(0, 'fixture.bss', MapType.ARRAY, 4, 8, 1, { kind: 'bss', section: '.bss', initialValue: new Uint8Array(8) });
const obj = objectFromAsm(
  [
    {
      name: 'p',
      progType: 'xdp',
      text: `
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 4)
    r4 = r2
    r4 += 1
    if r4 > r3 goto out
    r5 = *(u8 *)(r2 + 0)
    r1 = map[fixture.bss][0]+0 ll
    r6 = *(u64 *)(r1 + 0)
    r6 += r5
    *(u64 *)(r1 + 0) = r6
    r5 += 1
    *(u8 *)(r2 + 0) = r5
    r0 = r6
    exit
  out:
    r0 = 0
    exit`,
    },
  ],
  [bss],
  [{ name: 'sum', mapIndex: 0, section: '.bss', offset: 0, size: 8 }],
);

for (const engine of ['interp', 'x86_64', 'riscv64'] as EngineName[]) {
  test(`${engine}: --repeat 4 runs on the same packet and maps, and reports how many runs it timed`, async () => {
    const runner = await createRunner(obj, obj.programs[0]!, engine);
    try {
      const data = new Uint8Array(64);
      data[0] = 10;
      const res = runner.testRun({ data, repeat: 4 });
      assert.equal(res.error, undefined, res.error?.message);
      assert.equal(res.retval, 10 + 11 + 12 + 13, 'run n sees the packet byte run n-1 wrote');
      assert.equal(res.dataOut?.[0], 14);
      assert.equal(res.runs, 4);
      assert.ok(Number.isInteger(res.durationNs) && res.durationNs >= 0);
      const sum = runner.model.readGlobalInt('sum', runner.loaded.name);
      assert.ok(sum.ok && sum.value === 46n);
    } finally {
      runner.dispose();
    }
  });
}

test('x86_64: a first run that does not return stops as timed out, naming the program', async () => {
  const spin = objectFromAsm([
    {
      name: 'spin',
      text: `
    r6 = 0x7fffffffffff ll
  loop:
    r6 += -1
    if r6 != 0 goto loop
    r0 = 0
    exit`,
    },
  ]);
  const runner = await createRunner(spin, spin.programs[0]!, 'x86_64', undefined, { firstRunTimeoutMs: 200 });
  try {
    const res = runner.testRun({ data: new Uint8Array(64), repeat: 3 });
    assert.equal(res.error?.code, 'machine.timeout');
    assert.equal(res.error?.place.program, 'spin');
    assert.equal(res.runs, 1);
  } finally {
    runner.dispose();
  }
});
