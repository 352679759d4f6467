// Every kernel selftest object (and ps_basic.o) through loadObject -> analyzeProgram ->
// compileRiscv under every RISC-V profile. Upstream analyses run without subprog tail-call
// support, as riscv64 kernels through v6.19 do; mixing programs must then be rejected
// with a clear message by the verifier model and by the JIT itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { present } from '../../support/required.ts';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadObjectFile } from '../../../src/object/index.ts';
import { analyzeProgram } from '../../../src/analysis/index.ts';
import { compileRiscv, RV_PROFILES } from '../../../src/jit/riscv64/index.ts';
import type { JitImage } from '../../../src/jit/types.ts';
import { testEnv } from './fixtures.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const testdata = path.resolve(repoRoot, '../shared/testdata');
const objDir = path.join(testdata, 'kernel-selftests', 'obj');
const objects = present(objDir, 'kernel selftest objects')
  ? [
      ...readdirSync(objDir)
        .filter((f) => f.endsWith('.o'))
        .sort()
        .map((f) => path.join(objDir, f)),
      path.join(testdata, 'private-stack', 'ps_basic.o'),
    ]
  : [];

function checkImage(img: JitImage, what: string): void {
  for (const f of img.funcs) {
    assert.equal(f.code.length % 2, 0, what);
    assert.equal(f.addrs.length, f.insnCount + 1, what);
    for (let k = 1; k < f.addrs.length; k++) assert.ok(f.addrs[k]! >= f.addrs[k - 1]!, `${what}: addrs monotone at ${k}`);
    assert.ok(f.addrs[f.insnCount]! < f.code.length, `${what}: epilogue after the body`);
    for (const r of f.relocs) assert.ok(r.at >= f.addrs[0]! && r.at + 8 <= f.code.length, `${what}: reloc in range`);
  }
  // addi a6, zero, 33 (0x02100813) at entry+8 of the main program: tail calls land at +12.
  assert.equal(img.funcs[0]!.code.subarray(8, 12).join(), '19,8,16,2', `${what}: li a6, 33 at +8`);
  const tailCalls = img.image.insns.filter((i) => i.code === 0xf5).length;
  assert.equal(img.funcs.flatMap((f) => f.regions).filter((r) => r.role === 'tail call').length, tailCalls, `${what}: one region per tail call`);
}

test('every selftest program JITs under every RISC-V profile, or is rejected for mixing upstream', (t) => {
  if (objects.length === 0) return t.skip('../shared/testdata absent');
  let compiled = 0,
    rejected = 0;
  for (const file of objects) {
    const obj = loadObjectFile(file);
    assert.ok(obj.ok, file);
    if (!obj.ok) continue;
    for (const prog of obj.value.programs) {
      for (const profile of RV_PROFILES) {
        const what = `${path.basename(file)} ${prog.name} [${profile.name}]`;
        const upstream = profile.rvTcc === 'upstream';
        const an = analyzeProgram(obj.value, prog, { allowTailCallInSubprogs: !upstream, privStack: 'off' });
        if (!an.ok) {
          assert.ok(upstream, `${what}: ${an.error.message}`);
          assert.equal(an.error.code, 'verifier.tail-call-with-bpf2bpf', what);
          // The JIT refuses the same program even when handed a permissive analysis.
          const loose = analyzeProgram(obj.value, prog, { allowTailCallInSubprogs: true, privStack: 'off' });
          assert.ok(loose.ok, what);
          if (!loose.ok) continue;
          const r = compileRiscv(loose.value, profile, testEnv);
          assert.equal(r.ok ? 'ok' : r.error.code, 'jit.riscv.tailcall-mixing', what);
          rejected++;
          continue;
        }
        const r = compileRiscv(an.value, profile, testEnv);
        assert.ok(r.ok, `${what}: ${r.ok ? '' : r.error.message}`);
        if (r.ok) checkImage(r.value, what);
        compiled++;
      }
    }
  }
  assert.ok(compiled > 100 && rejected > 10, `compiled ${compiled}, rejected ${rejected}`);
});
