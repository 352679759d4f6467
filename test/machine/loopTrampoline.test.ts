// bpf_loop run by the helper (the verifier did not inline it): in an uncounted run the loop
// is guest code (machine/loopTrampoline.ts), in a counted one the host calls each callback
// (callFromTrap), and the interpreter runs callbacks itself. All of them must give what the
// kernel's helper gives: the number of calls made (i + 1 when the callback returns 1), the
// callback's arguments (i, ctx) and its writes through ctx, on x86-64 and riscv64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { unwrap } from '../../src/common/diag.ts';
import { KernelModel, testRun } from '../../src/kernel/index.ts';
import type { JitEngine } from '../../src/engine/jitEngine.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import { X86Engine } from '../../src/engine/x86Engine.ts';
import type { BpfObject } from '../../src/object/types.ts';
import { mkObj, mkProg } from '../analysis/progs.ts';

/**
 * bpf_loop(n, cb, &sum, flags) with flags = skb->mark (0 at run time, unknown to the
 * verifier: the loop is not inlined) or a constant; cb(i, &sum) adds i to sum and returns
 * i == stopAt. Returns (sum << 32) | (u32) bpf_loop's result.
 */
function loopObject(n: number, stopAt: number, flags = 'r6'): BpfObject {
  return mkObj(
    mkProg(
      `
    r6 = *(u32 *)(r1 + 8)
    *(u64 *)(r10 - 8) = 0
    r1 = ${n}
    r2 = func[cb] ll
    r3 = r10
    r3 += -8
    r4 = ${flags}
    call bpf_loop
    r0 <<= 32
    r0 >>= 32
    r1 = *(u64 *)(r10 - 8)
    r1 <<= 32
    r0 |= r1
    exit
  cb:
    r3 = *(u64 *)(r2 + 0)
    r3 += r1
    *(u64 *)(r2 + 0) = r3
    r0 = 0
    if r1 != ${stopAt} goto out
    r0 = 1
  out:
    exit`,
      {
        name: 'loop',
        funcs: [
          { name: 'loop', start: 0, global: true },
          { name: 'cb', start: 15 },
        ],
      },
    ),
  );
}

const data = new Uint8Array(64);
const expected = (calls: number, sum: number): bigint => (BigInt(sum) << 32n) | BigInt(calls);
const EINVAL = -22n & 0xffffffffn;
const E2BIG = -7n & 0xffffffffn;

const cases: { name: string; obj: () => BpfObject; want: bigint }[] = [
  { name: '1000 calls, none stops', obj: () => loopObject(1000, -1), want: expected(1000, 499_500) },
  { name: 'the callback stops at i = 10', obj: () => loopObject(1000, 10), want: expected(11, 55) },
  { name: 'no calls', obj: () => loopObject(0, -1), want: expected(0, 0) },
  { name: 'flags != 0 is EINVAL', obj: () => loopObject(10, -1, '1'), want: EINVAL },
  { name: 'more than BPF_MAX_LOOPS is E2BIG', obj: () => loopObject((1 << 23) + 1, -1), want: E2BIG },
];

function interpreter(obj: BpfObject): bigint {
  const model = new KernelModel();
  const p = model.loadObject(obj, [unwrap(analyzeProgram(obj, obj.programs[0]!, {}))]).programs[0]!;
  const r = testRun(model, p, { data, budget: 1e9 });
  assert.equal(r.error, undefined);
  return r.r0;
}

async function jit(create: () => Promise<JitEngine>, obj: BpfObject, budget: number): Promise<{ r0: bigint; guest: number }> {
  const eng = await create();
  try {
    let guest = 0;
    const real = eng.machine.loopInGuest.bind(eng.machine);
    eng.machine.loopInGuest = (n, fn, ctx) => {
      const yes = real(n, fn, ctx);
      if (yes) guest++;
      return yes;
    };
    const p = unwrap(eng.loadObject(obj, [unwrap(analyzeProgram(obj, obj.programs[0]!, {}))])).programs[0]!;
    const r = eng.testRun(p, { data, budget });
    assert.equal(r.error, undefined, r.error?.message);
    return { r0: r.r0, guest };
  } finally {
    eng.close();
  }
}

for (const c of cases) {
  test(`bpf_loop, ${c.name}: the interpreter and both JIT engines, counted and uncounted, agree`, async () => {
    const obj = c.obj();
    assert.equal(interpreter(obj), c.want, 'interpreter');
    for (const [arch, create] of [
      ['x86_64', () => X86Engine.create()],
      ['riscv64', () => RiscvEngine.create()],
    ] as const) {
      const guest = await jit(create, obj, Infinity);
      assert.equal(guest.r0, c.want, `${arch}, uncounted`);
      // Only an argument check failure keeps the loop in the host (n = 0 loops in the guest).
      assert.equal(guest.guest, c.want === EINVAL || c.want === E2BIG ? 0 : 1, `${arch}: the loop ran as guest code`);
      const host = await jit(create, obj, 1e9);
      assert.equal(host.r0, c.want, `${arch}, counted`);
      assert.equal(host.guest, 0, `${arch}: a counted run calls callbacks from the host`);
    }
  });
}
