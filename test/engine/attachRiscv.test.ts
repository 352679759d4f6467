// Attaching fentry/fexit and freplace programs to BPF functions on the RISC-V engine: the
// 8-byte patch site at bpf_func (two `addi zero, zero, 0` nops <-> `auipc t1, hi; jalr t0,
// lo(t1)` for a trampoline, <-> `auipc t1, hi; jalr zero, lo(t1)` for freplace), the
// trampoline's shape and the native prog->active routines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JitProfile } from '../../src/jit/types.ts';
import { unwrap } from '../../src/common/diag.ts';
import { RV_TCC_A6_PASSTHROUGH, RV_TCC_ON_STACK, RV_UPSTREAM } from '../../src/jit/riscv64/index.ts';
import { rvPatchBytes, type RvTrampoline } from '../../src/jit/riscv64/trampoline.ts';
import { RiscvEngine } from '../../src/engine/riscvEngine.ts';
import { progActiveOff } from '../../src/engine/attachRoutines.ts';
import { perCpuBase } from '../../src/kernel/privStack.ts';
import { present } from '../support/required.ts';
import { attachFixture, attachObjDir, errnoOf } from '../support/attachFixture.ts';

/** Two 4-byte nops: addi zero, zero, 0 = 0x00000013. */
const NOPS = [0x13, 0x00, 0x00, 0x00, 0x13, 0x00, 0x00, 0x00];

const setup = async (profile: JitProfile) => attachFixture(await RiscvEngine.create({ profile }), profile);
const words = (b: Uint8Array): number[] => [0, 4].map((o) => new DataView(b.buffer, b.byteOffset + o, 4).getUint32(0, true));

/** Decodes `auipc t1, hi; jalr rd, lo(t1)` by hand: [rd, absolute target]. */
function decodePair(ip: bigint, b: Uint8Array): [number, bigint] {
  const [w0, w1] = words(b) as [number, number];
  assert.equal(w0 & 0x7f, 0x17, 'auipc');
  assert.equal((w0 >>> 7) & 0x1f, 6, 'auipc writes t1');
  assert.equal(w1 & 0x707f, 0x67, 'jalr');
  assert.equal((w1 >>> 15) & 0x1f, 6, 'jalr reads t1');
  return [(w1 >>> 7) & 0x1f, BigInt.asUintN(64, ip + (BigInt((w0 | 0) >> 12) << 12n) + BigInt((w1 | 0) >> 20))];
}

test('rvPatchBytes: nops for no target, auipc t1 + jalr t0 (call) or jalr zero (jump) otherwise, across the ±2 KiB rounding', () => {
  const ip = 0xffffffffc0000000n;
  assert.deepEqual([...rvPatchBytes('call', ip, null)], NOPS);
  for (const delta of [0x40n, 0x7ffn, 0x800n, 0x1000n, 0x123456n, -0x800n, -0x801n, -0x10000n]) {
    const to = ip + delta;
    assert.deepEqual(decodePair(ip, rvPatchBytes('call', ip, to)), [5, to], `call +${delta}`);
    assert.deepEqual(decodePair(ip, rvPatchBytes('jump', ip, to)), [0, to], `jump +${delta}`);
  }
});

for (const profile of [RV_TCC_ON_STACK, RV_TCC_A6_PASSTHROUGH]) {
  test(`fentry/fexit (${profile.name}): the two nops become auipc t1/jalr t0 to the trampoline, every rebuild repokes, the last detach restores the nops`, async (t) => {
    if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
    const { eng, att, load, prog } = await setup(profile);
    try {
      const main = load('tailcall_bpf2bpf2', 'sched_cls');
      const c0 = prog(main, 'classifier_0');
      const fentry = prog(load('tailcall_bpf2bpf_fentry', 'tracing'), 'fentry');
      const fexit = prog(load('tailcall_bpf2bpf_fexit', 'tracing'), 'fexit');
      const target = unwrap(att.setAttachTarget(fentry, c0, 'subprog_tail'));
      unwrap(att.setAttachTarget(fexit, c0, 'subprog_tail'));
      assert.equal(target.addr, eng.jited(c0)!.funcBases[1]);
      assert.deepEqual([...eng.machine.readText(target.addr, 8)], NOPS);
      assert.deepEqual(att.patchSite(target.addr), { kind: 'nop' });

      const l1 = unwrap(att.attach(fentry));
      const first = att.trampolineOf(target)!;
      const site = eng.machine.readText(target.addr, 8);
      assert.deepEqual(decodePair(target.addr, site), [5, first.addr], 'call form: link register t0, target the trampoline');
      assert.deepEqual([...site], [...rvPatchBytes('call', target.addr, first.addr)]);
      assert.deepEqual(att.patchSite(target.addr), { kind: 'call', to: first.addr });
      assert.deepEqual(eng.machine.readText(first.addr, first.code.length), first.code);
      const f1 = (first.tramp as RvTrampoline).flags;
      assert.equal(f1.callOrig, false, 'fentry only: the trampoline returns into the function (jalr zero, t0)');
      assert.equal(f1.tailCallCtx, true, 'subprog_tail is tail-call reachable: a6 is preserved');
      // fentry only ends in `jalr zero, 0(t0)` (c.jr t0 with RVC)
      assert.deepEqual([...first.code.slice(-2)], [0x82, 0x82]);

      const l2 = unwrap(att.attach(fexit));
      const second = att.trampolineOf(target)!;
      assert.notEqual(second.addr, first.addr);
      assert.deepEqual(att.patchSite(target.addr), { kind: 'call', to: second.addr });
      assert.equal((second.tramp as RvTrampoline).flags.callOrig, true, 'fexit: the trampoline calls the body at bpf_func + 8');
      // with fexit it returns to the parent: `jalr zero, 0(ra)` (c.jr ra)
      assert.deepEqual([...second.code.slice(-2)], [0x82, 0x80]);

      unwrap(att.detach(l1));
      const third = att.trampolineOf(target)!;
      assert.deepEqual(att.patchSite(target.addr), { kind: 'call', to: third.addr });
      unwrap(att.detach(l2));
      assert.deepEqual([...eng.machine.readText(target.addr, 8)], NOPS);
      assert.equal(att.trampolineOf(target), undefined);
      assert.equal(errnoOf(att.detach(l2)), 'EINVAL', 'a link detaches once');
    } finally {
      eng.close();
    }
  });
}

test('fentry on a program runs on its calls, never on tail calls into it (they land at bpf_func + 12, past the patch site)', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup(RV_TCC_A6_PASSTHROUGH);
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

test('freplace (upstream): the nops become auipc t1/jalr zero to the extension, which runs in place of the subprogram; detach restores the nops', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup(RV_UPSTREAM);
  try {
    const tc = load('tc_bpf2bpf', 'sched_cls');
    const fo = load('tailcall_freplace', 'ext');
    const ext = prog(fo, 'entry_freplace');
    const target = unwrap(att.setAttachTarget(ext, prog(tc, 'entry_tc'), 'subprog_tc'));
    const link = unwrap(att.attach(ext));
    const extAddr = eng.jited(ext)!.funcBases[0]!;
    assert.deepEqual(decodePair(target.addr, eng.machine.readText(target.addr, 8)), [0, extAddr], 'jump form: no link register');
    assert.deepEqual(att.patchSite(target.addr), { kind: 'jmp', to: extAddr });
    assert.equal(errnoOf(att.attach(ext)), 'EBUSY', 'one extension per function');
    for (const want of [1, 2]) {
      const r = eng.testRun(prog(tc, 'entry_tc'), { data: new Uint8Array(64) });
      assert.equal(r.error, undefined);
      assert.equal(r.retval, want);
    }
    unwrap(att.detach(link));
    assert.deepEqual([...eng.machine.readText(target.addr, 8)], NOPS);
    assert.ok(!att.isExtended(prog(tc, 'entry_tc')));
  } finally {
    eng.close();
  }
});

test('a patch site that does not hold the expected bytes is refused (EBUSY) and left alone', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup(RV_UPSTREAM);
  try {
    const tc = load('tc_bpf2bpf', 'sched_cls');
    const ext = prog(load('tailcall_freplace', 'ext'), 'entry_freplace');
    const target = unwrap(att.setAttachTarget(ext, prog(tc, 'entry_tc'), 'subprog_tc'));
    const junk = Uint8Array.of(0x01, 0x00, 0x01, 0x00, 0x13, 0x00, 0x00, 0x00); // c.nop; c.nop; nop
    eng.machine.writeCode(target.addr, junk);
    assert.equal(errnoOf(att.attach(ext)), 'EBUSY');
    assert.deepEqual(eng.machine.readText(target.addr, 8), junk);
    assert.equal(att.patchSite(target.addr).kind, 'other');
  } finally {
    eng.close();
  }
});

test('RISC-V __bpf_prog_enter_recur skips a program already running; __bpf_prog_exit_recur releases it', async (t) => {
  if (!present(attachObjDir, 'test input')) return t.skip('../shared/testdata absent');
  const { eng, att, load, prog } = await setup(RV_UPSTREAM);
  try {
    const fentry = prog(load('tailcall_bpf2bpf_fentry', 'tracing'), 'fentry');
    const r = att.routinesAddrs();
    // the RISC-V engine has no per-CPU base register: CPU 0's counters serve every CPU
    const active = (): bigint => eng.model.space.mustLoad(perCpuBase(0) + BigInt(progActiveOff(fentry.structAddr)), 4);
    const call = (fn: bigint): bigint => {
      const stop = eng.machine.call(fn, [fentry.structAddr, 0n, 0n], eng.model.stackTop());
      assert.equal(stop.kind, 'exited');
      return eng.machine.retval;
    };
    assert.equal(call(r.progEnter), 1n, 'first entry: NO_START_TIME, the program runs');
    assert.equal(active(), 1n);
    assert.equal(call(r.progEnter), 0n, 'nested entry: skipped');
    assert.equal(active(), 2n);
    call(r.progExit);
    call(r.progExit);
    assert.equal(active(), 0n);
  } finally {
    eng.close();
  }
});

test('buildRvTrampoline: with the tail-call context a6 is saved, reloaded before the body, refreshed after it and reloaded before returning', async () => {
  const { buildRvTrampoline } = await import('../../src/jit/riscv64/trampoline.ts');
  const base = {
    addr: 0xffffffffc0100000n,
    funcAddr: 0xffffffffc0080040n,
    nrArgs: 1,
    fentry: [{ prog: 0xffff888000001000n, bpfFunc: 0xffffffffc0010000n, cookie: 0n }],
    fexit: [{ prog: 0xffff888000001100n, bpfFunc: 0xffffffffc0020000n, cookie: 0n }],
    fmodRet: [],
    progEnter: 0xffffffffc0200000n,
    progExit: 0xffffffffc0200040n,
    trampEnter: 0xffffffffc0200080n,
    trampExit: 0xffffffffc02000c0n,
    im: 0xffffffffc0100000n,
    rvc: false,
  };
  const a6Ops = (tcc: boolean): string[] => {
    const { code } = buildRvTrampoline({ ...base, tailCallCtx: tcc });
    const out: string[] = [];
    for (let o = 0; o < code.length; o += 4) {
      const w = new DataView(code.buffer, code.byteOffset + o, 4).getUint32(0, true);
      const f3 = (w >>> 12) & 7;
      if ((w & 0x7f) === 0x23 && f3 === 3 && ((w >>> 20) & 0x1f) === 16 && ((w >>> 15) & 0x1f) === 8) out.push('sd');
      if ((w & 0x7f) === 0x03 && f3 === 3 && ((w >>> 7) & 0x1f) === 16 && ((w >>> 15) & 0x1f) === 8) out.push('ld');
      // the call of the original body (bpf_func + 8): jal ra within ±1 MiB
      if ((w & 0xfff) === 0x0ef) {
        const imm = ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
        if (base.addr + BigInt(o) + BigInt(imm) === base.funcAddr + 8n) out.push('call body');
      }
    }
    return out;
  };
  assert.deepEqual(a6Ops(true), ['sd', 'ld', 'call body', 'sd', 'ld']);
  assert.deepEqual(a6Ops(false), ['call body']);
});
