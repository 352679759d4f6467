// Every selftest object JITs under every x86-64 profile, and per profile the sequences that
// distinguish them show up where the kernel era puts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadObjectFile } from '../../../src/object/index.ts';
import { analyzeProgram } from '../../../src/analysis/index.ts';
import { CodeBuf, compileX86, doJit, newJob, planFunction } from '../../../src/jit/x86_64/index.ts';
import { X86_PROFILES, analysisOptionsFor } from '../../../src/jit/profiles.ts';
import { testEnv } from './fixtures.ts';
import { present } from '../../support/required.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const testdata = path.resolve(repo, '../shared/testdata');
const objDir = path.join(testdata, 'kernel-selftests/obj');

function objects(): string[] {
  const list = readdirSync(objDir)
    .filter((f) => f.endsWith('.o'))
    .map((f) => path.join(objDir, f));
  const ps = path.join(testdata, 'private-stack/ps_basic.o');
  return existsSync(ps) ? [...list, ps] : list;
}

test('every selftest program compiles under every x86-64 profile', (t) => {
  if (!present(objDir, 'test input')) return t.skip(`${objDir} is absent`);
  const failures: string[] = [];
  let compiled = 0;
  for (const file of objects()) {
    const o = loadObjectFile(file);
    assert.ok(o.ok, o.ok ? '' : o.error.message);
    for (const prog of o.value.programs) {
      for (const profile of X86_PROFILES) {
        const a = analyzeProgram(o.value, prog, analysisOptionsFor(profile));
        if (!a.ok) {
          failures.push(`${path.basename(file)}/${prog.name} [${profile.name}]: analysis: ${a.error.message}`);
          continue;
        }
        const r = compileX86(a.value, profile, testEnv);
        if (!r.ok) failures.push(`${path.basename(file)}/${prog.name} [${profile.name}]: ${r.error.message}`);
        else compiled++;
      }
    }
  }
  t.diagnostic(`${compiled} program/profile pairs compiled`);
  assert.deepEqual(failures, []);
});

test("sizing on real programs: a dry pass over the final addrs[] gives each function's emitted length", (t) => {
  if (!present(objDir, 'test input')) return t.skip(`${objDir} is absent`);
  for (const file of objects()) {
    const o = loadObjectFile(file);
    if (!o.ok) continue;
    for (const prog of o.value.programs) {
      const profile = X86_PROFILES[0]!;
      const a = analyzeProgram(o.value, prog, analysisOptionsFor(profile));
      if (!a.ok) continue;
      const r = compileX86(a.value, profile, testEnv);
      assert.ok(r.ok);
      const funcAt = new Map(a.value.subprogs.map((s, f) => [s.start as number, f]));
      for (const [f, fn] of r.value.funcs.entries()) {
        const sp = a.value.subprogs[f]!;
        const job = newJob(planFunction(a.value, f, profile, testEnv), sp.start, sp.end);
        job.addrs.set(fn.addrs);
        job.proglen = fn.code.length;
        assert.equal(doJit(job, a.value, testEnv, funcAt, new CodeBuf(true), false, true), fn.code.length, `${prog.name}/${fn.name}`);
      }
    }
  }
});

/** The functions of tailcall_bpf2bpf_hierarchy1.o's `entry` (entry calls subprog_tail twice). */
function hierarchy1(profileName: string) {
  const o = loadObjectFile(path.join(objDir, 'tailcall_bpf2bpf_hierarchy1.o'));
  assert.ok(o.ok);
  const profile = X86_PROFILES.find((p) => p.name === profileName)!;
  const a = analyzeProgram(
    o.value,
    o.value.programs.find((p) => p.name === 'entry')!,
    analysisOptionsFor(profile),
  );
  assert.ok(a.ok);
  const r = compileX86(a.value, profile, testEnv);
  assert.ok(r.ok);
  return r.value.funcs;
}
const hexOf = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const count = (s: string, sub: string): number => s.split(sub).length - 1;

test('tailcall_bpf2bpf_hierarchy1 entry per profile: how the counter reaches subprog_tail', (t) => {
  if (!present(objDir, 'test input')) return t.skip(`${objDir} is absent`);
  // 6.18 / 6.12: main builds the tcc_ptr block; each call to subprog_tail passes tcc_ptr
  // (mov rax, [rbp-16]); the subprogram pushes it twice.
  for (const name of ['linux-6.18', 'tcc-by-pointer']) {
    const [main, sub] = hierarchy1(name);
    assert.equal(hexOf(main!.code.subarray(0, 26)), '0f1f4400004831c0554889e54883f8217706504889e0eb015050', name);
    assert.equal(count(hexOf(main!.code), '488b85f0ffffffe8'), 2, name);
    assert.equal(hexOf(sub!.code.subarray(5, 14)), '0f1f00554889e55050', name);
  }
  // 5.10-6.11: main zeroes eax and pushes it; each call hands over a copy of the counter
  // qword (mov rax, [rbp-8]); the subprogram pushes that copy once.
  const [main, sub] = hierarchy1('tcc-by-value');
  assert.equal(hexOf(main!.code.subarray(0, 12)), '0f1f44000031c0554889e550');
  assert.equal(count(hexOf(main!.code), '488b85f8ffffffe8'), 2);
  assert.equal(hexOf(sub!.code.subarray(5, 12)), '6690554889e550');
  // plain-ret: the same code, but `leave; ret` instead of the return thunk.
  const plain = hierarchy1('plain-ret');
  for (const f of plain) assert.ok(hexOf(f.code).endsWith('c9c3'), f.name);
});

test('priv-stack-forced gives a sched_cls function with a 128-byte stack a private stack; 6.18 does not (program type)', (t) => {
  if (!present(objDir, 'test input')) return t.skip(`${objDir} is absent`);
  const o = loadObjectFile(path.join(objDir, 'tailcall_bpf2bpf3.o'));
  assert.ok(o.ok);
  const prog = o.value.programs.find((p) => p.name === 'classifier_1')!;
  const fn = (name: string) => {
    const profile = X86_PROFILES.find((p) => p.name === name)!;
    const a = analyzeProgram(o.value, prog, analysisOptionsFor(profile));
    assert.ok(a.ok);
    const r = compileX86(a.value, profile, testEnv);
    assert.ok(r.ok);
    return r.value.funcs[0]!;
  };
  const forced = fn('priv-stack-forced');
  assert.equal(forced.frame.fpReg, 'r9');
  assert.equal(forced.frame.privStack?.size, 128);
  assert.equal(hexOf(forced.code.subarray(12, 14)), '49b9'); // movabs r9, priv_frame_ptr (no sub rsp)
  const kernel = fn('linux-6.18');
  assert.equal(kernel.frame.fpReg, 'rbp');
  assert.equal(hexOf(kernel.code.subarray(12, 19)), '4881ec80000000'); // sub rsp, 128
});
