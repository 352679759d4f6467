// BPF_PROBE_MEM loads (6.18): a load through an untrusted kernel pointer (an fentry
// argument) reads memory when it is there and leaves 0 in the destination when it is not
// (the x86-64 address check, or the exception-table fixup after a fault), on every engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyzeProgram } from '../../src/analysis/index.ts';
import { disasmInsn } from '../../src/bpf/disasm.ts';
import { unwrap } from '../../src/common/diag.ts';
import { CTX_BASE } from '../../src/common/layout.ts';
import { RV_UPSTREAM } from '../../src/jit/riscv64/index.ts';
import { KernelModel, testRun } from '../../src/kernel/index.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import { X86Engine } from '../../src/engine/x86Engine.ts';
import { mkObj, mkProg } from '../analysis/progs.ts';

// r2 = arg0 (a struct pointer of an fentry target); r0 = 7; r0 = *(u32 *)(r2 + 16).
const TEXT = 'r2 = *(u64 *)(r1 + 0)\nr0 = 7\nr0 = *(u32 *)(r2 + 16)\nexit';
const obj = () => {
  const prog = mkProg(TEXT, { progType: 'tracing', section: 'fentry/do_nanosleep', name: 'probe' });
  return { obj: mkObj(prog), prog };
};

/** ctx = [arg0, 0, 0x1234 (at +16)]. */
function ctxWith(arg0: bigint): Uint8Array {
  const b = new Uint8Array(24);
  const v = new DataView(b.buffer);
  v.setBigUint64(0, arg0, true);
  v.setUint32(16, 0x1234, true);
  return b;
}
const CASES: [string, bigint, number][] = [
  ['a mapped kernel address reads memory', CTX_BASE, 0x1234],
  ['NULL (below TASK_SIZE_MAX) reads 0', 0n, 0],
  ['an unmapped kernel address reads 0', 0xffff888200000000n, 0],
];

test('the verifier makes the fentry argument load a PROBE_MEM load; x86-64 guards it with the address check', async () => {
  const { obj: o, prog } = obj();
  const img = unwrap(analyzeProgram(o, prog));
  assert.equal(img.insns[2]!.code, 0x21, 'BPF_LDX | BPF_PROBE_MEM | BPF_W');
  assert.equal(img.insns[0]!.code, 0x79, 'the ctx load stays a plain load');
  assert.equal(disasmInsn(img.insns, 2), 'r0 = *(u32 *)(r2 + 16)', 'xlated dumps show the plain load (bpf_insn_prepare_dump)');
  const eng = await X86Engine.create();
  const loaded = unwrap(eng.loadObject(o, [img]));
  const fn = eng.jited(loaded.programs[0]!)!.jit.funcs[0]!;
  const ex = fn.regions.filter((r) => r.role === 'extable');
  assert.equal(ex.length, 1);
  // mov r10, VSYSCALL_ADDR; mov r11, rsi; add r11, 16; sub r11, r10; movabs r10, limit; cmp; ja; xor; jmp
  const seq = Buffer.from(fn.code.subarray(ex[0]!.start - 39, ex[0]!.start)).toString('hex');
  assert.equal(seq, '49c7c20000' + '60ff' + '4989f3' + '4981c310000000' + '4d29d3' + '49ba0000a00000800000' + '4d39d3' + '7704' + '31c0' + 'eb03');
  eng.close();
});

for (const [what, arg0, want] of CASES) {
  test(`PROBE_MEM: ${what} on the interpreter, x86-64 and RISC-V`, async () => {
    const { obj: o, prog } = obj();
    const img = unwrap(analyzeProgram(o, prog));
    const model = new KernelModel();
    const interp = testRun(model, model.loadObject(o, [img]).programs[0]!, { ctx: ctxWith(arg0) });
    assert.equal(interp.error, undefined, interp.error?.message);
    assert.equal(interp.retval, want, 'interpreter');
    for (const eng of [await X86Engine.create(), await RiscvEngine.create({ profile: RV_UPSTREAM })]) {
      const loaded = unwrap(eng.loadObject(o, [img]));
      const r = eng.testRun(loaded.programs[0]!, { ctx: ctxWith(arg0) });
      assert.equal(r.error, undefined, r.error?.message);
      assert.equal(r.retval, want, eng.constructor.name);
      eng.close();
    }
  });
}
