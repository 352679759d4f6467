// JITed programs executed on Unicorn's riscv64: r0 must be what the BPF program computes,
// under every profile that accepts the program.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { asm } from '../../../src/bpf/asm.ts';
import type { Insn } from '../../../src/bpf/insn.ts';
import { compileRiscv, RV_PROFILES, RV_UPSTREAM } from '../../../src/jit/riscv64/index.ts';
import type { JitImage, JitProfile } from '../../../src/jit/types.ts';
import { makeImage, testEnv, type FuncSpec } from './fixtures.ts';
import { runRiscv, type RunSetup } from './runRiscv.ts';

function jit(funcs: FuncSpec[], profile: JitProfile, rvc = true): JitImage {
  const r = compileRiscv(makeImage(funcs), profile, testEnv, { rvc });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const main = (text: string, stackDepth = 0): FuncSpec[] => [{ name: 'main', insns: asm(text), stackDepth }];

async function r0Of(funcs: FuncSpec[], profile: JitProfile = RV_UPSTREAM, extra: Partial<RunSetup> = {}, rvc = true): Promise<bigint> {
  const { stop, r0, m } = await runRiscv({ images: [jit(funcs, profile, rvc)], ...extra });
  m.close();
  assert.equal(
    stop.kind,
    'exited',
    JSON.stringify(stop, (_k, v) => (typeof v === 'bigint' ? v.toString(16) : v)),
  );
  return r0;
}

const ALU_CASES: [string, string, bigint][] = [
  ['64-bit add/sub/mul with large immediates', 'r0 = 100000\nr0 += 2000000\nr1 = 3\nr0 *= r1\nr0 -= 5000\nexit', 6295000n],
  ['32-bit ops zero-extend their result', 'r0 = -1\nw0 += 1\nr0 += 7\nexit', 7n],
  ['ld_imm64 of a 64-bit constant', 'r0 = 0x123456789abcdef0 ll\nr0 >>= 32\nexit', 0x12345678n],
  ['unsigned div/mod by register', 'r0 = 100\nr1 = 7\nr2 = r0\nr0 /= r1\nr2 %= r1\nr0 <<= 8\nr0 |= r2\nexit', (14n << 8n) | 2n],
  ['arithmetic shift and neg', 'r0 = -64\nr0 s>>= 3\nr0 = -r0\nexit', 8n],
  ['bswap without Zbb', 'r0 = 0x11223344\nr0 = be32 r0\nexit', 0x44332211n],
  ['exit sign-extends the low 32 bits of R0 into a0', 'r0 = 0x80000000 ll\nexit', 0xffffffff80000000n],
  ['sign-extending moves', 'r1 = 0xff80\nr0 = (s8)r1\nr0 += 200\nexit', 72n],
];

for (const [name, text, want] of ALU_CASES) {
  test(`runs on riscv64: ${name}`, async () => {
    assert.equal(await r0Of(main(text)), want);
  });
}

test('runs on riscv64: conditional branches, 64- and 32-bit, K and X forms', async () => {
  const text = `
    r0 = 0
    r1 = -1
    if r1 s> 0 goto +1
    r0 += 1
    if w1 > 5 goto +1
    r0 += 100
    r2 = 5
    if r2 == 5 goto +1
    r0 += 1000
    if r1 & 0x100 goto +1
    r0 += 10000
    if w2 s< r1 goto +1
    r0 += 2
    exit`;
  assert.equal(await r0Of(main(text)), 3n);
});

test('runs on riscv64: far branches past 4 KiB take the inverted branch + jal form', async () => {
  const filler = Array.from({ length: 1500 }, () => 'r3 += 1000').join('\n');
  const text = `r0 = 1\nr1 = 2\nif r1 == 2 goto far\n${filler}\nr0 = 2\nfar:\nr0 += 40\nexit`;
  const img = jit(main(text), RV_UPSTREAM);
  assert.ok(img.funcs[0]!.code.length > 4096);
  assert.equal(await r0Of(main(text)), 41n);
});

test('runs on riscv64: stack stores and loads through R10 (s5)', async () => {
  const text = `
    r1 = 0x1122334455667788 ll
    *(u64 *)(r10 - 8) = r1
    *(u32 *)(r10 - 12) = 7
    r0 = *(u32 *)(r10 - 8)
    r2 = *(u32 *)(r10 - 12)
    r0 += r2
    exit`;
  assert.equal(await r0Of(main(text, 16)), 0x55667788n + 7n);
});

test('runs on riscv64: atomics (fetch-add, xchg, cmpxchg) on the stack', async () => {
  const text = `
    r1 = 10
    *(u64 *)(r10 - 8) = r1
    r2 = 5
    r2 = atomic_fetch_add((u64 *)(r10 - 8), r2)
    r3 = *(u64 *)(r10 - 8)
    r0 = 15
    r4 = 99
    r0 = cmpxchg_64(r10 - 8, r0, r4)
    r5 = *(u64 *)(r10 - 8)
    r0 += r5
    r0 += r2
    exit`;
  assert.equal(await r0Of(main(text, 8)), 15n + 99n + 10n);
});

test('runs on riscv64: helper calls go through the helper page and R0 comes back in a5', async () => {
  const text = 'r6 = 1000\nr1 = 2\nr2 = 3\ncall 1\nr0 += r6\nexit';
  for (const p of RV_PROFILES) {
    assert.equal(await r0Of(main(text), p, { helper: (id, a) => BigInt(id) * 100n + a[0]! * a[1]! }), 1106n, p.name);
  }
});

test('runs on riscv64: kfunc calls reach the kfunc page and park a6 like helpers', async () => {
  for (const p of RV_PROFILES) {
    assert.equal(await r0Of(main('r1 = 20\ncall kfunc#3\nr0 += 1\nexit'), p, { kfunc: (id, a) => BigInt(id) + a[0]! }), 24n, p.name);
  }
});

test('runs on riscv64: 32-bit atomics zero-extend what they return', async () => {
  const text = `
    r1 = -1
    *(u64 *)(r10 - 8) = r1
    w0 = -1
    w3 = 5
    w0 = cmpxchg32_32(r10 - 8, w0, w3)
    w2 = 1
    w2 = xchg32_32(r10 - 8, w2)
    r0 += r2
    r4 = *(u64 *)(r10 - 8)
    exit`;
  // cmpxchg matches: R0 = old 0xffffffff (zero-extended, not -1); xchg returns 5.
  const { stop, m } = await runRiscv({ images: [jit(main(text, 8), RV_UPSTREAM)] });
  assert.equal(stop.kind, 'exited');
  assert.equal(m.readReg('a5'), 0x100000004n);
  assert.equal(m.readReg('a3'), 0xffffffff00000001n); // r4: the word in memory
  m.close();
});

test('runs on riscv64: bpf-to-bpf calls keep callee-saved registers and return R0 in a5', async () => {
  const funcs: FuncSpec[] = [
    { name: 'main', insns: asm('r6 = 7\nr1 = 5\ncall pc+2\nr0 *= r6\nexit') },
    { name: 'sub', insns: asm('r6 = r1\nr0 = r6\nr0 += 1\nexit') },
  ];
  for (const p of RV_PROFILES) {
    for (const rvc of [true, false]) assert.equal(await r0Of(funcs, p, {}, rvc), 42n, `${p.name} rvc=${rvc}`);
  }
});

test('runs on riscv64: without RVC the same program gives the same result', async () => {
  assert.equal(await r0Of(main('r0 = 5\nr1 = 6\nr0 *= r1\nexit'), RV_UPSTREAM, {}, false), 30n);
});

/** A program that tail-calls slot 0 (itself) forever and counts in a map value. */
function selfTailCaller(withHelper: boolean): Insn[] {
  return asm(`
    r6 = r1
    r1 = 0xffffc90000000000 ll
    r2 = *(u64 *)(r1 + 0)
    r2 += 1
    *(u64 *)(r1 + 0) = r2
    ${withHelper ? 'call 1' : ''}
    r1 = r6
    r2 = map[#0] ll
    r3 = 0
    tail_call
    r0 = 77
    exit`);
}

test('runs on riscv64: 33 tail calls succeed and the 34th falls through, under every profile', async () => {
  for (const p of RV_PROFILES) {
    for (const withHelper of [false, true]) {
      const img = jit([{ name: 'tc', insns: selfTailCaller(withHelper) }], p);
      const { stop, r0, m } = await runRiscv({ images: [img], progSlots: [0] });
      assert.equal(stop.kind, 'exited', p.name);
      assert.equal(r0, 77n);
      assert.equal(m.readU64(0xffffc90000000000n), 34n, `${p.name} helper=${withHelper}: 1 entry + 33 tail calls`);
      m.close();
    }
  }
});

test('runs on riscv64: a tail call to an empty slot or past max_entries continues after the call', async () => {
  const text = 'r1 = r1\nr2 = map[#0] ll\nr3 = 0\ntail_call\nr2 = map[#0] ll\nr3 = 9\ntail_call\nr0 = 5\nexit';
  for (const p of RV_PROFILES) {
    const img = jit(main(text), p);
    const { stop, r0, m } = await runRiscv({ images: [img], progSlots: [null] });
    assert.equal(stop.kind, 'exited');
    assert.equal(r0, 5n, p.name);
    m.close();
  }
});

test('runs on riscv64: a tail call lands past the TCC init of another program and returns to the original caller', async () => {
  const a = jit(main('r2 = map[#0] ll\nr3 = 1\ntail_call\nr0 = 1\nexit'), RV_UPSTREAM);
  const b = jit(main('r0 = 0x2a\nexit'), RV_UPSTREAM);
  const { stop, r0, m } = await runRiscv({ images: [a, b], progSlots: [0, 1] });
  assert.equal(stop.kind, 'exited');
  assert.equal(r0, 42n);
  assert.equal(m.readReg('a6'), 32n); // one tail call used: 33 - 1
  m.close();
});
