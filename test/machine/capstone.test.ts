import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { disasm, formatInsn, insnLength, loadCapstone } from '../../src/machine/capstone.ts';

before(async () => {
  await loadCapstone();
});

const lines = (arch: 'x86_64' | 'riscv64' | 'bpf', bytes: number[], addr: bigint): string[] =>
  disasm(arch, Uint8Array.from(bytes), addr).map((i) => `${i.addr.toString(16)} ${i.size} ${formatInsn(i)}`);

test('x86-64 disassembly is Intel syntax with kernel addresses unsigned', () => {
  const bytes = [0x48, 0x8b, 0x85, 0xe8, 0xff, 0xff, 0xff, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0xe9, 0x13, 0x00, 0x00, 0x00];
  assert.deepEqual(lines('x86_64', bytes, 0xffffffffc0000035n), [
    'ffffffffc0000035 7 mov rax, qword ptr [rbp - 0x18]',
    'ffffffffc000003c 5 nop dword ptr [rax + rax]',
    'ffffffffc0000041 5 jmp 0xffffffffc0000059',
  ]);
});

test('x86-64 per-CPU access shows the gs segment and absolute displacement', () => {
  assert.deepEqual(lines('x86_64', [0x65, 0x4c, 0x03, 0x0c, 0x25, 0xe8, 0xf0, 0x01, 0x00], 0n), ['0 9 add r9, qword ptr gs:[0x1f0e8]']);
});

test('undecodable bytes (0x06 is invalid in 64-bit mode) become (bad) entries and decoding resumes after them', () => {
  const out = disasm('x86_64', Uint8Array.from([0x90, 0x06, 0xc3]), 0x1000n);
  assert.equal(out[0]!.mnemonic, 'nop');
  assert.ok(out.some((i) => i.mnemonic === '(bad)'));
  assert.equal(out.at(-1)!.mnemonic, 'ret');
  assert.equal(
    out.reduce((n, i) => n + i.size, 0),
    3,
  );
});

test('riscv64 disassembly decodes compressed and full-size instructions with ABI names', () => {
  assert.deepEqual(lines('riscv64', [0x13, 0, 0, 0, 0x67, 0x80, 0, 0, 0x01, 0x45], 0x1000n), ['1000 4 nop', '1004 4 ret', '1008 2 c.li a0, 0']);
});

test('bpf disassembly covers 8- and 16-byte instructions', () => {
  const bytes = [0xb7, 0, 0, 0, 0x2a, 0, 0, 0, 0x18, 0x01, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0];
  assert.deepEqual(lines('bpf', bytes, 0n), ['0 8 mov64 r0, 0x2a', '8 16 lddw r1, 0x200000001', '18 8 exit']);
});

test('insnLength gives the size of the first instruction', () => {
  assert.equal(insnLength('x86_64', Uint8Array.from([0x48, 0x89, 0x77, 0x08, 0xc3]), 0n), 4);
  assert.equal(insnLength('riscv64', Uint8Array.from([0x01, 0x45]), 0n), 2);
  assert.equal(insnLength('riscv64', Uint8Array.from([0x13, 0, 0, 0]), 0n), 4);
});
