import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeInsns, insn } from '../../src/bpf/insn.ts';
import { disasmInsn, disasmProgram } from '../../src/bpf/disasm.ts';
import * as op from '../../src/bpf/opcodes.ts';
import { execSections, parseDis, selftestObjDir, selftestObjects } from './selftestObjects.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

function hexInsns(hex: string) {
  return decodeInsns(Uint8Array.from(hex.split(' ').map((h) => parseInt(h, 16))));
}

for (const [file, alu32] of [
  ['llvm14.dis', false],
  ['llvm14-alu32.dis', true],
] as const) {
  test(`prints every encoding exactly as clang 14's llvm-objdump does (${file})`, () => {
    const lines = fs
      .readFileSync(path.join(here, 'fixtures', file), 'utf8')
      .trim()
      .split('\n');
    for (const line of lines) {
      const [hex, text] = line.split('\t') as [string, string];
      assert.equal(disasmInsn(hexInsns(hex), 0, { alu32 }), text, hex);
    }
  });
}

test('matches the llvm-objdump listing of every kernel selftest object, insn by insn', (t) => {
  const names = selftestObjects();
  if (names.length === 0) return t.skip('../shared/testdata absent');
  assert.equal(names.length, 21);
  let compared = 0;
  for (const name of names) {
    const sections = execSections(path.join(selftestObjDir, name + '.o'));
    for (const line of parseDis(path.join(selftestObjDir, name + '.dis'))) {
      const insns = decodeInsns(sections.get(line.section)!);
      const want = line.text.replace(/ <[^<>]*>$/, '');
      assert.equal(disasmInsn(insns, line.index), want, `${name} ${line.section}:${line.index}`);
      compared++;
    }
  }
  assert.ok(compared > 500);
});

test('prints v4 and kernel-internal forms in later llvm syntax', () => {
  const cases: [ReturnType<typeof insn>, string][] = [
    [insn(op.MOV64_REG, 1, 2, 8), 'r1 = (s8)r2'],
    [insn(op.MOV32_REG, 1, 2, 16), 'w1 = (s16)w2'],
    [insn(op.DIV64_REG, 1, 2, 1), 'r1 s/= r2'],
    [insn(op.MOD32_IMM, 1, 0, 1, -3), 'w1 s%= -3'],
    [insn(op.MOD64_REG, 1, 2), 'r1 %= r2'],
    [insn(op.BSWAP, 3, 0, 0, 32), 'r3 = bswap32 r3'],
    [insn(op.LDXSW, 1, 10, -8), 'r1 = *(s32 *)(r10 - 8)'],
    [insn(op.ST_W_IMM, 10, 0, -4, 7), '*(u32 *)(r10 - 4) = 7'],
    [insn(op.JSET_REG, 1, 2, 3), 'if r1 & r2 goto +3'],
    [insn(op.JA32, 0, 0, 0, -100), 'gotol -100'],
    [insn(op.JCOND, 0, 0, 5), 'may_goto +5'],
    [insn(op.TAIL_CALL), 'tail_call'],
    [insn(op.TAIL_CALL, 0, 0, 0, 3), 'tail_call poke#2'],
    [insn(op.ATOMIC_W, 1, 2, 0, op.BPF_ADD | op.BPF_FETCH), 'w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)'],
    [insn(op.ATOMIC_DW, 1, 2, 8, op.BPF_LOAD_ACQ), 'r1 = load_acquire((u64 *)(r2 + 8))'],
    [insn(op.LD_IND_B, 0, 3, 0, 5), 'r0 = *(u8 *)skb[r3 + 5]'],
  ];
  for (const [i, text] of cases) assert.equal(disasmInsn([i], 0), text);
});

test('prints post-load pseudo forms with map names, pc-relative calls and helper names', () => {
  const prog = [
    insn(op.LD_DW_IMM, 2, op.BPF_PSEUDO_MAP_FD, 0, 0),
    insn(0),
    insn(op.LD_DW_IMM, 1, op.BPF_PSEUDO_MAP_VALUE, 0, 1),
    insn(0, 0, 0, 0, 8),
    insn(op.CALL, 0, op.BPF_PSEUDO_CALL, 0, 4),
    insn(op.CALL, 0, 0, 0, 12),
    insn(op.LD_DW_IMM, 2, op.BPF_PSEUDO_FUNC, 0, -3),
    insn(0),
  ];
  const names = ['jmp_table', 'tailcall.bss'];
  const text = disasmProgram(prog, { symbolic: true, mapName: (i) => names[i] }).map((l) => `${l.pc}: ${l.text}`);
  assert.deepEqual(text, [
    '0: r2 = map[jmp_table] ll',
    '2: r1 = map[tailcall.bss][0]+8 ll',
    '4: call pc+4',
    '5: call bpf_tail_call#12',
    '6: r2 = func[pc-3] ll',
  ]);
});

test('appends a label to jumps when a label resolver names the target', () => {
  const prog = [insn(op.JEQ_IMM, 1, 0, 1, 0), insn(op.EXIT), insn(op.EXIT)];
  assert.equal(disasmInsn(prog, 0, { label: (t) => (t === 2 ? 'out' : undefined) }), 'if r1 == 0 goto +1 <out>');
});
