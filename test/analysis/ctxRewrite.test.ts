// The verifier's ctx-access rewrites per program type (convert_ctx_accesses with the type's
// convert_ctx_access, Linux 6.18), at the offsets of the 6.18.44 BTF; and, where the
// corpus has them, the kernel's own JIT bytes for whole programs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { asm } from '../../src/bpf/asm.ts';
import type { Insn } from '../../src/bpf/insn.ts';
import { analyzeProgram, DEFAULT_KERNEL_LAYOUT as L, offOf, type ProgramImage } from '../../src/analysis/index.ts';
import { analysisOptionsFor, findProfile } from '../../src/jit/profiles.ts';
import { loadObjectFile } from '../../src/object/index.ts';
import { compareFunction } from '../support/fidelityCompare.ts';
import { jit } from '../jit/x86_64/fixtures.ts';
import { mkObj, mkProg, type ProgSpec } from './progs.ts';
import { haveKernelWide, kernelWideDir, skipUnless } from '../object/testdata.ts';

function analyze(text: string, spec: ProgSpec): ProgramImage {
  const prog = mkProg(text, spec);
  const r = analyzeProgram(mkObj(prog), prog);
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.value;
}
const same = (got: Insn[], text: string): void => assert.deepEqual(got, asm(text));
const o = (key: string): number => offOf(L, key);
const sockAddr: ProgSpec = { progType: 'cgroup_sock_addr', section: 'cgroup/bind4' };

test('a sock_addr store to user_ip4 borrows r9, parked in bpf_sock_addr_kern.tmp_reg', () => {
  const img = analyze('w2 = 7\n*(u32 *)(r1 + 4) = r2\nr0 = 1\nexit', sockAddr);
  same(
    img.insns.slice(1, 5),
    `
    *(u64 *)(r1 + ${o('bpf_sock_addr_kern.tmp_reg')}) = r9
    r9 = *(u64 *)(r1 + ${o('bpf_sock_addr_kern.uaddr')})
    *(u32 *)(r9 + ${o('sockaddr_in.sin_addr')}) = r2
    r9 = *(u64 *)(r1 + ${o('bpf_sock_addr_kern.tmp_reg')})`,
  );
});

test('the scratch register steps down from r9 when the access uses it', () => {
  const img = analyze('r9 = r1\nw8 = 7\n*(u32 *)(r9 + 4) = r8\nr0 = 1\nexit', sockAddr);
  assert.equal(img.insns[2]!.src, 7, 'r9 and r8 are taken: r7');
});

test('a narrow sock_addr read loads the whole user_ip4, then shifts and masks', () => {
  const img = analyze('r0 = *(u8 *)(r1 + 5)\nexit', sockAddr);
  same(
    img.insns,
    `
    r0 = *(u64 *)(r1 + ${o('bpf_sock_addr_kern.uaddr')})
    r0 = *(u32 *)(r0 + ${o('sockaddr_in.sin_addr')})
    w0 >>= 8
    w0 &= 255
    exit`,
  );
});

test('loads through ctx->sk are converted as struct bpf_sock (family is sock_common.skc_family)', () => {
  const img = analyze('r2 = *(u64 *)(r1 + 64)\nr0 = 0\nif r2 == 0 goto +1\nr0 = *(u32 *)(r2 + 4)\nexit', sockAddr);
  same(
    img.insns,
    `
    r2 = *(u64 *)(r1 + ${o('bpf_sock_addr_kern.sk')})
    r0 = 0
    if r2 == 0 goto +1
    r0 = *(u16 *)(r2 + ${o('sock_common.skc_family')})
    exit`,
  );
});

test('ifindex: tc reads skb->dev->ifindex directly, other skb programs check dev for NULL', () => {
  const tc = analyze('r0 = *(u32 *)(r1 + 40)\nexit', { progType: 'sched_cls', section: 'tc' });
  same(tc.insns, `r0 = *(u64 *)(r1 + ${o('sk_buff.dev')})\nr0 = *(u32 *)(r0 + ${o('net_device.ifindex')})\nexit`);
  const cg = analyze('r0 = *(u32 *)(r1 + 40)\nexit', { progType: 'cgroup_skb', section: 'cgroup_skb/egress' });
  same(cg.insns, `r0 = *(u64 *)(r1 + ${o('sk_buff.dev')})\nif r0 == 0 goto +1\nr0 = *(u32 *)(r0 + ${o('net_device.ifindex')})\nexit`);
});

test('sk_skb data_end is data + skb_headlen(), computed with AX', () => {
  const img = analyze('r0 = *(u32 *)(r1 + 80)\nexit', { progType: 'sk_skb', section: 'sk_skb' });
  assert.deepEqual(
    img.insns.slice(0, 5).map((i) => [i.code, i.dst, i.src, i.off]),
    [
      [0x79, 0, 1, o('sk_buff.data')],
      [0x61, 11, 1, o('sk_buff.len')],
      [0x0f, 0, 11, 0],
      [0x61, 11, 1, o('sk_buff.data_len')],
      [0x1f, 0, 11, 0],
    ],
  );
});

test('a cgroup_skb tstamp read zeroes an ingress delivery time (no tstamp_type access)', () => {
  const img = analyze('r0 = *(u64 *)(r1 + 152)\nexit', { progType: 'cgroup_skb', section: 'cgroup_skb/ingress' });
  assert.equal(img.insns.length, 9);
  assert.deepEqual([img.insns[0]!.dst, img.insns[0]!.off], [11, o('sk_buff.__mono_tc_offset')]);
  assert.deepEqual([img.insns[7]!.code, img.insns[7]!.off], [0x79, o('sk_buff.tstamp')]);
});

test('cgroup sock programs read struct sock directly', () => {
  const img = analyze('r0 = *(u32 *)(r1 + 12)\nexit', { progType: 'cgroup_sock', section: 'cgroup/sock_create' });
  same(img.insns, `r0 = *(u16 *)(r1 + ${o('sock.sk_protocol')})\nexit`);
});

// bind4_prog.o: stores to user_ip4/user_port use r9, so the kernel's JIT pushes r15.
const wide = kernelWideDir;
const wideSkip = skipUnless(haveKernelWide, 'kernel-wide test data');

test('bind4_prog.o and bind6_prog.o JIT byte-identically to Linux 6.18.44 (modulo addresses)', { skip: wideSkip }, () => {
  const kernel = JSON.parse(readFileSync(path.join(wide, 'kernel_jited.json'), 'utf8')).objects as Record<
    string,
    Record<string, { funcs: { len: number }[]; bytes: string }>
  >;
  for (const name of ['bind4_prog.o', 'bind6_prog.o']) {
    const loaded = loadObjectFile(path.join(wide, 'obj', name));
    assert.ok(loaded.ok, name);
    for (const [progName, k] of Object.entries(kernel[name]!)) {
      const prog = loaded.value.programs.find((p) => p.name === progName)!;
      const img = analyzeProgram(loaded.value, prog, analysisOptionsFor(findProfile('plain-ret')!));
      assert.ok(img.ok, img.ok ? '' : img.error.message);
      const out = jit(img.value, 'plain-ret');
      const all = Buffer.from(k.bytes, 'hex');
      let off = 0;
      k.funcs.forEach((f, i) => {
        const kb = all.subarray(off, (off += f.len));
        const r = compareFunction(out.funcs[i]!.code, kb);
        assert.ok(r.identical, `${name} ${progName}#${i}: ${r.cause}`);
      });
    }
  }
});

test('sk_msg reads msg fields directly and socket fields through msg->sk', () => {
  const spec: ProgSpec = { progType: 'sk_msg', section: 'sk_msg' };
  same(analyze('r0 = *(u32 *)(r1 + 16)\nexit', spec).insns, `r0 = *(u64 *)(r1 + ${o('sk_msg.sk')})\nr0 = *(u16 *)(r0 + ${o('sock_common.skc_family')})\nexit`);
  same(analyze('r0 = *(u64 *)(r1 + 8)\nexit', spec).insns, `r0 = *(u64 *)(r1 + ${o('sk_msg.data_end')})\nexit`);
});

test('sock_ops: a tcp_sock field is read only from a locked full socket, borrowing r9 when dst == src', () => {
  const spec: ProgSpec = { progType: 'sock_ops', section: 'sockops' };
  same(
    analyze('r0 = *(u32 *)(r1 + 76)\nexit', spec).insns,
    `
    r0 = *(u8 *)(r1 + ${o('bpf_sock_ops_kern.is_locked_tcp_sock')})
    if r0 == 0 goto +2
    r0 = *(u64 *)(r1 + ${o('bpf_sock_ops_kern.sk')})
    r0 = *(u32 *)(r0 + ${o('tcp_sock.snd_cwnd')})
    exit`,
  );
  const own = analyze('r1 = *(u64 *)(r1 + 184)\nr0 = 0\nexit', spec).insns;
  same(
    own.slice(0, 7),
    `
    *(u64 *)(r1 + ${o('bpf_sock_ops_kern.temp')}) = r9
    r9 = *(u8 *)(r1 + ${o('bpf_sock_ops_kern.is_fullsock')})
    if r9 == 0 goto +3
    r9 = *(u64 *)(r1 + ${o('bpf_sock_ops_kern.temp')})
    r1 = *(u64 *)(r1 + ${o('bpf_sock_ops_kern.sk')})
    goto +1
    r9 = *(u64 *)(r1 + ${o('bpf_sock_ops_kern.temp')})`,
  );
});

test('sockopt: optlen is bpf_sockopt_kern.optlen; retval lives in current_task->bpf_ctx, a store borrowing r9', () => {
  const spec: ProgSpec = { progType: 'cgroup_sockopt', section: 'cgroup/getsockopt' };
  const img = analyze('r2 = *(u32 *)(r1 + 32)\n*(u32 *)(r1 + 36) = 0\nr0 = *(u32 *)(r1 + 36)\nr0 = 1\nexit', spec);
  same(
    img.insns.slice(0, 9),
    `
    r2 = *(u32 *)(r1 + ${o('bpf_sockopt_kern.optlen')})
    *(u64 *)(r1 + ${o('bpf_sockopt_kern.tmp_reg')}) = r9
    r9 = *(u64 *)(r1 + ${o('bpf_sockopt_kern.current_task')})
    r9 = *(u64 *)(r9 + ${o('task_struct.bpf_ctx')})
    *(u32 *)(r9 + ${o('bpf_cg_run_ctx.retval')}) = 0
    r9 = *(u64 *)(r1 + ${o('bpf_sockopt_kern.tmp_reg')})
    r0 = *(u64 *)(r1 + ${o('bpf_sockopt_kern.current_task')})
    r0 = *(u64 *)(r0 + ${o('task_struct.bpf_ctx')})
    r0 = *(u32 *)(r0 + ${o('bpf_cg_run_ctx.retval')})`,
  );
});

test('sockopt_sk.o and sockopt_multi.o JIT byte-identically to Linux 6.18.44 (modulo addresses)', { skip: wideSkip }, () => {
  for (const [file, progs] of [
    ['sockopt_sk.o', ['_getsockopt', '_setsockopt']],
    ['sockopt_multi.o', ['_getsockopt_child', '_getsockopt_parent']],
  ] as const) {
    const obj = loadObjectFile(path.join(kernelWideDir, 'obj', file));
    assert.ok(obj.ok, obj.ok ? '' : obj.error.message);
    const kernel = JSON.parse(readFileSync(path.join(kernelWideDir, 'kernel_jited.json'), 'utf8')).objects[file];
    for (const name of progs) {
      const prog = obj.value.programs.find((p) => p.name === name)!;
      const img = analyzeProgram(obj.value, prog, analysisOptionsFor(findProfile('kernel-wide')!));
      assert.ok(img.ok, img.ok ? '' : img.error.message);
      const ours = jit(img.value, 'kernel-wide').funcs[0]!.code;
      const outcome = compareFunction(ours, Buffer.from(kernel[name].bytes, 'hex').subarray(0, kernel[name].funcs[0].len));
      assert.ok(outcome.identical, `${file} ${name}: ${outcome.cause}`);
    }
  }
});

test('perf_event: registers are read through ctx->regs, sample_period through ctx->data', () => {
  const img = analyze('r2 = *(u64 *)(r1 + 128)\nr3 = *(u64 *)(r1 + 168)\nr0 = 0\nexit', { progType: 'perf_event', section: 'perf_event' });
  same(
    img.insns.slice(0, 4),
    `
    r2 = *(u64 *)(r1 + ${o('bpf_perf_event_data_kern.regs')})
    r2 = *(u64 *)(r2 + 128)
    r3 = *(u64 *)(r1 + ${o('bpf_perf_event_data_kern.data')})
    r3 = *(u64 *)(r3 + ${o('perf_sample_data.period')})`,
  );
});

test('sk_reuseport: len through kern->skb, migrating_sk directly, and loads through it as struct bpf_sock', () => {
  const img = analyze('r2 = *(u32 *)(r1 + 16)\nr3 = *(u64 *)(r1 + 48)\nif r3 == 0 goto +1\nr0 = *(u32 *)(r3 + 72)\nr0 = 0\nexit', {
    progType: 'sk_reuseport',
    section: 'sk_reuseport/migrate',
  });
  same(
    img.insns.slice(0, 3),
    `
    r2 = *(u64 *)(r1 + ${o('sk_reuseport_kern.skb')})
    r2 = *(u32 *)(r2 + ${o('sk_buff.len')})
    r3 = *(u64 *)(r1 + ${o('sk_reuseport_kern.migrating_sk')})`,
  );
  same(img.insns.slice(4, 5), `r0 = *(u8 *)(r3 + ${o('sock_common.skc_state')})`); // bpf_sock.state
});
