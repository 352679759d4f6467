import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeInsns, encodeInsns, insn } from '../../src/bpf/insn.ts';
import { asm, assemble } from '../../src/bpf/asm.ts';
import { disasmProgram } from '../../src/bpf/disasm.ts';
import * as op from '../../src/bpf/opcodes.ts';
import { execSections, parseDis, selftestObjDir, selftestObjects } from './selftestObjects.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

test('assembles the text of every selftest listing back to the bytes of the object', (t) => {
  const names = selftestObjects();
  if (names.length === 0) return t.skip('../shared/testdata absent');
  for (const name of names) {
    const sections = execSections(path.join(selftestObjDir, name + '.o'));
    const bySection = new Map<string, string[]>();
    for (const l of parseDis(path.join(selftestObjDir, name + '.dis'))) {
      if (!bySection.has(l.section)) bySection.set(l.section, []);
      // llvm prints a relocated in-section bpf2bpf call as `call N`, the same text as helper N;
      // the listing's bytes say which it is, so write it the unambiguous way (`call pc+N`).
      const pseudoCall = l.bytes.startsWith('85 10') && !l.text.startsWith('call -');
      bySection.get(l.section)!.push(pseudoCall ? l.text.replace(/^call (\d+)$/, 'call pc+$1') : l.text);
    }
    for (const [section, lines] of bySection) {
      const got = encodeInsns(asm(lines.join('\n')));
      assert.deepEqual(got, sections.get(section), `${name} ${section}`);
    }
  }
});

test('round-trips decode -> disasm -> asm -> encode on every selftest object section', (t) => {
  const names = selftestObjects();
  if (names.length === 0) return t.skip('../shared/testdata absent');
  for (const name of names) {
    for (const [section, bytes] of execSections(path.join(selftestObjDir, name + '.o'))) {
      const text = disasmProgram(decodeInsns(bytes), { symbolic: true })
        .map((l) => l.text)
        .join('\n');
      assert.deepEqual(encodeInsns(asm(text)), bytes, `${name} ${section}`);
    }
  }
});

test('round-trips the text of every encoding in the llvm 14 fixture listings, in both register styles', () => {
  for (const [file, alu32] of [
    ['llvm14.dis', false],
    ['llvm14-alu32.dis', true],
  ] as const) {
    const lines = fs
      .readFileSync(path.join(here, 'fixtures', file), 'utf8')
      .trim()
      .split('\n');
    for (const line of lines) {
      const [hex, text] = line.split('\t') as [string, string];
      // The fixture bytes set unused fields (src in K forms), so compare text, not bytes.
      const again = disasmProgram(asm(text), { alu32 })
        .map((l) => l.text)
        .join('\n');
      assert.equal(again, text, hex);
    }
  }
});

test('round-trips v4, atomic and post-load forms through disasm and asm', () => {
  const prog = [
    insn(op.MOV64_REG, 1, 2, 8),
    insn(op.MOV32_REG, 1, 2, 16),
    insn(op.DIV64_REG, 1, 2, 1),
    insn(op.MOD32_IMM, 1, 0, 1, -3),
    insn(op.BSWAP, 3, 0, 0, 64),
    insn(op.LDXSB, 1, 10, -1),
    insn(op.ST_DW_IMM, 10, 0, -8, -1),
    insn(op.JSET_IMM32, 1, 0, 2, 0x10),
    insn(op.JA32, 0, 0, 0, -7),
    insn(op.JCOND, 0, 0, 1),
    insn(op.TAIL_CALL, 0, 0, 0, 1),
    insn(op.TAIL_CALL),
    insn(op.ATOMIC_W, 1, 2, 4, op.BPF_XCHG),
    insn(op.ATOMIC_W, 1, 2, 4, op.BPF_CMPXCHG),
    insn(op.ATOMIC_DW, 1, 2, -8, op.BPF_XOR | op.BPF_FETCH),
    insn(op.ATOMIC_W, 1, 2, 0, op.BPF_AND),
    insn(op.ATOMIC_B, 1, 2, 0, op.BPF_STORE_REL),
    insn(op.ATOMIC_H, 3, 4, 2, op.BPF_LOAD_ACQ),
    insn(op.LD_DW_IMM, 2, op.BPF_PSEUDO_MAP_FD, 0, 3),
    insn(0),
    insn(op.LD_DW_IMM, 2, op.BPF_PSEUDO_MAP_VALUE, 0, 1),
    insn(0, 0, 0, 0, 16),
    insn(op.LD_DW_IMM, 2, op.BPF_PSEUDO_FUNC, 0, 5),
    insn(0),
    insn(op.LD_DW_IMM, 4, op.BPF_PSEUDO_BTF_ID, 0, 77),
    insn(0),
    insn(op.CALL, 0, op.BPF_PSEUDO_CALL, 0, 9),
    insn(op.CALL, 0, op.BPF_PSEUDO_KFUNC_CALL, 0, 1234),
    insn(op.CALL, 0, 0, 0, 181),
    insn(op.LD_IND_W, 0, 7, 0, 14),
    insn(op.NEG32, 5),
    insn(op.LE, 2, 0, 0, 16),
  ];
  const text = disasmProgram(prog, { symbolic: true })
    .map((l) => l.text)
    .join('\n');
  assert.deepEqual(asm(text), prog, text);
});

test('resolves labels for jumps, calls and callback references', () => {
  const prog = asm`
    r1 = 0
  loop:
    r1 += 1
    if r1 < 10 goto loop
    call sub
    r2 = func[cb] ll
    exit
  sub:
    r0 = 1
    exit
  cb:
    r0 = 0
    exit`;
  assert.equal(prog[2]!.off, -2);
  assert.deepEqual(prog[3], insn(op.CALL, 0, op.BPF_PSEUDO_CALL, 0, 3));
  assert.deepEqual(prog[4], insn(op.LD_DW_IMM, 2, op.BPF_PSEUDO_FUNC, 0, 4));
});

test('accepts helper calls by name and map loads by name through a resolver', () => {
  const r = assemble('r1 = map[counts] ll\ncall bpf_map_lookup_elem\ncall get_prandom_u32', { mapIndex: (n) => (n === 'counts' ? 2 : undefined) });
  assert.ok(r.ok);
  assert.deepEqual(r.value, [insn(op.LD_DW_IMM, 1, 1, 0, 2), insn(0), insn(op.CALL, 0, 0, 0, 1), insn(op.CALL, 0, 0, 0, 7)]);
});

test('reports the line of a syntax error as a Diag', () => {
  const r = assemble('r0 = 1\nr0 frob 2\nexit');
  assert.equal(r.ok, false);
  if (!r.ok) {
    assert.equal(r.error.code, 'asm.syntax');
    assert.match(r.error.message, /^line 2: /);
    assert.equal(r.error.place.line, 2);
  }
});

test('rejects an unknown label and an out-of-range immediate', () => {
  assert.equal(assemble('goto nowhere').ok, false);
  assert.equal(assemble('r0 = 4294967296').ok, false);
  assert.deepEqual(asm`w0 = 4294967295`, [insn(op.MOV32_IMM, 0, 0, 0, -1)]);
});
