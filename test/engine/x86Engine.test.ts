// The x86-64 JIT engine runs the bundled examples with the results their C sources define
// (the same cases the interpreter passes), follows prog_array updates through text pokes,
// and reports faults as values placed at a program and instruction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadObjectFile } from '../../src/object/index.ts';
import { analyzeProgram, type ProgramImage } from '../../src/analysis/index.ts';
import { analysisOptionsFor, DEFAULT_X86_PROFILE } from '../../src/jit/profiles.ts';
import { unwrap } from '../../src/common/diag.ts';
import { X86Engine } from '../../src/engine/x86Engine.ts';
import type { BpfObject } from '../../src/object/types.ts';
import { EXAMPLE_CASES } from '../examples/expectations.ts';
import { present } from '../support/required.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');

async function engineFor(file: string, entryName?: string) {
  const obj: BpfObject = unwrap(loadObjectFile(join(EXAMPLES, file)));
  const opts = analysisOptionsFor(DEFAULT_X86_PROFILE);
  const entry = entryName ?? (obj.programs.find((p) => p.name === 'entry') ?? obj.programs.find((p) => p.autoload)!).name;
  const images: ProgramImage[] = [];
  for (const p of obj.programs) {
    if (!p.autoload && p.name !== entry) continue;
    const r = analyzeProgram(obj, p, opts);
    if (r.ok) images.push(r.value);
  }
  const eng = await X86Engine.create();
  const loaded = unwrap(eng.loadObject(obj, images));
  return { eng, loaded, entry: loaded.programs.find((p) => p.name === entry)! };
}

for (const c of EXAMPLE_CASES) {
  test(`x86_64 JIT on Unicorn: ${c.name}`, async (t) => {
    if (!present(join(EXAMPLES, c.object), 'test input')) return t.skip(`examples/${c.object} not built`);
    const { eng, loaded, entry } = await engineFor(c.object, c.prog);
    for (const u of c.mapUpdates ?? []) {
      const map = unwrap(eng.model.findMap(u.map, loaded.name));
      const prog = unwrap(eng.model.findProgram(u.prog, loaded.name));
      assert.equal(eng.model.updateProgArray(map, u.key, prog), 0);
    }
    const res = eng.testRun(entry, { data: c.data ?? new Uint8Array(0) });
    assert.equal(res.error, undefined, res.error?.message);
    assert.equal(res.retval, c.retval);
    if (c.tailCalls !== undefined) assert.equal(res.tailCalls, c.tailCalls, 'tail calls');
    for (const [name, want] of Object.entries(c.globals ?? {})) {
      const got = eng.model.readGlobalInt(name, loaded.name);
      assert.ok(got.ok, name);
      assert.equal(got.value, want, name);
    }
    eng.close();
  });
}

test('prog_array updates after load re-poke direct tail-call sites (tailchain: delete, re-install)', async (t) => {
  if (!present(join(EXAMPLES, 'tailchain.o'), 'test input')) return t.skip('examples/tailchain.o not built');
  const { eng, loaded, entry } = await engineFor('tailchain.o');
  const parse = eng.jited(unwrap(eng.model.findProgram('stage_parse', loaded.name)))!;
  const entryJit = eng.jited(entry)!;
  const site = entryJit.jit.pokes[0]!;
  const view = () => eng.pokes.view({ prog: 'entry', desc: site, funcAddr: entryJit.funcBases[site.func]!, mapId: 0 });
  assert.deepEqual(view(), { state: 'B', jumpsTo: parse.funcBases[0]! + BigInt(site.adjOff) }, 'armed by the post-JIT fix-up');
  const chain = unwrap(eng.model.findMap('chain', loaded.name));
  assert.equal(eng.model.deleteElem(chain, 0), 0);
  assert.equal(view().state, 'C');
  assert.equal(eng.testRun(entry, { data: new Uint8Array(40) }).retval, 30, 'empty slot: entry falls through');
  assert.equal(eng.model.updateProgArray(chain, 0, parse.kernel), 0);
  assert.equal(view().state, 'B');
  assert.equal(eng.testRun(entry, { data: new Uint8Array(40) }).retval, 1);
  eng.close();
});

test('a guest fault ends a test run with an error placed at the program', async (t) => {
  if (!present(join(EXAMPLES, 'tailchain.o'), 'test input')) return t.skip('examples/tailchain.o not built');
  const { eng, entry } = await engineFor('tailchain.o');
  const run = eng.engine();
  const res = run(eng.model, entry, { kind: 'skb', addr: 0x10n }); // ctx pointer into nowhere
  assert.equal(res.error?.code, 'machine.fault');
  assert.match(res.error!.message, /read of \d bytes at 0x/);
  assert.ok(res.error!.place.program, 'names a program');
  eng.close();
});
