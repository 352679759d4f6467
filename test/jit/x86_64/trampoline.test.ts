// BPF trampolines for fentry/fexit on BPF functions, and the text-poke patch bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrampoline, type TrampolineSpec } from '../../../src/jit/x86_64/trampoline.ts';
import { patchBytes } from '../../../src/jit/x86_64/textPoke.ts';
import { h, hex } from './fixtures.ts';

const base: TrampolineSpec = {
  addr: 0xffffffffc0100000n,
  funcAddr: 0xffffffffc0000100n,
  nrArgs: 1,
  fentry: [],
  fexit: [],
  fmodRet: [],
  tailCallCtx: false,
  progEnter: 0xffffffff81100000n,
  progExit: 0xffffffff81100010n,
  trampEnter: 0xffffffff81100020n,
  trampExit: 0xffffffff81100030n,
  im: 0xffff888200001000n,
  returnThunk: null,
};
const link = { prog: 0xffff888200000000n, bpfFunc: 0xffffffffc0001000n, cookie: 0n };

test('fentry-only trampoline saves the argument, runs the program between enter/exit hooks, restores and returns', () => {
  const t = buildTrampoline({ ...base, fentry: [link] });
  assert.deepEqual(t.flags, { callOrig: false, skipFrame: false, restoreRegs: true, tailCallCtx: false });
  const c = hex(t.code);
  assert.ok(
    c.startsWith(
      h(`
    55 4889e5 4883ec28      // push rbp; mov rbp,rsp; sub rsp, 40
    48895de8                // mov [rbp-0x18], rbx
    b801000000 488945f0     // mov eax, 1; mov [rbp-0x10], rax (nr_regs)
    48897df8                // mov [rbp-8], rdi (arg1)
    31ff 48897dd8           // mov rdi, cookie(0); mov [rbp-0x28], rdi
  `),
    ),
    c,
  );
  assert.ok(c.endsWith(h('488b7df8 488b5de8 c9 c3')), c); // mov rdi,[rbp-8]; mov rbx,[rbp-0x18]; leave; ret
});

test('fexit trampoline calls the original body past its patched nop5 and skips the traced frame on return', () => {
  const t = buildTrampoline({ ...base, fexit: [link], tailCallCtx: true });
  assert.deepEqual(t.flags, { callOrig: true, skipFrame: true, restoreRegs: false, tailCallCtx: true });
  const code = t.code;
  const at = t.ipAfterCall! - 4 - 5; // `call orig` precedes `mov [rbp-8], rax`
  assert.equal(code[at - 7], 0x48); // mov rax, [rbp - rsd - 8]: tcc_ptr back for the original (6.7+)
  assert.equal(code[at], 0xe8);
  const rel = new DataView(code.buffer).getInt32(at + 1, true);
  assert.equal(base.addr + BigInt(at) + 5n + BigInt(rel), base.funcAddr + 5n);
  assert.ok(hex(code).endsWith(h('c9 4883c408 c3'))); // leave; add rsp, 8; ret
});

test('text pokes: nop5, call rel32 (fentry), jmp rel32 (freplace / tail-call target)', () => {
  const nop = patchBytes('jump', 0x1000n, null);
  assert.ok(nop.ok && hex(nop.value) === '0f1f440000');
  const call = patchBytes('call', 0x1000n, 0x2000n);
  assert.ok(call.ok && hex(call.value) === h('e8 fb0f0000'));
  const far = patchBytes('jump', 0n, 1n << 40n);
  assert.equal(far.ok, false);
});

test('attaching pokes bpf_func: call trampoline for fentry/fexit, jmp ext for freplace, nop5 to detach', async () => {
  const { attachTrampolineBytes, freplaceBytes } = await import('../../../src/jit/x86_64/trampoline.ts');
  const a = attachTrampolineBytes(0xffffffffc0000000n, 0xffffffffc0100000n);
  assert.ok(a.ok && hex(a.value) === h('e8 fbff0f00'));
  const f = freplaceBytes(0xffffffffc0000000n, 0xffffffffc0000800n);
  assert.ok(f.ok && hex(f.value) === h('e9 fb070000'));
  const d = freplaceBytes(0xffffffffc0000000n, null);
  assert.ok(d.ok && hex(d.value) === '0f1f440000');
});
