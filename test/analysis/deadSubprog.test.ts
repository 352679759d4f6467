import { test } from 'node:test';
import assert from 'node:assert/strict';
import { insn } from '../../src/bpf/insn.ts';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { mkObj, mkProg } from './progs.ts';

test('a subprogram reached only from dead code leaves the subprogram table (adjust_subprog_starts_after_remove)', () => {
  // r0 = 0; if r0 == 0 goto +1; call sub; exit | sub: r0 = 1; exit
  const code = [insn(0xb7, 0, 0, 0, 0), insn(0x15, 0, 0, 1, 0), insn(0x85, 0, 1, 0, 1), insn(0x95), insn(0xb7, 0, 0, 0, 1), insn(0x95)];
  const prog = mkProg(code, {
    funcs: [
      { name: 'prog', start: 0 },
      { name: 'sub', start: 4 },
    ],
    lines: [0, 4],
  });
  const r = analyzeProgram(mkObj(prog), prog, {});
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  const im = r.value;
  assert.deepEqual(
    im.subprogs.map((s) => s.name),
    ['prog'],
  );
  assert.equal(im.subprogs[0]!.end, im.insns.length);
  assert.ok(im.subprogs.every((s) => s.start < s.end));
});
