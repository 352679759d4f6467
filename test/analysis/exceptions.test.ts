// BPF exceptions (6.7+) as the verifier prepares them: the `__exception_cb(NAME)` function is
// a subprogram of its own (linked last by libbpf), a path ends at bpf_throw and at a call to
// a static subprogram that never returns, and without a declared callback the verifier
// appends a hidden one that returns the cookie.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { analyzeProgram, DEFAULT_EXCEPTION_CB } from '../../src/analysis/index.ts';
import { disasmInsn } from '../../src/bpf/disasm.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from '../object/testdata.ts';

const obj = () => {
  const r = loadObjectFile(path.join(kernelWideDir, 'obj', 'exceptions.o'));
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
};
const analyse = (name: string, opts = {}) => {
  const o = obj();
  const prog = o.programs.find((p) => p.name === name)!;
  return { prog, im: analyzeProgram(o, prog, opts) };
};

describe('BPF exceptions in the analysis', { skip: skipUnless(haveKernelWide, 'kernel-wide test data') }, () => {
  it('appends the declared exception callback after the entry and makes it the exception subprogram', () => {
    const { prog, im } = analyse('exception_ext_mod_cb_runtime');
    assert.equal(prog.exceptionCb, 'exception_cb_mod');
    assert.deepEqual(
      prog.funcs.map((f) => f.name),
      ['exception_ext_mod_cb_runtime', 'exception_cb_mod', 'exception_cb_mod_global'],
    );
    assert.ok(im.ok, im.ok ? '' : im.error.message);
    const subs = im.value.subprogs;
    assert.deepEqual(
      subs.map((s) => [s.name, s.isExceptionCb ?? false]),
      [
        ['exception_ext_mod_cb_runtime', false],
        ['exception_cb_mod', true],
        ['exception_cb_mod_global', false],
      ],
    );
    assert.equal(subs[1]!.isAsyncCb, true, 'mark_subprog_exc_cb also sets is_async_cb');
    assert.equal(im.value.exceptionBoundary, true);
  });

  it('adds the hidden default callback `r0 = r1; exit` when none is declared', () => {
    const { im } = analyse('exception_throw_default_value');
    assert.ok(im.ok, im.ok ? '' : im.error.message);
    const last = im.value.subprogs.at(-1)!;
    assert.deepEqual([last.name, last.isExceptionCb, last.stackDepth], [DEFAULT_EXCEPTION_CB, true, 0]);
    assert.deepEqual([last.start, last.end], [im.value.insns.length - 2, im.value.insns.length]);
    assert.deepEqual(
      [disasmInsn(im.value.insns, last.start, { symbolic: true }), disasmInsn(im.value.insns, last.start + 1, { symbolic: true })],
      ['r0 = r1', 'exit'],
    );
  });

  it('drops what follows bpf_throw and a call to a static subprogram that always throws', () => {
    const { prog, im } = analyse('exception_throw_always_2');
    assert.ok(im.ok, im.ok ? '' : im.error.message);
    const names = im.value.subprogs.map((s) => s.name);
    assert.deepEqual(names, ['exception_throw_always_2', 'global2static_simple', 'static_func', DEFAULT_EXCEPTION_CB]);
    // global2static_simple: `r6 = r1; r1 += 2; call static_func` and nothing after the call.
    const g = im.value.subprogs[1]!;
    const linked = prog.funcs.find((f) => f.name === 'global2static_simple')!;
    assert.ok(g.end - g.start < linked.len, `${g.end - g.start} of ${linked.len} insns stay`);
    assert.match(disasmInsn(im.value.insns, g.end - 1, { symbolic: true }), /^call pc[+-]\d+$/);
    // static_func ends at the bpf_throw call.
    const s = im.value.subprogs[2]!;
    const last = im.value.insns[s.end - 1]!;
    assert.deepEqual([last.code, last.src], [0x85, 2]);
  });

  it('keeps the code after a call to a global function, which always returns to its caller', () => {
    const { im } = analyse('exception_throw_always_2');
    assert.ok(im.ok, im.ok ? '' : im.error.message);
    const main = im.value.subprogs[0]!;
    assert.equal(disasmInsn(im.value.insns, main.end - 1, { symbolic: true }), 'exit');
  });

  it('refuses bpf_throw where the JIT has no exception support, as the verifier does', () => {
    const { im } = analyse('exception_throw_always_1', { jitSupportsExceptions: false });
    assert.ok(!im.ok);
    assert.equal(im.error.code, 'verifier.jit-no-exceptions');
    assert.match(im.error.message, /^JIT does not support calling kfunc bpf_throw#\d+$/);
    assert.equal(im.error.place.insn, 1);
  });
});
