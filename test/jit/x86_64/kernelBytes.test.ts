// The default profile against the Linux 6.18.44 x86-64 JIT: for every program the kernel
// loaded from the selftest objects (and ps_basic.o's private stack), every function's bytes
// must be identical except inside address-bearing fields, decided from the kernel's own
// instructions (test/support/fidelityCompare.ts), never from our JIT's relocation records.
// Direct tail calls whose prog_array slot a static initialiser fills come out armed, as
// libbpf had filled them before the kernel's bytes were read (cli/jitAll.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadObjectFile } from '../../../src/object/index.ts';
import { jitPrograms } from '../../../src/cli/jitAll.ts';
import { DEFAULT_X86_PROFILE } from '../../../src/jit/profiles.ts';
import { compareFunction } from '../../support/fidelityCompare.ts';
import { present } from '../../support/required.ts';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const testdata = path.resolve(repo, '../shared/testdata');

interface KernelFunc {
  len: number;
  ksym: string;
}
type KernelJson = { objects: Record<string, Record<string, { funcs: KernelFunc[]; bytes: string }> | { error: string }> };

interface Outcome {
  name: string;
  identical: boolean;
  detail: string;
}

function compare(jsonPath: string, objDir: string): Outcome[] {
  const kernel = JSON.parse(readFileSync(jsonPath, 'utf8')) as KernelJson;
  const out: Outcome[] = [];
  for (const [obj, progs] of Object.entries(kernel.objects)) {
    if ('error' in progs) continue;
    const o = loadObjectFile(path.join(objDir, obj));
    if (!o.ok) {
      for (const [prog, k] of Object.entries(progs))
        k.funcs.forEach((_, i) => out.push({ name: `${obj}/${prog}#${i}`, identical: false, detail: o.error.message }));
      continue;
    }
    // One load of the whole object, as libbpf (and the kernel dumps) did.
    const jited = jitPrograms(
      o.value,
      o.value.programs.filter((p) => p.autoload),
      DEFAULT_X86_PROFILE,
    );
    for (const [prog, k] of Object.entries(progs)) {
      const j = jited.find((x) => x.program.name === prog);
      const bytes = Buffer.from(k.bytes, 'hex');
      let off = 0;
      k.funcs.forEach((kf, i) => {
        const name = `${obj}/${prog}#${i}`;
        const kb = new Uint8Array(bytes.subarray(off, off + kf.len));
        off += kf.len;
        if (!j) return out.push({ name, identical: false, detail: `no program ${prog}` });
        const f = j.jit.funcs[i];
        const code = j.code[i];
        if (!f || !code) return out.push({ name, identical: false, detail: `we produced ${j.jit.funcs.length} functions` });
        const r = compareFunction(code, kb);
        out.push({ name: `${name} (${f.name})`, identical: r.identical, detail: r.identical ? '' : `${r.cause}\n${r.detail}` });
      });
    }
  }
  return out;
}

const suites: [string, string, string][] = [
  ['kernel-selftests', 'kernel-selftests/kernel-jited-6.18.json', 'kernel-selftests/obj'],
  ['private stack (ps_basic.o)', 'private-stack/kernel-jited-6.18.json', 'private-stack'],
];

for (const [label, json, dir] of suites) {
  test(`linux-6.18 profile reproduces the kernel's bytes for every ${label} function, modulo address relocs`, async (t) => {
    const jsonPath = path.join(testdata, json);
    if (!present(jsonPath, 'test input')) return t.skip(`${jsonPath} is absent`);
    const results = compare(jsonPath, path.join(testdata, dir));
    const same = results.filter((r) => r.identical).length;
    t.diagnostic(`${label}: ${same} of ${results.length} functions identical modulo relocs`);
    console.log(`# ${label}: ${same} of ${results.length} functions identical modulo relocs`);
    const bad = results.filter((r) => !r.identical).map((r) => `${r.name}: ${r.detail}`);
    assert.deepEqual(bad, []);
  });
}
