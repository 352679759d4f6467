// Multi-pass code generation: convergence, the sizing rule, padding, the final-pass check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type Insn, insn } from '../../../src/bpf/insn.ts';
import { CodeBuf, doJit, newJob, planFunction } from '../../../src/jit/x86_64/index.ts';
import { DEFAULT_X86_PROFILE } from '../../../src/jit/profiles.ts';
import { jit, makeImage, testEnv } from './fixtures.ts';
import { generateProgram } from '../../../bench/jit.ts';

/** A forward branch over `n` 3-byte movs: short or long depending on n. */
function branchOver(n: number): Insn[] {
  const body: Insn[] = [insn(0x55, 1, 0, n, 7)]; // if r1 != 7 goto +n
  for (let i = 0; i < n; i++) body.push(insn(0xbf, 2, 3)); // r2 = r3 (3 bytes)
  body.push(insn(0xb7, 0), insn(0x95));
  return body;
}

test('a forward jump of up to 123 bytes is rel8, 124 is already rel32 (is_imm8_jmp_offset, 6.13+)', () => {
  const short = jit(makeImage([{ name: 'p', insns: branchOver(41) }]), 'plain-ret').funcs[0]!; // 123 bytes
  assert.equal(short.code[short.addrs[1]! - 2], 0x75);
  const long = jit(makeImage([{ name: 'p', insns: branchOver(42) }]), 'plain-ret').funcs[0]!; // 126 bytes
  assert.deepEqual([...long.code.subarray(long.addrs[1]! - 6, long.addrs[1]! - 4)], [0x0f, 0x85]);
});

test('sizing: a dry pass reports exactly the length the writing pass emits', () => {
  const image = makeImage([{ name: 'p', insns: generateProgram(20_000), stackDepth: 128 }]);
  const funcAt = new Map([[0, 0]]);
  const job = newJob(planFunction(image, 0, DEFAULT_X86_PROFILE, testEnv), 0, image.insns.length);
  let len = 0;
  for (let pass = 0; pass < 20; pass++) {
    const next = doJit(job, image, testEnv, funcAt, new CodeBuf(true), false, false);
    if (next === len) break;
    len = next;
    job.proglen = len;
  }
  const dryAddrs = Array.from(job.addrs);
  const dry = doJit(job, image, testEnv, funcAt, new CodeBuf(true), false, false);
  const out = { code: null as Uint8Array | null, relocs: [], regions: [], pokes: [] };
  const real = doJit(job, image, testEnv, funcAt, new CodeBuf(false), true, false, out);
  assert.equal(dry, real);
  assert.equal(out.code!.length, real);
  assert.deepEqual(Array.from(job.addrs), dryAddrs);
});

test('padding passes keep a converged image the same size and bytes', () => {
  const image = makeImage([{ name: 'p', insns: generateProgram(5_000), stackDepth: 128 }]);
  const f = jit(image, 'linux-6.18').funcs[0]!;
  const funcAt = new Map([[0, 0]]);
  const job = newJob(planFunction(image, 0, DEFAULT_X86_PROFILE, testEnv), 0, image.insns.length);
  job.addrs.set(f.addrs);
  job.proglen = f.code.length;
  doJit(job, image, testEnv, funcAt, new CodeBuf(true), false, true); // labels from a previous pass
  const out = { code: null as Uint8Array | null, relocs: [], regions: [], pokes: [] };
  doJit(job, image, testEnv, funcAt, new CodeBuf(false), true, true, out);
  assert.deepEqual(out.code, f.code);
});

test('the final pass refuses an image whose addrs[] moved (internal error, never a wrong image)', () => {
  const image = makeImage([{ name: 'p', insns: branchOver(3) }]);
  const f = jit(image, 'linux-6.18').funcs[0]!;
  const job = newJob(planFunction(image, 0, DEFAULT_X86_PROFILE, testEnv), 0, image.insns.length);
  job.addrs.set(f.addrs);
  job.addrs[2] = job.addrs[2]! + 1;
  job.proglen = f.code.length;
  assert.throws(() => doJit(job, image, testEnv, new Map([[0, 0]]), new CodeBuf(false), true, false), /addrs moved/);
});

test('compileX86 reports the pass count: 3 at least (2 equal sizing passes + 1 writing), 4 when a jump shrinks', () => {
  assert.equal(jit(makeImage([{ name: 'p', insns: [insn(0xb7, 0), insn(0x95)] }]), 'linux-6.18').passes, 3);
  // The first pass sizes with the 64-bytes-per-insn estimate, so the branch starts as rel32.
  assert.equal(jit(makeImage([{ name: 'p', insns: branchOver(3) }]), 'linux-6.18').passes, 4);
});

test('an instruction the JIT cannot take is a Diag naming program and insn', () => {
  const image = makeImage([{ name: 'p', insns: [insn(0x20, 0, 0, 0, 4), insn(0x95)] }]); // LD_ABS survived the verifier
  const p = DEFAULT_X86_PROFILE;
  return import('../../../src/jit/x86_64/index.ts').then(({ compileX86 }) => {
    const r = compileX86(image, p, testEnv);
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'jit.bad-insn');
      assert.deepEqual(r.error.place, { program: 'p', insn: 0 });
      assert.match(r.error.message, /LD_ABS/);
    }
  });
});

test('before 6.13 (tcc-by-pointer = 6.12) a 124..127-byte forward jump was still rel8 (is_imm8)', () => {
  const f = jit(makeImage([{ name: 'p', insns: branchOver(42) }]), 'tcc-by-pointer').funcs[0]!; // 126 bytes
  assert.equal(f.code[f.addrs[1]! - 2], 0x75);
  assert.equal(f.code[f.addrs[1]! - 1], 126);
});

test('a jump out of its function is a Diag, not a wrapped displacement', async () => {
  const { compileX86 } = await import('../../../src/jit/x86_64/index.ts');
  const r = compileX86(makeImage([{ name: 'p', insns: [insn(0x05, 0, 0, 5), insn(0x95)] }]), DEFAULT_X86_PROFILE, testEnv);
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error.message, /jump to insn 6 leaves the function/);
});

test('with padding on, a jcc that would shrink from rel32 to rel8 keeps its size behind a 4-byte nop', () => {
  const image = makeImage([{ name: 'p', insns: branchOver(3) }]);
  const funcAt = new Map([[0, 0]]);
  const job = newJob(planFunction(image, 0, DEFAULT_X86_PROFILE, testEnv), 0, image.insns.length);
  const first = doJit(job, image, testEnv, funcAt, new CodeBuf(true), false, false); // 64-byte estimates: rel32
  job.proglen = first;
  const padded = doJit(job, image, testEnv, funcAt, new CodeBuf(true), false, true);
  assert.equal(padded, first);
  const out = { code: null as Uint8Array | null, relocs: [], regions: [], pokes: [] };
  doJit(job, image, testEnv, funcAt, new CodeBuf(false), true, true, out);
  const jcc = out.code!.subarray(job.addrs[0]!, job.addrs[1]!);
  assert.deepEqual([...jcc], [0x48, 0x83, 0xff, 0x07, 0x0f, 0x1f, 0x40, 0x00, 0x75, 9]); // cmp rdi,7; nop4; jne +9
});
