// bpf_loop inlining (inline_bpf_loop): mix.c's bpf_loop(4, loop_cb, 0, 0) has flags 0 and
// one callback, so the xlated program loops itself and calls loop_cb directly, with R6-R8
// saved in 24 stack bytes below main_prog's frame; flags other than 0 keep the helper call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { BPF_JMP, BPF_CALL, BPF_PSEUDO_CALL } from '../../src/bpf/opcodes.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import type { BpfObject } from '../../src/object/types.ts';

const BPF_FUNC_loop = 181;
const file = path.join(import.meta.dirname, '../object/fixtures/mix_el.o');

function load(): BpfObject {
  const o = loadObjectFile(file);
  assert.ok(o.ok, o.ok ? '' : o.error.message);
  return o.value;
}

function image(obj: BpfObject) {
  const prog = obj.programs.find((p) => p.name === 'main_prog')!;
  const r = analyzeProgram(obj, prog);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}

test('bpf_loop with flags 0 and a constant callback becomes a loop calling the callback', () => {
  const obj = load();
  const plain = image(obj);
  const loopCalls = plain.insns.filter((i) => i.code === (BPF_JMP | BPF_CALL) && i.src === 0 && i.imm === BPF_FUNC_loop);
  assert.equal(loopCalls.length, 0, 'no bpf_loop helper call is left');
  const cb = plain.subprogs.find((s) => s.name === 'loop_cb')!;
  const direct = plain.insns.findIndex((i, k) => i.code === (BPF_JMP | BPF_CALL) && i.src === BPF_PSEUDO_CALL && k + i.imm + 1 === cb.start);
  assert.ok(direct >= 0 && direct < plain.subprogs[1]!.start, 'main_prog calls loop_cb directly');
  // R6, R7 and R8 spilled at the three slots below the 8 bytes main_prog uses itself.
  assert.equal(plain.subprogs[0]!.stackDepth, 8 + 24);
  const spills = plain.insns.filter((i) => i.code === 0x7b && i.dst === 10 && [6, 7, 8].includes(i.src)).map((i) => [i.src, i.off]);
  assert.deepEqual(spills, [
    [6, -32],
    [7, -24],
    [8, -16],
  ]);
});

test('bpf_loop with other flags stays a helper call and the frame keeps its size', () => {
  const obj = load();
  const prog = obj.programs.find((p) => p.name === 'main_prog')!;
  const call = prog.insns.findIndex((i) => i.code === (BPF_JMP | BPF_CALL) && i.src === 0 && i.imm === BPF_FUNC_loop);
  let setFlags = call - 1;
  while (setFlags >= 0 && !(prog.insns[setFlags]!.code === 0xb7 && prog.insns[setFlags]!.dst === 4)) setFlags--;
  assert.ok(setFlags >= 0, 'mix.c sets the flags with r4 = 0');
  const insns = prog.insns.slice();
  insns[setFlags] = { ...insns[setFlags]!, imm: 1 };
  const changed: BpfObject = { ...obj, programs: obj.programs.map((p) => (p === prog ? { ...p, insns } : p)) };
  const img = image(changed);
  assert.equal(img.insns.filter((i) => i.code === (BPF_JMP | BPF_CALL) && i.src === 0 && i.imm === BPF_FUNC_loop).length, 1);
  assert.equal(img.subprogs[0]!.stackDepth, 8);
});
