// The RISC-V 64 JIT engine: programs JITed, linked (auipc pairs to the helper trap page and
// to bpf2bpf callees) and placed like X86Engine's (shared JitEngine); prog_array updates
// are plain slot stores (no pokes); R0 is a5 at the return, the caller sees it
// sign-extended in a0; faults are values placed at a program and instruction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadObjectFile } from '../../src/object/index.ts';
import { analyzeProgram, type ProgramImage } from '../../src/analysis/index.ts';
import { analysisOptionsFor } from '../../src/jit/profiles.ts';
import { RV_TCC_ON_STACK, RV_UPSTREAM } from '../../src/jit/riscv64/index.ts';
import type { JitProfile } from '../../src/jit/types.ts';
import { unwrap } from '../../src/common/diag.ts';
import { TEXT_BASE, TEXT_SLOT } from '../../src/common/layout.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import type { BpfObject } from '../../src/object/types.ts';
import { present } from '../support/required.ts';

const EXAMPLES = join(import.meta.dirname, '../../examples');
const have = (f: string) => present(join(EXAMPLES, f), 'example object');

async function engineFor(file: string, profile: JitProfile = RV_UPSTREAM) {
  const obj: BpfObject = unwrap(loadObjectFile(join(EXAMPLES, file)));
  const images: ProgramImage[] = [];
  for (const p of obj.programs) {
    const r = analyzeProgram(obj, p, analysisOptionsFor(profile));
    if (r.ok) images.push(r.value);
  }
  const eng = await RiscvEngine.create({ profile });
  const loaded = unwrap(eng.loadObject(obj, images));
  const entry = loaded.programs.find((p) => p.name === 'entry') ?? loaded.programs[0]!;
  return { eng, loaded, entry };
}

test('programs go to their text slots on 64-byte boundaries, bpf_func at the first', { skip: have('subprog_tail.o') ? false : 'not built' }, async () => {
  const { eng } = await engineFor('subprog_tail.o', RV_TCC_ON_STACK);
  for (const p of eng.programs()) {
    assert.equal(p.funcBases[0], TEXT_BASE + BigInt(p.slot) * TEXT_SLOT);
    for (const b of p.funcBases) assert.equal(b % 64n, 0n);
    assert.equal(eng.locate(p.funcBases[0]! + BigInt(p.jit.funcs[0]!.addrs[0]!))?.insn, p.jit.funcs[0]!.insnStart);
  }
  eng.close();
});

test(
  'prog_array updates after load are seen by the next run (tailchain: delete, re-install), no pokes on RISC-V',
  { skip: have('tailchain.o') ? false : 'not built' },
  async () => {
    const { eng, loaded, entry } = await engineFor('tailchain.o');
    assert.deepEqual(
      eng.programs().flatMap((p) => p.jit.pokes),
      [],
    );
    const chain = unwrap(eng.model.findMap('chain', loaded.name));
    const parse = unwrap(eng.model.findProgram('stage_parse', loaded.name));
    assert.equal(eng.testRun(entry, { data: new Uint8Array(40) }).tailCalls, 3);
    assert.equal(eng.model.deleteElem(chain, 0), 0);
    const fell = eng.testRun(entry, { data: new Uint8Array(40) });
    assert.equal(fell.retval, 30, 'empty slot: entry falls through');
    assert.equal(fell.tailCalls, 0);
    assert.equal(eng.model.updateProgArray(chain, 0, parse), 0);
    assert.equal(eng.testRun(entry, { data: new Uint8Array(40) }).retval, 1);
    eng.close();
  },
);

test(
  'helper calls return through the trap page, and a bpf2bpf call returns R0 in a5 (timer_shared)',
  { skip: have('timer_shared.o') ? false : 'not built' },
  async () => {
    const { eng, loaded } = await engineFor('timer_shared.o');
    const arm = unwrap(eng.model.findProgram('arm_timer', loaded.name));
    const res = eng.testRun(arm, { data: new Uint8Array(64) });
    assert.equal(res.error, undefined, res.error?.message);
    assert.equal(res.retval, 0, 'bpf_map_lookup_elem found the element; timer helpers returned 0');
    assert.equal(unwrap(eng.model.readGlobalInt('main_sum', loaded.name)), 2n * 64n + 12n, 'shared(len) = (len + 3) + (len + 9)');
    eng.close();
  },
);

test('a guest fault ends a test run with an error placed at the program', { skip: have('tailchain.o') ? false : 'not built' }, async () => {
  const { eng, entry } = await engineFor('tailchain.o');
  const res = eng.engine()(eng.model, entry, { kind: 'skb', addr: 0x10n }); // ctx pointer into nowhere
  assert.equal(res.error?.code, 'machine.fault');
  assert.match(res.error!.message, /read of \d bytes at 0x/);
  assert.ok(res.error!.place.program, 'names a program');
  assert.notEqual(res.error!.place.insn, undefined, 'names the BPF instruction');
  eng.close();
});

test('the JITed code is linked: every auipc pair of a helper call reaches the helper page', { skip: have('xdp_parse.o') ? false : 'not built' }, async () => {
  const { eng } = await engineFor('xdp_parse.o');
  let checked = 0;
  for (const p of eng.programs()) {
    p.jit.funcs.forEach((f, i) => {
      for (const r of f.relocs) {
        if (r.kind !== 'helperCall') continue;
        const pc = p.funcBases[i]! + BigInt(r.at);
        const b = eng.machine.readMem(pc, 8);
        const dv = new DataView(b.buffer, b.byteOffset, 8);
        const hi = BigInt.asIntN(32, BigInt(dv.getUint32(0, true) & 0xfffff000));
        const lo = BigInt(dv.getInt32(4, true) >> 20);
        assert.equal(BigInt.asUintN(64, pc + hi + lo), 0xffffffff81000000n + BigInt(r.helperId) * 0x10n);
        checked++;
      }
    });
  }
  assert.ok(checked > 0);
  eng.close();
});
