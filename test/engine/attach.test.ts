// Attaching fentry/fexit and freplace programs to BPF functions on the x86-64 engine: the
// 5-byte patch site at the target's entry (nop5 <-> call trampoline, nop5 <-> jmp ext),
// trampoline rebuilds, the kernel's freplace/prog_array rules and the prog->active guard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_X86_PROFILE } from '../../src/jit/profiles.ts';
import { unwrap } from '../../src/common/diag.ts';
import { X86Engine } from '../../src/engine/x86Engine.ts';
import { progActiveOff } from '../../src/engine/attachRoutines.ts';
import { perCpuBase } from '../../src/kernel/privStack.ts';
import { present } from '../support/required.ts';
import { attachFixture, attachObjDir, errnoOf } from '../support/attachFixture.ts';

const NOP5 = [0x0f, 0x1f, 0x44, 0x00, 0x00];

const setup = async () => attachFixture(await X86Engine.create(), DEFAULT_X86_PROFILE);

test('attaching fentry pokes the nop5 at the target function into `call trampoline`, detaching pokes nop5 back', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup();
  try {
    const main = load('tailcall_bpf2bpf2', 'sched_cls');
    const fentry = prog(load('tailcall_bpf2bpf_fentry', 'tracing'), 'fentry');
    const target = unwrap(att.setAttachTarget(fentry, prog(main, 'classifier_0'), 'subprog_tail'));
    assert.equal(target.addr, eng.jited(prog(main, 'classifier_0'))!.funcBases[1]);
    assert.deepEqual([...eng.machine.readText(target.addr, 5)], NOP5);
    assert.deepEqual(att.patchSite(target.addr), { kind: 'nop' });

    const link = unwrap(att.attach(fentry));
    const img = att.trampolineOf(target)!;
    assert.deepEqual(att.patchSite(target.addr), { kind: 'call', to: img.addr });
    assert.equal(eng.machine.readText(target.addr, 1)[0], 0xe8);
    assert.deepEqual(eng.machine.readText(img.addr, img.code.length), img.code);
    assert.equal(img.tramp.flags.callOrig, false, 'fentry only: the trampoline returns into the function body');

    unwrap(att.detach(link));
    assert.deepEqual([...eng.machine.readText(target.addr, 5)], NOP5);
    assert.equal(att.trampolineOf(target), undefined);
    assert.deepEqual(att.links(), []);
  } finally {
    eng.close();
  }
});

test('each link change rebuilds the trampoline and repokes call old -> call new; the last detach restores nop5', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup();
  try {
    const main = load('tailcall_bpf2bpf2', 'sched_cls');
    const c0 = prog(main, 'classifier_0');
    const fentry = prog(load('tailcall_bpf2bpf_fentry', 'tracing'), 'fentry');
    const fexit = prog(load('tailcall_bpf2bpf_fexit', 'tracing'), 'fexit');
    const target = unwrap(att.setAttachTarget(fentry, c0, 'subprog_tail'));
    unwrap(att.setAttachTarget(fexit, c0, 'subprog_tail'));

    const l1 = unwrap(att.attach(fentry));
    const first = att.trampolineOf(target)!;
    const l2 = unwrap(att.attach(fexit));
    const second = att.trampolineOf(target)!;
    assert.notEqual(second.addr, first.addr);
    assert.deepEqual(att.patchSite(target.addr), { kind: 'call', to: second.addr });
    assert.equal(second.tramp.flags.callOrig, true, 'fexit: the trampoline calls the original body');
    assert.equal(second.tramp.flags.tailCallCtx, true, 'subprog_tail is tail-call reachable: rax is preserved');

    unwrap(att.detach(l1));
    const third = att.trampolineOf(target)!;
    assert.deepEqual(att.patchSite(target.addr), { kind: 'call', to: third.addr });
    unwrap(att.detach(l2));
    assert.deepEqual(att.patchSite(target.addr), { kind: 'nop' });
    assert.equal(errnoOf(att.detach(l2)), 'EINVAL', 'a link detaches once');
  } finally {
    eng.close();
  }
});

test('fentry on a program runs on its calls, never on tail calls into it (they land past the patched nop5)', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup();
  try {
    const main = load('tailcall_bpf2bpf2', 'sched_cls');
    const c0 = prog(main, 'classifier_0');
    const fo = load('tailcall_bpf2bpf_fentry', 'tracing');
    const fentry = prog(fo, 'fentry');
    unwrap(att.setAttachTarget(fentry, c0, 'classifier_0'));
    unwrap(att.attach(fentry));
    assert.equal(att.updateProgArray(unwrap(eng.model.findMap('jmp_table', main.name)), 0, c0), 0);
    const r = eng.testRun(c0, { data: new Uint8Array(128) });
    assert.equal(r.error, undefined);
    assert.equal(r.retval, 1);
    assert.equal(unwrap(eng.model.readGlobalInt('count', main.name)), 34n);
    assert.equal(unwrap(eng.model.readGlobalInt('count', fo.name)), 1n);
    assert.equal(r.tailCalls, 33);
  } finally {
    eng.close();
  }
});

test('freplace pokes nop5 into `jmp ext` and the extension runs in place of the subprogram; detach restores nop5', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup();
  try {
    const tc = load('tc_bpf2bpf', 'sched_cls');
    const fo = load('tailcall_freplace', 'ext');
    const ext = prog(fo, 'entry_freplace');
    const target = unwrap(att.setAttachTarget(ext, prog(tc, 'entry_tc'), 'subprog_tc'));
    const link = unwrap(att.attach(ext));
    assert.deepEqual(att.patchSite(target.addr), { kind: 'jmp', to: eng.jited(ext)!.funcBases[0] });
    assert.ok(att.isExtended(prog(tc, 'entry_tc')));
    // entry_freplace: count++, tail call into its empty jmp_table (falls through), return count
    for (const want of [1, 2]) {
      const r = eng.testRun(prog(tc, 'entry_tc'), { data: new Uint8Array(64) });
      assert.equal(r.error, undefined);
      assert.equal(r.retval, want);
    }
    unwrap(att.detach(link));
    assert.deepEqual(att.patchSite(target.addr), { kind: 'nop' });
    assert.ok(!att.isExtended(prog(tc, 'entry_tc')));
  } finally {
    eng.close();
  }
});

test('the kernel rules between freplace, trampolines and prog_arrays come back as errno values', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup();
  try {
    const tc = load('tc_bpf2bpf', 'sched_cls');
    const entryTc = prog(tc, 'entry_tc');
    const fo = load('tailcall_freplace', 'ext');
    const ext = prog(fo, 'entry_freplace');
    const jmp = unwrap(eng.model.findMap('jmp_table', fo.name));
    unwrap(att.setAttachTarget(ext, entryTc, 'subprog_tc'));
    assert.equal(att.updateProgArray(jmp, 0, ext), -22, 'an EXT program never goes into a prog_array (EINVAL)');

    assert.equal(att.updateProgArray(jmp, 0, entryTc), 0);
    assert.equal(att.progArrayMemberCnt(entryTc), 1);
    assert.equal(errnoOf(att.attach(ext)), 'EBUSY', 'a prog_array member cannot be extended');
    assert.equal(eng.model.deleteElem(jmp, 0), 0);
    const link = unwrap(att.attach(ext));
    assert.equal(att.updateProgArray(jmp, 0, entryTc), -16, 'an extended program cannot become a prog_array member (EBUSY)');
    assert.equal(errnoOf(att.attach(ext)), 'EBUSY', 'one extension per function');

    // fentry and freplace exclude each other on one function
    const fentry = prog(load('tailcall_bpf2bpf_fentry', 'tracing'), 'fentry');
    unwrap(att.setAttachTarget(fentry, entryTc, 'subprog_tc'));
    assert.equal(errnoOf(att.attach(fentry)), 'EBUSY');
    unwrap(att.detach(link));
    const fl = unwrap(att.attach(fentry));
    assert.equal(errnoOf(att.attach(fentry)), 'EBUSY', 'a program is linked to a trampoline once');
    assert.equal(errnoOf(att.attach(ext)), 'EBUSY');
    unwrap(att.detach(fl));

    // load-time target checks
    const main = load('tailcall_bpf2bpf2', 'sched_cls');
    assert.equal(errnoOf(att.setAttachTarget(ext, prog(main, 'classifier_0'), 'subprog_tail')), 'EINVAL', 'static functions cannot be replaced');
    assert.equal(errnoOf(att.setAttachTarget(fentry, prog(main, 'classifier_0'), 'no_such_func')), 'EINVAL');
    assert.equal(errnoOf(att.setAttachTarget(entryTc, prog(main, 'classifier_0'), 'subprog_tail')), 'EINVAL', 'a tc program does not attach');
  } finally {
    eng.close();
  }
});

test('__bpf_prog_enter_recur skips a program already running on this CPU; prog->active is per CPU', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup();
  try {
    const fentry = prog(load('tailcall_bpf2bpf_fentry', 'tracing'), 'fentry');
    const r = att.routinesAddrs();
    const active = (cpu: number): bigint => eng.model.space.mustLoad(perCpuBase(cpu) + BigInt(progActiveOff(fentry.structAddr)), 4);
    const call = (fn: bigint): bigint => {
      const stop = eng.machine.call(fn, [fentry.structAddr, 0n, 0n], eng.model.stackTop());
      assert.equal(stop.kind, 'exited');
      return eng.machine.retval;
    };
    eng.selectCpu(0);
    assert.equal(call(r.progEnter), 1n, 'first entry: NO_START_TIME, the program runs');
    assert.equal(call(r.progEnter), 0n, 'nested entry on the same CPU: skipped');
    eng.selectCpu(1);
    assert.equal(call(r.progEnter), 1n, 'another CPU has its own counter');
    call(r.progExit);
    assert.equal(active(1), 0n);
    eng.selectCpu(0);
    assert.equal(active(0), 2n);
    call(r.progExit);
    call(r.progExit);
    assert.equal(active(0), 0n);
  } finally {
    eng.close();
  }
});
