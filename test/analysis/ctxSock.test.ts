// Loads through a struct bpf_tcp_sock pointer (from bpf_tcp_sock) become loads of the
// kernel's struct tcp_sock fields (bpf_tcp_sock_convert_ctx_access, 6.18), also inside a
// static subprogram the pointer is passed to (test_sock_fields.o's tpcpy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_KERNEL_LAYOUT as L, offOf } from '../../src/analysis/index.ts';
import { asm } from '../../src/bpf/asm.ts';
import { analyzeOk } from './progs.ts';

test('bpf_tcp_sock fields read the tcp_sock at the 6.18.44 offsets, at their own sizes', () => {
  const got = analyzeOk(
    `
    r1 = *(u64 *)(r1 + 168)
    if r1 == 0 goto +9
    call bpf_tcp_sock
    if r0 == 0 goto +7
    r6 = r0
    r1 = r0
    call sub
    r2 = *(u64 *)(r6 + 80)
    r3 = *(u32 *)(r6 + 108)
    r4 = *(u32 *)(r6 + 8)
    r0 = 1
    exit
    sub:
    r0 = *(u32 *)(r1 + 0)
    exit`,
    {
      progType: 'cgroup_skb',
      section: 'cgroup_skb/egress',
      funcs: [
        { name: 'prog', start: 0 },
        { name: 'sub', start: 12 },
      ],
    },
  ).insns;
  assert.equal(offOf(L, 'tcp_sock.snd_cwnd'), 0x5a4, 'what the kernel JIT of test_sock_fields.o shows');
  assert.deepEqual(
    got.slice(7, 10),
    asm(`
    r2 = *(u64 *)(r6 + ${offOf(L, 'tcp_sock.bytes_received')})
    r3 = *(u8 *)(r6 + ${offOf(L, 'inet_connection_sock.icsk_retransmits')})
    r4 = *(u32 *)(r6 + ${offOf(L, 'tcp_sock.rtt_min') + 4})`),
  );
  assert.deepEqual(got.slice(-2), asm(`r0 = *(u32 *)(r1 + ${offOf(L, 'tcp_sock.snd_cwnd')})\nexit`));
});
