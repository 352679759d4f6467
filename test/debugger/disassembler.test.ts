// The debugger decodes machine code through its Disassembler interface
// (src/debugger/disassembler.ts); the Capstone one comes from the machine layer and every
// session's target carries the one for its arch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CapstoneDisassembler, loadCapstone } from '../../src/machine/capstone.ts';
import type { Disassembler } from '../../src/debugger/disassembler.ts';
import { examplePath, have, openExample } from './fixture.ts';

const decode = (d: Disassembler, bytes: number[], max?: number): [bigint, number, string][] =>
  d.disasm(new Uint8Array(bytes), 0x1000n, max).map((i) => [i.addr, i.size, d.format(i)]);

test('Capstone as a Disassembler: x86-64 in Intel syntax, an undecodable byte as (bad), at most max instructions', async () => {
  await loadCapstone();
  const d: Disassembler = new CapstoneDisassembler('x86_64');
  // mov rbp, rsp; ud2; ret; then a lone 0x0f (an opcode escape with nothing after it)
  const bytes = [0x48, 0x89, 0xe5, 0x0f, 0x0b, 0xc3, 0x0f];
  assert.deepEqual(decode(d, bytes), [
    [0x1000n, 3, 'mov rbp, rsp'],
    [0x1003n, 2, 'ud2'],
    [0x1005n, 1, 'ret'],
    [0x1006n, 1, '(bad)'],
  ]);
  assert.deepEqual(decode(d, bytes, 1), [[0x1000n, 3, 'mov rbp, rsp']]);
});

test('Capstone as a Disassembler: RV64GC, compressed instructions included', async () => {
  await loadCapstone();
  const d: Disassembler = new CapstoneDisassembler('riscv64');
  // addi sp, sp, -16 (32-bit), c.addi sp, -16 (16-bit)
  assert.deepEqual(decode(d, [0x13, 0x01, 0x01, 0xff, 0x41, 0x11]), [
    [0x1000n, 4, 'addi sp, sp, -0x10'],
    [0x1004n, 2, 'c.addi sp, -0x10'],
  ]);
});

for (const arch of ['x86_64', 'riscv64'] as const) {
  test(
    `${arch}: every native line of the code window is the target's Disassembler's text for the live code there`,
    { skip: have(examplePath('tailchain')) ? false : 'tailchain.o not built' },
    async () => {
      const s = await openExample('tailchain', { arch });
      try {
        const t = s.target;
        const natives = s.view().disasm!.lines.filter((l) => l.kind === 'native');
        assert.ok(natives.length > 5);
        for (const l of natives) {
          const addr = BigInt(l.addr);
          const [i] = t.disassembler.disasm(t.machine.readMem(addr, 16), addr, 1);
          assert.equal(l.text, t.disassembler.format(i!), l.addr);
        }
      } finally {
        s.dispose();
      }
    },
  );
}
