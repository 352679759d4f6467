// TracingMachine on every example, and on a program that runs bpf_loop callbacks: the
// instruction count of a stop inside a run equals the number of single steps that reach
// the same state, and goto(n) for every n of a finished run reproduces the register file
// forward stepping saw at n.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { unwrap } from '../../src/common/diag.ts';
import { HELPER_BASE, HELPER_STRIDE } from '../../src/common/layout.ts';
import { BPF_FUNC } from '../../src/bpf/helperIds.ts';
import { loadObject } from '../../src/object/index.ts';
import { SeededNondet } from '../../src/kernel/nondet.ts';
import { X86_GPRS } from '../../src/machine/regs.ts';
import { launchTraced, recordingOptions, type TracedTarget } from '../../src/record/index.ts';
import { repoRoot } from './fixture.ts';

const REGS = [...X86_GPRS, 'rip', 'eflags'];
const examples = readdirSync(path.join(repoRoot, 'examples'))
  .filter((f) => f.endsWith('.o'))
  .sort();

async function launch(file: string, prog?: string): Promise<TracedTarget | null> {
  const obj = loadObject(new Uint8Array(readFileSync(file)), file);
  if (!obj.ok) return null;
  const r = await launchTraced(obj.value, recordingOptions({ prog }), () => new SeededNondet(), { interval: 64, denseInterval: 16 });
  return r.ok ? r.value : null;
}

/** Steps `a` through a whole run; runs `b` to a breakpoint half-way and to the end; compares. */
function checkCounts(a: TracedTarget, b: TracedTarget): string[] {
  assert.ok(a.target.prepareRun({ data: new Uint8Array(64) }).ok);
  const states = [a.tracer.readRegs(REGS).join(',')];
  for (;;) {
    const s = a.tracer.step();
    states.push(a.tracer.readRegs(REGS).join(','));
    if (s.kind !== 'step') break;
  }
  assert.ok(b.target.prepareRun({ data: new Uint8Array(64) }).ok);
  const mid = Math.floor(states.length / 2);
  const rip = BigInt(states[mid]!.split(',')[16]!);
  const first = states.findIndex((s) => BigInt(s.split(',')[16]!) === rip);
  b.tracer.addBreakpoint(rip);
  assert.equal(b.tracer.run({ budget: 1_000_000 }).kind, 'breakpoint');
  assert.equal(b.tracer.count, first);
  assert.equal(b.tracer.readRegs(REGS).join(','), states[first]);
  while (b.tracer.run({ budget: 1_000_000 }).kind === 'breakpoint');
  assert.equal(b.tracer.count, states.length - 1, 'exit count');
  for (let n = b.tracer.count - 1; n >= 0; n--) {
    b.tracer.goto(n);
    assert.equal(b.tracer.readRegs(REGS).join(','), states[n], `state ${n}`);
  }
  return states;
}

for (const ex of examples) {
  test(`${ex}: counts at breakpoint and exit stops match single-stepping, and goto revisits every state`, async (t) => {
    const file = path.join(repoRoot, 'examples', ex);
    const a = await launch(file);
    const b = await launch(file);
    if (!a || !b) return t.skip('cannot be launched on the x86-64 target');
    try {
      checkCounts(a, b);
    } finally {
      a.target.dispose();
      b.target.dispose();
    }
  });
}

test('inlined bpf_loop: counts match single-stepping across the callbacks, and goto revisits every state on both sides', async () => {
  const file = path.join(repoRoot, 'test/object/fixtures/mix_el.o');
  const [a, b] = [await launch(file, 'main_prog'), await launch(file, 'main_prog')];
  assert.ok(a && b);
  try {
    for (const t of [a, b]) {
      // Empty jmp[1] so main_prog does not tail-call away before bpf_loop(4, loop_cb).
      const model = t.target.model;
      assert.equal(model.deleteElem(unwrap(model.findMap('jmp', t.target.loaded.name)), 1), 0);
    }
    const rips = checkCounts(a, b).map((s) => BigInt(s.split(',')[16]!));
    // bpf_loop(4, loop_cb, 0, 0) is inlined (flags 0, one callback: inline_bpf_loop), so
    // the callbacks are direct calls that stepping enters, never the helper's trap.
    assert.equal(rips.indexOf(HELPER_BASE + BigInt(BPF_FUNC.loop) * HELPER_STRIDE), -1, 'bpf_loop is inlined');
    assert.ok(rips.length > 60, 'the run steps through the four callbacks and goes on in main_prog');
  } finally {
    a.target.dispose();
    b.target.dispose();
  }
});

test("the tracer's lastExecuted is how far its last run or step moved the count, across checkpoint segments", async (t) => {
  const a = await launch(path.join(repoRoot, 'examples', 'tailchain.o'));
  if (!a) return t.skip('cannot be launched on the x86-64 target');
  try {
    assert.ok(a.target.prepareRun({ data: new Uint8Array(64) }).ok);
    assert.equal(a.tracer.step().kind, 'step');
    assert.equal(a.tracer.lastExecuted, 1);
    // A run longer than the checkpoint interval (64) executes in segments on the real machine.
    const from = a.tracer.count;
    const s = a.tracer.run({ budget: 1_000_000 });
    assert.equal(s.kind, 'exited');
    assert.ok(a.tracer.count - from > 64, 'the run spans several segments');
    assert.equal(a.tracer.lastExecuted, a.tracer.count - from);
  } finally {
    a.target.dispose();
  }
});
