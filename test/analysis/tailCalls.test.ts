// bpf_tail_call sites: `call 12` becomes JMP|TAIL_CALL (0xf5); it is direct (imm = poke
// index + 1, a PokeSite in program order) iff the map and the key are the same constants
// on every path and the key is < max_entries, else indirect (imm 0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeProgram, type ProgramImage } from '../../src/analysis/index.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import type { MapDef } from '../../src/object/types.ts';
import { haveTestdata, objDir, SKIP_REASON } from '../object/testdata.ts';
import { jmpTable, mkObj, mkProg, type ProgSpec } from './progs.ts';

function analyze(text: string, maps: MapDef[], spec: ProgSpec = {}): ProgramImage {
  const prog = mkProg(text, spec);
  const r = analyzeProgram(mkObj(prog, maps), prog);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

test('a constant key on every path makes a direct tail call with a poke site', () => {
  const img = analyze('r2 = map[#0] ll\nr3 = 1\ncall 12\nr2 = map[#0] ll\nr3 = 0\ncall 12\nr0 = 0\nexit', [jmpTable(0)]);
  assert.deepEqual(img.insns[3], { code: 0xf5, dst: 0, src: 0, off: 0, imm: 1 });
  assert.deepEqual(img.insns[7], { code: 0xf5, dst: 0, src: 0, off: 0, imm: 2 });
  assert.deepEqual(
    img.pokeSites.map((p) => [p.index, p.insn, p.mapIndex, p.key]),
    [
      [0, 3, 0, 1],
      [1, 7, 0, 0],
    ],
  );
  assert.deepEqual(
    img.tailCallSites.map((t) => t.direct),
    [true, true],
  );
});

test('a key that is out of range, unknown, or different per path makes it indirect', () => {
  const oob = analyze('r2 = map[#0] ll\nr3 = 10\ncall 12\nr0 = 0\nexit', [jmpTable(0, 2)]);
  assert.deepEqual(oob.insns[3], { code: 0xf5, dst: 0, src: 0, off: 0, imm: 0 });
  assert.equal(oob.pokeSites.length, 0);
  const unknown = analyze('r3 = *(u32 *)(r1 + 8)\nr2 = map[#0] ll\ncall 12\nr0 = 0\nexit', [jmpTable(0)]);
  assert.deepEqual(
    unknown.tailCallSites.map((t) => [t.direct, t.mapIndex, t.key]),
    [[false, 0, null]],
  );
  const perPath = analyze('r3 = 1\nr4 = *(u32 *)(r1 + 8)\nif r4 == 0 goto +1\nr3 = 2\nr2 = map[#0] ll\ncall 12\nr0 = 0\nexit', [jmpTable(0)]);
  assert.equal(perPath.tailCallSites[0]!.direct, false);
});

test('the same constant reached on every path (through a spill) stays direct', () => {
  const img = analyze(
    `
    r3 = 2
    *(u64 *)(r10 - 8) = r3
    r4 = *(u32 *)(r1 + 8)
    if r4 == 0 goto +1
    r4 = 1
    r3 = *(u64 *)(r10 - 8)
    r2 = map[#0] ll
    call 12
    r0 = 0
    exit`,
    [jmpTable(0)],
  );
  assert.deepEqual(
    img.pokeSites.map((p) => p.key),
    [2],
  );
});

test('a map passed as a subprog argument from two callers with different maps is poisoned', () => {
  const img = analyze(
    `
    r6 = r1
    r2 = map[#0] ll
    call sub
    r1 = r6
    r2 = map[#1] ll
    call sub
    exit
    sub: r3 = 0
    call 12
    r0 = 0
    exit`,
    [jmpTable(0), jmpTable(1)],
    {
      funcs: [
        { name: 'prog', start: 0 },
        { name: 'sub', start: 9 },
      ],
    },
  );
  assert.deepEqual(
    img.tailCallSites.map((t) => [t.direct, t.mapIndex, t.subprog]),
    [[false, null, 1]],
  );
});

const selftest = (obj: string, prog: string): ProgramImage => {
  const o = loadObjectFile(path.join(objDir, obj + '.o'));
  assert.ok(o.ok);
  const p = o.value.programs.find((x) => x.name === prog)!;
  const r = analyzeProgram(o.value, p);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};

test('selftests: bpf_tail_call_static is direct; globals, per-path keys and map arguments are indirect', { skip: !haveTestdata && SKIP_REASON }, () => {
  assert.deepEqual(
    selftest('tailcall1', 'entry').tailCallSites.map((t) => t.direct),
    new Array(12).fill(true),
  );
  assert.deepEqual(
    selftest('tailcall1', 'entry').pokeSites.map((p) => p.key),
    [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
  );
  assert.deepEqual(
    selftest('tailcall3', 'entry').tailCallSites.map((t) => t.direct),
    [true],
  );
  assert.deepEqual(
    selftest('tailcall4', 'entry').tailCallSites.map((t) => t.direct),
    [false],
  );
  assert.deepEqual(
    selftest('tailcall5', 'entry').tailCallSites.map((t) => t.direct),
    [false],
  );
  assert.deepEqual(
    selftest('tailcall6', 'entry').tailCallSites.map((t) => t.direct),
    [false],
  );
  assert.deepEqual(
    selftest('tailcall_bpf2bpf_hierarchy3', 'classifier_0').tailCallSites.map((t) => [t.direct, t.mapIndex]),
    [[false, null]],
  );
  // tailcall_bpf2bpf3: key 10 >= max_entries 2 is indirect; key 1 is direct.
  assert.deepEqual(
    selftest('tailcall_bpf2bpf3', 'classifier_0').tailCallSites.map((t) => [t.direct, t.key]),
    [
      [false, null],
      [true, 1],
    ],
  );
});

test('selftests: tail calls make the callers tail_call_reachable', { skip: !haveTestdata && SKIP_REASON }, () => {
  const img = selftest('tailcall_bpf2bpf_hierarchy2', 'tailcall_bpf2bpf_hierarchy_2');
  assert.deepEqual(
    img.subprogs.map((s) => [s.name, s.hasTailCall, s.tailCallReachable]),
    [
      ['tailcall_bpf2bpf_hierarchy_2', false, true],
      ['subprog_tail0', true, true],
      ['subprog_tail1', true, true],
    ],
  );
  assert.equal(img.tailCallReachable, true);
  const plain = selftest('tc_bpf2bpf', 'entry_tc');
  assert.equal(plain.tailCallReachable, false);
});
