// The context a program gets from BPF_PROG_TEST_RUN (or, for the types test_run does not
// serve, from the kernel hook that runs them), laid out in guest memory with the kernel
// layout the ctx-access rewrites read (analysis/kernelLayout.ts: offsets from the BTF):
//  - skb (net/bpf/test_run.c bpf_prog_test_run_skb, 6.x): the packet is copied after
//    NET_SKB_PAD (64) bytes of headroom; eth_type_trans pulls the Ethernet header and sets
//    protocol; tc and lwt programs ("is_l2") get it pushed back, so skb->data is the MAC
//    header and skb->len the input length; the others see data after it. skb->dev is a
//    loopback stand-in (ifindex 1); cb's bpf_skb_data_end holds data_end; skb->sk is a
//    socket with the packet's IPv4 addresses (test_run's own sk for cgroup_skb).
//  - xdp (bpf_prog_test_run_xdp): XDP_PACKET_HEADROOM (256) bytes of headroom in a
//    4096-byte frame, rxq->dev = loopback, queue 0.
//  - sock_addr (the connect/bind/sendmsg hooks): struct bpf_sock_addr_kern whose uaddr is a
//    sockaddr_in/in6 and whose sk is a socket, both filled from the user's ctx_in in uapi
//    `struct bpf_sock_addr` layout (user_family, user_ip4/6, user_port, family, type,
//    protocol, msg_src_ip4/6).
//  - sock (cgroup sock_create/release/post_bind): the struct sock itself, from ctx_in as
//    uapi `struct bpf_sock`.
//  - sock_ops: struct bpf_sock_ops_kern, op and args from ctx_in (uapi bpf_sock_ops), sk a
//    full, locked TCP socket with the family/addresses/ports of ctx_in.
//  - sockopt (the cgroup get/setsockopt hooks): struct bpf_sockopt_kern with a TCP socket,
//    level/optname/optlen/retval from ctx_in (uapi struct bpf_sockopt), the option buffer
//    (data_in) as [optval, optval_end) in the packet region, and current_task->bpf_ctx
//    pointing at a struct bpf_cg_run_ctx that holds retval.
//  - perf_event: struct bpf_perf_event_data_kern whose regs point at a copy of ctx_in's
//    registers and whose data (perf_sample_data) holds its sample_period and addr.
//  - raw: the user's ctx bytes as they are (tracing, syscall, raw_tp).
import { SkBuffUapi, SockAddrUapi, SockOpsUapi, SockoptUapi, SockUapi } from '../analysis/ctxLayout.ts';
import { PerfEventUapi } from '../analysis/ctxPerfEvent.ts';
import { offOf, sizeOf, type KernelLayout } from '../analysis/kernelLayout.ts';
import { CTX_BASE, PACKET_BASE, PAGE_SIZE } from '../common/layout.ts';
import type { AddressSpace } from './addressSpace.ts';
import { ETH_HLEN, SKB_SHARED_INFO_SIZE } from './helpers/packetHelpers.ts';

/** Size of the ctx region: ctx struct, net_device, rxq, sockaddr, sock, then scratch. */
export const CTX_REGION_SIZE = 0x10000;
export const PACKET_REGION_SIZE = 0x10000;
export const NETDEV_ADDR = CTX_BASE + 0x1000n;
export const RXQ_ADDR = CTX_BASE + 0x2000n;
export const SOCKADDR_ADDR = CTX_BASE + 0x2100n;
export const TCTX_ADDR = CTX_BASE + 0x2200n;
export const SOCK_ADDR = CTX_BASE + 0x3000n;
export const SCRATCH_BASE = CTX_BASE + 0x4000n;
export const SCRATCH_SIZE = 0x1000;
/** NET_SKB_PAD + NET_IP_ALIGN on x86-64. */
export const SKB_HEADROOM = 64;
export const XDP_PACKET_HEADROOM = 256;
export const XDP_FRAME_SZ = PAGE_SIZE;
export const LOOPBACK_IFINDEX = 1;
/** PACKET_HOST = 0. */
const PACKET_HOST = 0;
const AF_INET = 2;
const AF_INET6 = 10;
const ETH_P_IP = 0x0800;
const IPPROTO_TCP = 6;
const SOCK_STREAM = 1;
/** TCP_ESTABLISHED: the state of the model's sock_ops socket. */
const TCP_ESTABLISHED = 1;

export type CtxKind = 'skb' | 'xdp' | 'sock_addr' | 'sock' | 'sock_ops' | 'sockopt' | 'perf_event' | 'raw';
/** perf_event: the sampled registers and the perf_sample_data. */
export const PT_REGS_ADDR = CTX_BASE + 0x8000n;
export const SAMPLE_DATA_ADDR = CTX_BASE + 0x9000n;
/** The running task and its struct bpf_cg_run_ctx (sockopt's retval lives there). */
export const TASK_ADDR = CTX_BASE + 0x5000n;
export const RUN_CTX_ADDR = CTX_BASE + 0x6000n;

export interface BuiltCtx {
  kind: CtxKind;
  /** R1 of the program. */
  addr: bigint;
}

export type CtxResult = { ok: true; ctx: BuiltCtx } | { ok: false; message: string };

/** The regions ctx.ts writes (created once by the kernel model). */
export function mapCtxRegions(space: AddressSpace): void {
  space.map('ctx', CTX_BASE, CTX_REGION_SIZE);
  space.map('packet', PACKET_BASE, PACKET_REGION_SIZE);
}

function clear(space: AddressSpace, l: KernelLayout): void {
  space.mustView(CTX_BASE, Number(SCRATCH_BASE - CTX_BASE)).fill(0);
  space.mustView(PACKET_BASE, PACKET_REGION_SIZE).fill(0);
  space.mustStore(NETDEV_ADDR + BigInt(offOf(l, 'net_device.ifindex')), 4, BigInt(LOOPBACK_IFINDEX));
}

type Store = (key: string, size: 1 | 2 | 4 | 8, v: bigint | number) => void;
const storer =
  (space: AddressSpace, l: KernelLayout, base: bigint, prefix: string, extra = 0): Store =>
  (key, size, v) =>
    space.mustStore(base + BigInt(extra + offOf(l, `${prefix}.${key}`)), size, BigInt(v));

/** A little-endian reader of the user's uapi ctx_in (absent bytes read as 0). */
function uapiReader(ctxIn: Uint8Array | undefined): { u32(off: number): number; bytes(off: number, n: number): Uint8Array } {
  const b = ctxIn ?? new Uint8Array(0);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    u32: (off) => (off + 4 <= b.length ? dv.getUint32(off, true) : 0),
    bytes: (off, n) => {
      const out = new Uint8Array(n);
      if (off < b.length) out.set(b.subarray(off, Math.min(b.length, off + n)));
      return out;
    },
  };
}

/**
 * A struct sock at SOCK_ADDR: family, type, protocol, addresses (raw network-order bytes)
 * and ports (local in host order, remote in network order, as sock_common keeps them).
 */
function buildSock(
  space: AddressSpace,
  l: KernelLayout,
  s: {
    family: number;
    type: number;
    protocol: number;
    src4?: Uint8Array;
    dst4?: Uint8Array;
    src6?: Uint8Array;
    dst6?: Uint8Array;
    srcPort?: number;
    dstPortBe?: number;
    state?: number;
    mark?: number;
    priority?: number;
    boundDevIf?: number;
  },
): bigint {
  const sk = SOCK_ADDR;
  space.mustView(sk, sizeOf(l, 'tcp_sock')).fill(0);
  const common = offOf(l, 'sock.__sk_common');
  const sc = storer(space, l, sk, 'sock_common', common);
  const so = storer(space, l, sk, 'sock');
  sc('skc_family', 2, s.family);
  sc('skc_state', 1, s.state ?? 0);
  sc('skc_num', 2, s.srcPort ?? 0);
  sc('skc_dport', 2, s.dstPortBe ?? 0);
  sc('skc_bound_dev_if', 4, s.boundDevIf ?? 0);
  sc('skc_rx_queue_mapping', 2, 0xffff);
  const put = (key: string, bytes: Uint8Array | undefined): void => {
    if (bytes) space.mustView(sk + BigInt(common + offOf(l, `sock_common.${key}`)), bytes.length).set(bytes);
  };
  put('skc_rcv_saddr', s.src4);
  put('skc_daddr', s.dst4);
  put('skc_v6_rcv_saddr', s.src6);
  put('skc_v6_daddr', s.dst6);
  so('sk_type', 2, s.type);
  so('sk_protocol', 2, s.protocol);
  so('sk_mark', 4, s.mark ?? 0);
  so('sk_priority', 4, s.priority ?? 0);
  return sk;
}

/** struct sk_buff for `data`; `l2` = tc/lwt program (MAC header kept in front of data). */
export function buildSkb(space: AddressSpace, l: KernelLayout, data: Uint8Array, l2: boolean, ctxIn?: Uint8Array): CtxResult {
  if (data.length < ETH_HLEN) return { ok: false, message: `packet of ${data.length} bytes is shorter than an Ethernet header (EINVAL)` };
  const need = SKB_HEADROOM + data.length + SKB_SHARED_INFO_SIZE;
  if (need > PACKET_REGION_SIZE)
    return { ok: false, message: `packet of ${data.length} bytes is larger than the model's ${PACKET_REGION_SIZE - SKB_HEADROOM - SKB_SHARED_INFO_SIZE}` };
  clear(space, l);
  space.mustView(PACKET_BASE + BigInt(SKB_HEADROOM), data.length).set(data);
  const skb = CTX_BASE;
  const st = storer(space, l, skb, 'sk_buff');
  const pull = l2 ? 0 : ETH_HLEN;
  const dataAddr = PACKET_BASE + BigInt(SKB_HEADROOM + pull);
  const len = data.length - pull;
  st('dev', 8, NETDEV_ADDR);
  st('len', 4, len);
  st('data_len', 4, 0);
  st('mac_len', 2, ETH_HLEN);
  st('__pkt_type_offset', 1, PACKET_HOST);
  // protocol is __be16: the packet's EtherType bytes as they are.
  space.mustView(skb + BigInt(offOf(l, 'sk_buff.protocol')), 2).set(data.subarray(12, 14));
  st('mac_header', 2, SKB_HEADROOM);
  st('network_header', 2, SKB_HEADROOM + ETH_HLEN);
  st('transport_header', 2, SKB_HEADROOM + ETH_HLEN);
  st('head', 8, PACKET_BASE);
  st('data', 8, dataAddr);
  st('tail', 4, SKB_HEADROOM + data.length);
  st('end', 4, (SKB_HEADROOM + data.length + 63) & ~63);
  st('truesize', 4, sizeOf(l, 'sk_buff') + PACKET_REGION_SIZE);
  st('users', 4, 1);
  // bpf_compute_data_pointers: cb's bpf_skb_data_end (data_meta = data: no metadata).
  const cb = offOf(l, 'sk_buff.cb');
  space.mustStore(skb + BigInt(cb + offOf(l, 'bpf_skb_data_end.data_meta')), 8, dataAddr);
  space.mustStore(skb + BigInt(cb + offOf(l, 'bpf_skb_data_end.data_end')), 8, dataAddr + BigInt(len));
  // test_run's socket: AF_INET, with the IPv4 header's addresses when there is one.
  const isIp = ((data[12]! << 8) | data[13]!) === ETH_P_IP && data.length >= ETH_HLEN + 20;
  st(
    'sk',
    8,
    buildSock(space, l, {
      family: AF_INET,
      type: SOCK_STREAM,
      protocol: 0,
      ...(isIp ? { src4: data.slice(ETH_HLEN + 12, ETH_HLEN + 16), dst4: data.slice(ETH_HLEN + 16, ETH_HLEN + 20) } : {}),
    }),
  );
  if (ctxIn) applySkbCtxIn(space, l, skb, ctxIn);
  return { ok: true, ctx: { kind: 'skb', addr: skb } };
}

/** convert___skb_to_skb, for the fields the model carries: mark, priority, cb[], tstamp. */
function applySkbCtxIn(space: AddressSpace, l: KernelLayout, skb: bigint, ctxIn: Uint8Array): void {
  const u = uapiReader(ctxIn);
  const st = storer(space, l, skb, 'sk_buff');
  st('mark', 4, u.u32(SkBuffUapi.mark));
  st('priority', 4, u.u32(SkBuffUapi.priority));
  const cbData = offOf(l, 'sk_buff.cb') + offOf(l, 'qdisc_skb_cb.data');
  for (let k = 0; k < 5; k++) space.mustStore(skb + BigInt(cbData + 4 * k), 4, BigInt(u.u32(SkBuffUapi.cb + 4 * k)));
  if (SkBuffUapi.tstamp + 8 <= ctxIn.length) {
    const dv = new DataView(ctxIn.buffer, ctxIn.byteOffset, ctxIn.byteLength);
    st('tstamp', 8, dv.getBigUint64(SkBuffUapi.tstamp, true));
  }
}

/** struct xdp_buff for `data`. */
export function buildXdp(space: AddressSpace, l: KernelLayout, data: Uint8Array): CtxResult {
  const max = XDP_FRAME_SZ - XDP_PACKET_HEADROOM - SKB_SHARED_INFO_SIZE;
  if (data.length > max) return { ok: false, message: `XDP packet of ${data.length} bytes exceeds one frame (${max}); fragments are not modelled` };
  if (data.length < ETH_HLEN) return { ok: false, message: `packet of ${data.length} bytes is shorter than an Ethernet header (EINVAL)` };
  clear(space, l);
  const xdp = CTX_BASE;
  const dataAddr = PACKET_BASE + BigInt(XDP_PACKET_HEADROOM);
  space.mustView(dataAddr, data.length).set(data);
  const st = storer(space, l, xdp, 'xdp_buff');
  st('data', 8, dataAddr);
  st('data_end', 8, dataAddr + BigInt(data.length));
  st('data_meta', 8, dataAddr);
  st('data_hard_start', 8, PACKET_BASE);
  st('rxq', 8, RXQ_ADDR);
  st('txq', 8, 0);
  st('frame_sz', 4, XDP_FRAME_SZ);
  st('flags', 4, 0);
  const rxq = storer(space, l, RXQ_ADDR, 'xdp_rxq_info');
  rxq('dev', 8, NETDEV_ADDR);
  rxq('queue_index', 4, 0);
  return { ok: true, ctx: { kind: 'xdp', addr: xdp } };
}

/** struct bpf_sock_addr_kern from a uapi struct bpf_sock_addr (ctx_in). */
export function buildSockAddr(space: AddressSpace, l: KernelLayout, ctxIn?: Uint8Array): CtxResult {
  clear(space, l);
  const u = uapiReader(ctxIn);
  const userFamily = u.u32(SockAddrUapi.user_family) || AF_INET;
  space.mustStore(SOCKADDR_ADDR + BigInt(offOf(l, 'sockaddr.sa_family')), 2, BigInt(userFamily));
  // user_port is the network-order port in the low 16 bits of the u32.
  space.mustView(SOCKADDR_ADDR + BigInt(offOf(l, 'sockaddr_in6.sin6_port')), 2).set(u.bytes(SockAddrUapi.user_port, 2));
  if (userFamily === AF_INET6) space.mustView(SOCKADDR_ADDR + BigInt(offOf(l, 'sockaddr_in6.sin6_addr')), 16).set(u.bytes(SockAddrUapi.user_ip6, 16));
  else space.mustView(SOCKADDR_ADDR + BigInt(offOf(l, 'sockaddr_in.sin_addr')), 4).set(u.bytes(SockAddrUapi.user_ip4, 4));
  space.mustView(TCTX_ADDR, 16).set(u.u32(SockAddrUapi.msg_src_ip4) ? u.bytes(SockAddrUapi.msg_src_ip4, 4) : u.bytes(SockAddrUapi.msg_src_ip6, 16));
  const sk = buildSock(space, l, {
    family: u.u32(SockAddrUapi.family) || userFamily,
    type: u.u32(SockAddrUapi.type) || SOCK_STREAM,
    protocol: u.u32(SockAddrUapi.protocol) || IPPROTO_TCP,
  });
  const k = storer(space, l, CTX_BASE, 'bpf_sock_addr_kern');
  k('sk', 8, sk);
  k('uaddr', 8, SOCKADDR_ADDR);
  k('t_ctx', 8, TCTX_ADDR);
  k('uaddrlen', 4, userFamily === AF_INET6 ? 28 : 16);
  return { ok: true, ctx: { kind: 'sock_addr', addr: CTX_BASE } };
}

/** The struct sock of a cgroup sock program, from a uapi struct bpf_sock (ctx_in). */
export function buildCgroupSock(space: AddressSpace, l: KernelLayout, ctxIn?: Uint8Array): CtxResult {
  clear(space, l);
  const u = uapiReader(ctxIn);
  const sk = buildSock(space, l, {
    family: u.u32(SockUapi.family) || AF_INET,
    type: u.u32(SockUapi.type) || SOCK_STREAM,
    protocol: u.u32(SockUapi.protocol) || IPPROTO_TCP,
    src4: u.bytes(SockUapi.src_ip4, 4),
    dst4: u.bytes(SockUapi.dst_ip4, 4),
    src6: u.bytes(SockUapi.src_ip6, 16),
    dst6: u.bytes(SockUapi.dst_ip6, 16),
    srcPort: u.u32(SockUapi.src_port),
    dstPortBe: u.u32(SockUapi.dst_port) & 0xffff,
    state: u.u32(SockUapi.state),
    mark: u.u32(SockUapi.mark),
    priority: u.u32(SockUapi.priority),
    boundDevIf: u.u32(SockUapi.bound_dev_if),
  });
  return { ok: true, ctx: { kind: 'sock', addr: sk } };
}

/** struct bpf_sock_ops_kern with a full, locked TCP socket, from a uapi struct bpf_sock_ops. */
export function buildSockOps(space: AddressSpace, l: KernelLayout, ctxIn?: Uint8Array): CtxResult {
  clear(space, l);
  const u = uapiReader(ctxIn);
  const family = u.u32(SockOpsUapi.family) || AF_INET;
  const sk = buildSock(space, l, {
    family,
    type: SOCK_STREAM,
    protocol: IPPROTO_TCP,
    state: TCP_ESTABLISHED,
    src4: u.bytes(SockOpsUapi.local_ip4, 4),
    dst4: u.bytes(SockOpsUapi.remote_ip4, 4),
    src6: u.bytes(SockOpsUapi.local_ip6, 16),
    dst6: u.bytes(SockOpsUapi.remote_ip6, 16),
    srcPort: u.u32(SockOpsUapi.local_port),
    dstPortBe: (u.u32(SockOpsUapi.remote_port) >>> 16) & 0xffff,
  });
  const k = storer(space, l, CTX_BASE, 'bpf_sock_ops_kern');
  k('sk', 8, sk);
  k('op', 1, u.u32(SockOpsUapi.op));
  k('is_fullsock', 1, 1);
  k('is_locked_tcp_sock', 1, 1);
  space.mustView(CTX_BASE + BigInt(offOf(l, 'bpf_sock_ops_kern.args')), 16).set(u.bytes(SockOpsUapi.args, 16));
  return { ok: true, ctx: { kind: 'sock_ops', addr: CTX_BASE } };
}

/** struct bpf_sockopt_kern for a getsockopt/setsockopt hook (see the header). */
export function buildSockopt(space: AddressSpace, l: KernelLayout, optval: Uint8Array, ctxIn?: Uint8Array): CtxResult {
  if (optval.length > PACKET_REGION_SIZE) return { ok: false, message: `option buffer of ${optval.length} bytes exceeds the packet region` };
  clear(space, l);
  space.mustView(TASK_ADDR, Number(RUN_CTX_ADDR - TASK_ADDR) + 0x100).fill(0);
  const u = uapiReader(ctxIn);
  const sk = buildSock(space, l, { family: AF_INET, type: SOCK_STREAM, protocol: IPPROTO_TCP, state: TCP_ESTABLISHED });
  space.mustView(PACKET_BASE, optval.length).set(optval);
  const k = storer(space, l, CTX_BASE, 'bpf_sockopt_kern');
  k('sk', 8, sk);
  k('optval', 8, PACKET_BASE);
  k('optval_end', 8, PACKET_BASE + BigInt(optval.length));
  k('level', 4, u.u32(SockoptUapi.level));
  k('optname', 4, u.u32(SockoptUapi.optname));
  k('optlen', 4, u.u32(SockoptUapi.optlen) || optval.length);
  k('current_task', 8, TASK_ADDR);
  space.mustStore(TASK_ADDR + BigInt(offOf(l, 'task_struct.bpf_ctx')), 8, RUN_CTX_ADDR);
  space.mustStore(RUN_CTX_ADDR + BigInt(offOf(l, 'bpf_cg_run_ctx.retval')), 4, BigInt(u.u32(SockoptUapi.retval)));
  return { ok: true, ctx: { kind: 'sockopt', addr: CTX_BASE } };
}

/** struct bpf_perf_event_data_kern from a uapi struct bpf_perf_event_data (see the header). */
export function buildPerfEvent(space: AddressSpace, l: KernelLayout, ctxIn?: Uint8Array): CtxResult {
  clear(space, l);
  const u = uapiReader(ctxIn);
  space.mustView(PT_REGS_ADDR, 0x2000).fill(0);
  space.mustView(PT_REGS_ADDR, PerfEventUapi.sample_period).set(u.bytes(0, PerfEventUapi.sample_period));
  space.mustView(SAMPLE_DATA_ADDR + BigInt(offOf(l, 'perf_sample_data.period')), 8).set(u.bytes(PerfEventUapi.sample_period, 8));
  space.mustView(SAMPLE_DATA_ADDR + BigInt(offOf(l, 'perf_sample_data.addr')), 8).set(u.bytes(PerfEventUapi.addr, 8));
  const k = storer(space, l, CTX_BASE, 'bpf_perf_event_data_kern');
  k('regs', 8, PT_REGS_ADDR);
  k('data', 8, SAMPLE_DATA_ADDR);
  return { ok: true, ctx: { kind: 'perf_event', addr: CTX_BASE } };
}

/** A raw ctx (tracing args, syscall ctx): the bytes at CTX_BASE. */
export function buildRawCtx(space: AddressSpace, l: KernelLayout, bytes: Uint8Array): CtxResult {
  if (bytes.length > 0x1000) return { ok: false, message: `ctx of ${bytes.length} bytes exceeds one page` };
  clear(space, l);
  space.mustView(CTX_BASE, bytes.length).set(bytes);
  return { ok: true, ctx: { kind: 'raw', addr: CTX_BASE } };
}

/** The packet after the run (test_run's data_out): [data, data_end) for skb and xdp. */
export function packetOut(space: AddressSpace, l: KernelLayout, ctx: BuiltCtx): Uint8Array | undefined {
  if (ctx.kind === 'skb') {
    const data = space.mustLoad(ctx.addr + BigInt(offOf(l, 'sk_buff.data')), 8);
    const len = Number(space.mustLoad(ctx.addr + BigInt(offOf(l, 'sk_buff.len')), 4));
    return space.mustView(data, len).slice();
  }
  if (ctx.kind === 'xdp') {
    const data = space.mustLoad(ctx.addr + BigInt(offOf(l, 'xdp_buff.data')), 8);
    const end = space.mustLoad(ctx.addr + BigInt(offOf(l, 'xdp_buff.data_end')), 8);
    return space.mustView(data, Number(end - data)).slice();
  }
  return undefined;
}
