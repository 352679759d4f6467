// The kernel's tail-call selftests (../shared/testdata/kernel-selftests/expected.json) on
// the reference interpreter: every test whose steps it can run (all but those needing
// fentry/fexit/freplace attachment or the concurrent tailcall_poke), with the retvals,
// map-operation results and global values a Linux 6.12+ kernel produces (shared tail-call
// counter: 33 limit, hierarchy counts 34/35, __retval(33)).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadObjectFile } from '../../src/object/index.ts';
import { analyzeProgram } from '../../src/analysis/index.ts';
import type { ProgramImage } from '../../src/analysis/index.ts';
import { KernelModel, testRun, errnoName, type LoadedObject } from '../../src/kernel/index.ts';
import { expectedPath, FLAGS, PROG_TYPES, selftestDir, type SelfTest } from '../support/expectedSelftests.ts';
import { present } from '../support/required.ts';

const dir = selftestDir;

const RUNNABLE = new Set(['load', 'map_update', 'map_delete', 'run', 'global_read', 'global_write']);

const hex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));

function runnable(t: SelfTest): boolean {
  return t.steps.every((s) => RUNNABLE.has(s.op) && !s.attach_target);
}

function checkErrno(got: number, expect: unknown, what: string): void {
  if (expect === 'ok') assert.equal(got, 0, `${what}: ${errnoName(got)}`);
  else if (expect === 'error') assert.notEqual(got, 0, `${what} should fail`);
  else if (typeof expect === 'object' && expect && 'error' in expect) assert.equal(errnoName(got), (expect as { error: string }).error, what);
}

function runSelftest(t: SelfTest, inputs: Record<string, { hex: string }>, objects: Record<string, { path: string }>, tcc: 'by-pointer' | 'by-value'): void {
  const model = new KernelModel();
  const loaded = new Map<string, LoadedObject>();
  const obj = (alias = 'main'): LoadedObject => {
    const o = loaded.get(alias);
    assert.ok(o, `${t.name}: object ${alias} is not loaded`);
    return o;
  };
  t.steps.forEach((s, n) => {
    const where = `${t.name} step ${n} (${s.op})`;
    switch (s.op) {
      case 'load': {
        const file = path.join(dir, objects[t.objects[s.object!]!]!.path);
        const r = loadObjectFile(file);
        assert.ok(r.ok, `${where}: ${!r.ok && r.error.message}`);
        const images: ProgramImage[] = [];
        const wanted = r.value.programs.filter((p) => (s.programs ? s.programs.includes(p.name) : p.autoload));
        wanted.forEach((p, k) => {
          const progType = k === 0 && s.prog_type ? PROG_TYPES[s.prog_type] : undefined;
          const a = analyzeProgram(r.value, p, progType ? { progType } : {});
          assert.ok(a.ok, `${where}: ${p.name}: ${!a.ok && a.error.message}`);
          images.push(a.value);
        });
        loaded.set(s.object!, model.loadObject(r.value, images));
        break;
      }
      case 'map_update': {
        const o = obj(s.object);
        const map = o.maps.find((m) => m?.name === s.map);
        const prog = obj(s.value!.object).programs.find((p) => p.name === s.value!.prog);
        assert.ok(map && prog, `${where}: map ${s.map} / program ${s.value!.prog}`);
        checkErrno(model.updateProgArray(map, s.key!, prog, FLAGS[s.flags ?? 'BPF_ANY']), s.expect, where);
        break;
      }
      case 'map_delete': {
        const map = obj(s.object).maps.find((m) => m?.name === s.map);
        assert.ok(map, `${where}: map ${s.map}`);
        checkErrno(model.deleteElem(map, s.key!), s.expect, where);
        break;
      }
      case 'run': {
        const prog = obj(s.object).programs.find((p) => p.name === s.program);
        assert.ok(prog, `${where}: program ${s.program}`);
        const r = testRun(model, prog, { data: hex(inputs[s.input!]!.hex), repeat: s.repeat ?? 1, tcc, budget: 1_000_000 });
        assert.equal(r.error, undefined, `${where}: ${r.error?.message}`);
        assert.equal(r.retval, (s.expect as { retval: number }).retval, `${where}: retval`);
        break;
      }
      case 'global_read': {
        const map = obj(s.object).maps.find((m) => m?.def.section === s.section);
        assert.ok(map, `${where}: section ${s.section}`);
        const bytes = model.space.mustView(map.valueAddr + BigInt(s.offset!), s.size!);
        const v = bytes.reduceRight((a, b) => a * 256 + b, 0);
        assert.equal(v, s.expect, `${where}: ${s.section}+${s.offset}`);
        break;
      }
      case 'global_write': {
        const map = obj(s.object).maps.find((m) => m?.def.section === s.section);
        assert.ok(map, `${where}: section ${s.section}`);
        const key = new Uint8Array(4);
        assert.equal(model.updateElem(map, key, hex(s.value_hex!)), 0, where);
        break;
      }
    }
  });
}

test('kernel tail-call selftests on the reference interpreter', async (t) => {
  if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata absent');
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const tests = expected.tests as SelfTest[];
  const run = tests.filter(runnable);
  assert.ok(run.length >= 15, `only ${run.length} runnable tests`);
  for (const st of tests) {
    if (!runnable(st)) {
      await t.test(st.name, (s) => s.skip('attach steps need JITed code and BPF trampolines: test/engine/selftests.x86.test.ts runs this test'));
      continue;
    }
    await t.test(st.name, () => runSelftest(st, expected.inputs, expected.objects, 'by-pointer'));
  }
});

test('the tests that are also in Linux 6.1 pass with the 5.10-6.11 by-value tail-call counter', async (t) => {
  if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata absent');
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const old = (expected.tests as SelfTest[]).filter((st) => runnable(st) && st.present_in.includes('linux-6.1'));
  assert.equal(old.length, 12);
  for (const st of old) await t.test(st.name, () => runSelftest(st, expected.inputs, expected.objects, 'by-value'));
});

test('the by-value counter gives the pre-6.10 count for the hierarchy test (not the 6.12 34)', (t) => {
  if (!present(expectedPath, 'test input')) return t.skip('../shared/testdata absent');
  const expected = JSON.parse(fs.readFileSync(expectedPath, 'utf8'));
  const st = (expected.tests as SelfTest[]).find((x) => x.name === 'tailcall_bpf2bpf_hierarchy_1')!;
  // Each subprog call gets a copy of the counter, so the call tree grows like 2^33: the
  // budget stops it, which is what "no shared counter" means for this program.
  assert.throws(() => runSelftest(st, expected.inputs, expected.objects, 'by-value'), /budget/);
});
