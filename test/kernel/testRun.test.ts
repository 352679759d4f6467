import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MapType } from '../../src/object/types.ts';
import { testRun } from '../../src/kernel/index.ts';
import { KERNEL_FUNC } from '../../src/bpf/helperIds.ts';
import { INTERNAL_HELPER } from '../../src/analysis/index.ts';
import { loadFixture, mapDef, objectFromAsm } from './fixture.ts';

const pkt = (n: number) => Uint8Array.from({ length: n }, (_, k) => k);

test('sched_cls sees skb->len = input length and reads the packet through __sk_buff data/data_end', () => {
  const obj = objectFromAsm([
    {
      name: 'p',
      text: `
    r2 = *(u32 *)(r1 + 76)
    r3 = *(u32 *)(r1 + 80)
    r4 = r2
    r4 += 14
    if r4 > r3 goto drop
    r0 = *(u8 *)(r2 + 13)
    r5 = *(u32 *)(r1 + 0)
    r5 <<= 8
    r0 |= r5
    exit
  drop:
    r0 = -1
    exit`,
    },
  ]);
  const { model, loaded } = loadFixture(obj);
  const r = testRun(model, loaded.programs[0]!, { data: pkt(54) });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.retval, (54 << 8) | 13);
  assert.deepEqual(r.dataOut, pkt(54));
});

test('socket filters see the packet after the Ethernet header (skb->len = input - 14)', () => {
  const obj = objectFromAsm([{ name: 'p', progType: 'socket_filter', text: 'r0 = *(u32 *)(r1 + 0)\nexit' }]);
  const { model, loaded } = loadFixture(obj);
  assert.equal(testRun(model, loaded.programs[0]!, { data: pkt(54) }).retval, 40);
});

test('a packet shorter than an Ethernet header is rejected as test_run does', () => {
  const obj = objectFromAsm([{ name: 'p', text: 'r0 = 0\nexit' }]);
  const { model, loaded } = loadFixture(obj);
  assert.equal(testRun(model, loaded.programs[0]!, { data: pkt(10) }).error?.code, 'kernel.test-run');
});

test('LD_ABS is rewritten to the skb load helper and returns big-endian packet bytes', () => {
  const obj = objectFromAsm([{ name: 'p', text: 'r6 = r1\nr0 = *(u16 *)skb[12]\nexit' }]);
  const { model, loaded } = loadFixture(obj);
  const data = pkt(20);
  data[12] = 0x08;
  data[13] = 0x00;
  assert.equal(testRun(model, loaded.programs[0]!, { data }).retval, 0x0800);
  const far = objectFromAsm([{ name: 'p', text: 'r6 = r1\nr0 = 7\nr0 = *(u32 *)skb[100]\nr0 = 5\nexit' }]);
  const f = loadFixture(far);
  assert.equal(testRun(f.model, f.loaded.programs[0]!, { data }).retval, 0, 'out of bounds returns 0');
});

test('the kernel-internal helper ids agree with the analysis layer', () => {
  assert.equal(KERNEL_FUNC.skb_load_helper_8_no_cache, INTERNAL_HELPER.bpf_skb_load_helper_8_no_cache);
  assert.equal(KERNEL_FUNC.skb_load_helper_16_no_cache, INTERNAL_HELPER.bpf_skb_load_helper_16_no_cache);
  assert.equal(KERNEL_FUNC.skb_load_helper_32_no_cache, INTERNAL_HELPER.bpf_skb_load_helper_32_no_cache);
});

test('xdp: data/data_end cover the packet; adjust_head and adjust_tail move them', () => {
  const obj = objectFromAsm([
    {
      name: 'x',
      progType: 'xdp',
      text: `
    r6 = r1
    r2 = -4
    call bpf_xdp_adjust_head
    if r0 != 0 goto bad
    r1 = r6
    r2 = -10
    call bpf_xdp_adjust_tail
    if r0 != 0 goto bad
    r2 = *(u32 *)(r6 + 0)
    r3 = *(u32 *)(r6 + 4)
    r3 -= r2
    r0 = r3
    exit
  bad:
    r0 = 999
    exit`,
    },
  ]);
  const { model, loaded } = loadFixture(obj);
  const r = testRun(model, loaded.programs[0]!, { data: pkt(60) });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.retval, 60 + 4 - 10);
  assert.equal(r.dataOut?.length, 54);
  assert.deepEqual([...r.dataOut!.subarray(4, 8)], [0, 1, 2, 3]);
});

test('xdp_adjust_head refuses to leave less than an Ethernet header', () => {
  const obj = objectFromAsm([{ name: 'x', progType: 'xdp', text: 'r2 = 50\ncall bpf_xdp_adjust_head\nexit' }]);
  const { model, loaded } = loadFixture(obj);
  assert.equal(testRun(model, loaded.programs[0]!, { data: pkt(60) }).r0, BigInt.asUintN(64, -22n));
});

test('trace_printk output is captured per run with the kernel format subset', () => {
  const obj = objectFromAsm([
    {
      name: 'p',
      text: `
    r1 = 0x2520752520642025 ll
    *(u64 *)(r10 - 16) = r1
    r1 = 0x0a786c6c ll
    *(u64 *)(r10 - 8) = r1
    r1 = r10
    r1 += -16
    r2 = 13
    r3 = 5
    r4 = -5
    r5 = 255
    call bpf_trace_printk
    exit`,
    },
  ]);
  // fmt = "% d %u %llx\\n": exercises flags, %u of a negative and %llx
  const { model, loaded } = loadFixture(obj);
  const r = testRun(model, loaded.programs[0]!, { data: pkt(14), repeat: 2 });
  assert.equal(r.error, undefined, r.error?.message);
  assert.deepEqual(r.output, [' 5 4294967291 ff', ' 5 4294967291 ff']);
  assert.equal(r.retval, 17);
});

test('a global-data map is shared: the program increments a .bss counter read back by name', () => {
  const bss = mapDef(0, 'fixture.bss', MapType.ARRAY, 4, 8, 1, { kind: 'bss', section: '.bss', initialValue: new Uint8Array(8) });
  const obj = objectFromAsm(
    [{ name: 'p', text: 'r1 = map[fixture.bss][0]+4 ll\nr2 = *(u32 *)(r1 + 0)\nr2 += 3\n*(u32 *)(r1 + 0) = r2\nr0 = r2\nexit' }],
    [bss],
    [{ name: 'counter', mapIndex: 0, section: '.bss', offset: 4, size: 4 }],
  );
  const { model, loaded } = loadFixture(obj);
  assert.ok(model.writeGlobal('counter', 10n).ok);
  assert.equal(testRun(model, loaded.programs[0]!, { data: pkt(14), repeat: 3 }).retval, 19);
  const g = model.readGlobalInt('counter');
  assert.ok(g.ok && g.value === 19n);
  assert.equal(model.readGlobal('nope').ok, false);
});

test('a sock_addr program reads its uapi ctx_in through the kernel structs (user_ip4, user_port, sk->protocol)', () => {
  const obj = objectFromAsm([
    {
      name: 'p',
      progType: 'cgroup_sock_addr',
      text: `
    r2 = *(u32 *)(r1 + 4)
    r3 = *(u32 *)(r1 + 24)
    r4 = *(u64 *)(r1 + 64)
    r0 = 0
    if r4 == 0 goto out
    r0 = *(u32 *)(r4 + 12)
    r0 <<= 8
    r2 &= 255
    r0 |= r2
    r3 <<= 32
    r0 |= r3
  out:
    exit`,
    },
  ]);
  const { model, loaded } = loadFixture(obj);
  // struct bpf_sock_addr: user_family AF_INET, user_ip4 127.0.0.1, user_port 0x5000 (BE 80), protocol TCP
  const ctx = new Uint8Array(72);
  const dv = new DataView(ctx.buffer);
  dv.setUint32(0, 2, true);
  dv.setUint32(4, 0x0100007f, true);
  dv.setUint32(24, 0x5000, true);
  dv.setUint32(36, 6, true);
  const r = testRun(model, loaded.programs[0]!, { ctx });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.r0, (0x5000n << 32n) | (6n << 8n) | 0x7fn);
});

test('a store to user_port lands in the sockaddr the hook passed (the r9 scratch is restored)', () => {
  const obj = objectFromAsm([
    {
      name: 'p',
      progType: 'cgroup_sock_addr',
      text: `
    r9 = 77
    r2 = 0x1f90
    *(u32 *)(r1 + 24) = r2
    r0 = *(u32 *)(r1 + 24)
    r0 += r9
    exit`,
    },
  ]);
  const { model, loaded } = loadFixture(obj);
  const r = testRun(model, loaded.programs[0]!, { ctx: new Uint8Array(72) });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.r0, 0x1f90n + 77n);
});

test('a sock_ops program sees op from ctx_in and its full TCP socket (family, is_fullsock, tcp fields)', () => {
  const obj = objectFromAsm([
    {
      name: 'p',
      progType: 'sock_ops',
      text: `
    r2 = *(u32 *)(r1 + 0)
    r3 = *(u32 *)(r1 + 20)
    r4 = *(u32 *)(r1 + 72)
    r5 = *(u32 *)(r1 + 76)
    r0 = r2
    r0 <<= 8
    r0 |= r3
    r0 <<= 8
    r0 |= r4
    r0 <<= 8
    r0 |= r5
    exit`,
    },
  ]);
  const { model, loaded } = loadFixture(obj);
  const ctx = new Uint8Array(224);
  new DataView(ctx.buffer).setUint32(0, 4, true); // BPF_SOCK_OPS_ACTIVE_ESTABLISHED_CB
  const r = testRun(model, loaded.programs[0]!, { ctx });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.r0, (4n << 24n) | (2n << 16n) | (1n << 8n) | 0n, 'op 4, AF_INET, full socket, snd_cwnd 0');
});

test('a getsockopt program reads optlen and retval from ctx_in and its retval store lands in the run ctx', () => {
  const { model, loaded } = loadFixture(
    objectFromAsm([
      {
        name: 'gso',
        progType: 'cgroup_sockopt',
        text: `
    r2 = *(u32 *)(r1 + 32)
    r3 = *(u32 *)(r1 + 36)
    *(u32 *)(r1 + 36) = 0
    r4 = *(u32 *)(r1 + 36)
    r0 = r2
    r0 += r3
    r0 += r4
    exit`,
      },
    ]),
  );
  const ctx = new Uint8Array(40);
  new DataView(ctx.buffer).setUint32(36, 5, true); // retval
  const r = testRun(model, loaded.programs[0]!, { data: new Uint8Array(4), ctx });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.retval, 4 + 5 + 0); // optlen = the option buffer's length when ctx_in leaves it 0
});

test('a perf_event program reads the sampled registers and sample_period of its uapi ctx_in', () => {
  const { model, loaded } = loadFixture(
    objectFromAsm([
      {
        name: 'pe',
        progType: 'perf_event',
        text: `
    r2 = *(u64 *)(r1 + 128)
    r3 = *(u32 *)(r1 + 168)
    r0 = r2
    r0 += r3
    exit`,
      },
    ]),
  );
  const ctx = new Uint8Array(184);
  const v = new DataView(ctx.buffer);
  v.setBigUint64(128, 1000n, true); // pt_regs.ip on x86-64
  v.setBigUint64(168, 7n, true); // sample_period
  const r = testRun(model, loaded.programs[0]!, { ctx });
  assert.equal(r.error, undefined, r.error?.message);
  assert.equal(r.retval, 1007);
});
