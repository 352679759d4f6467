// The context a program gets from BPF_PROG_TEST_RUN, laid out in guest memory with the
// offsets of analysis/ctxLayout.ts (the ones the ctx-access rewrites read):
//  - skb (net/bpf/test_run.c bpf_prog_test_run_skb, 6.x): the packet is copied after
//    NET_SKB_PAD (64) bytes of headroom; eth_type_trans pulls the Ethernet header and sets
//    protocol; tc programs (SCHED_CLS/ACT, "is_l2") get it pushed back, so skb->data is the
//    MAC header and skb->len the input length; socket filters see data after it.
//    skb->dev is a loopback stand-in (ifindex 1); cb's bpf_skb_data_end holds data_end.
//  - xdp (bpf_prog_test_run_xdp): XDP_PACKET_HEADROOM (256) bytes of headroom in a
//    4096-byte frame, rxq->dev = loopback, queue 0.
//  - raw: the user's ctx bytes as they are (tracing, syscall, raw_tp).
import {
  BpfSkbDataEnd, NetDevice, SK_BUFF_SIZE, SkBuff, SkBuffUapi, XDP_BUFF_SIZE, XdpBuff, XdpRxqInfo,
} from '../analysis/ctxLayout.ts';
import { CTX_BASE, PACKET_BASE, PAGE_SIZE } from '../common/layout.ts';
import type { AddressSpace } from './addressSpace.ts';
import { ETH_HLEN, SKB_SHARED_INFO_SIZE } from './helpers/packetHelpers.ts';

/** Size of the ctx region: ctx struct page, net_device, rxq, then scratch. */
export const CTX_REGION_SIZE = 0x10000;
export const PACKET_REGION_SIZE = 0x10000;
export const NETDEV_ADDR = CTX_BASE + 0x1000n;
export const RXQ_ADDR = CTX_BASE + 0x1400n;
export const SCRATCH_BASE = CTX_BASE + 0x2000n;
export const SCRATCH_SIZE = 0x1000;
/** NET_SKB_PAD + NET_IP_ALIGN on x86-64. */
export const SKB_HEADROOM = 64;
export const XDP_PACKET_HEADROOM = 256;
export const XDP_FRAME_SZ = PAGE_SIZE;
export const LOOPBACK_IFINDEX = 1;
/** ETH_P_IP etc. are compared big-endian; PACKET_HOST = 0. */
const PACKET_HOST = 0;

export type CtxKind = 'skb' | 'xdp' | 'raw';

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

function clear(space: AddressSpace): void {
  space.mustView(CTX_BASE, 0x2000).fill(0);
  space.mustView(PACKET_BASE, PACKET_REGION_SIZE).fill(0);
  space.mustStore(NETDEV_ADDR + BigInt(NetDevice.ifindex), 4, BigInt(LOOPBACK_IFINDEX));
}

/** struct sk_buff for `data`; `l2` = tc program (MAC header kept in front of data). */
export function buildSkb(space: AddressSpace, data: Uint8Array, l2: boolean, ctxIn?: Uint8Array): CtxResult {
  if (data.length < ETH_HLEN) return { ok: false, message: `packet of ${data.length} bytes is shorter than an Ethernet header (EINVAL)` };
  const need = SKB_HEADROOM + data.length + SKB_SHARED_INFO_SIZE;
  if (need > PACKET_REGION_SIZE) return { ok: false, message: `packet of ${data.length} bytes is larger than the model's ${PACKET_REGION_SIZE - SKB_HEADROOM - SKB_SHARED_INFO_SIZE}` };
  clear(space);
  space.mustView(PACKET_BASE + BigInt(SKB_HEADROOM), data.length).set(data);
  const skb = CTX_BASE;
  const st = (off: number, size: 1 | 2 | 4 | 8, v: bigint | number): void => space.mustStore(skb + BigInt(off), size, BigInt(v));
  const pull = l2 ? 0 : ETH_HLEN;
  const dataAddr = PACKET_BASE + BigInt(SKB_HEADROOM + pull);
  const len = data.length - pull;
  st(SkBuff.dev, 8, NETDEV_ADDR);
  st(SkBuff.len, 4, len);
  st(SkBuff.data_len, 4, 0);
  st(SkBuff.mac_len, 2, ETH_HLEN);
  st(SkBuff.pkt_type, 1, PACKET_HOST);
  // protocol is __be16: the packet's EtherType bytes as they are.
  space.mustView(skb + BigInt(SkBuff.protocol), 2).set(data.subarray(12, 14));
  st(SkBuff.mac_header, 2, SKB_HEADROOM);
  st(SkBuff.network_header, 2, SKB_HEADROOM + ETH_HLEN);
  st(SkBuff.transport_header, 2, SKB_HEADROOM + ETH_HLEN);
  st(SkBuff.head, 8, PACKET_BASE);
  st(SkBuff.data, 8, dataAddr);
  st(SkBuff.tail, 4, SKB_HEADROOM + data.length);
  st(SkBuff.end, 4, (SKB_HEADROOM + data.length + 63) & ~63);
  st(SkBuff.truesize, 4, SK_BUFF_SIZE + PACKET_REGION_SIZE);
  st(SkBuff.users, 4, 1);
  // bpf_compute_data_pointers: cb's bpf_skb_data_end (data_meta = data: no metadata).
  st(SkBuff.cb + BpfSkbDataEnd.data_meta, 8, dataAddr);
  st(SkBuff.cb + BpfSkbDataEnd.data_end, 8, dataAddr + BigInt(len));
  if (ctxIn) applySkbCtxIn(space, skb, ctxIn);
  return { ok: true, ctx: { kind: 'skb', addr: skb } };
}

/** convert___skb_to_skb, for the fields the model carries: mark, priority, cb[], tstamp. */
function applySkbCtxIn(space: AddressSpace, skb: bigint, ctxIn: Uint8Array): void {
  const dv = new DataView(ctxIn.buffer, ctxIn.byteOffset, ctxIn.byteLength);
  const u32 = (off: number): bigint => (off + 4 <= ctxIn.length ? BigInt(dv.getUint32(off, true)) : 0n);
  space.mustStore(skb + BigInt(SkBuff.mark), 4, u32(SkBuffUapi.mark));
  space.mustStore(skb + BigInt(SkBuff.priority), 4, u32(SkBuffUapi.priority));
  for (let k = 0; k < 5; k++) space.mustStore(skb + BigInt(SkBuff.cb + 8 + 4 * k), 4, u32(SkBuffUapi.cb + 4 * k));
  if (SkBuffUapi.tstamp + 8 <= ctxIn.length) space.mustStore(skb + BigInt(SkBuff.tstamp), 8, dv.getBigUint64(SkBuffUapi.tstamp, true));
}

/** struct xdp_buff for `data`. */
export function buildXdp(space: AddressSpace, data: Uint8Array): CtxResult {
  const max = XDP_FRAME_SZ - XDP_PACKET_HEADROOM - SKB_SHARED_INFO_SIZE;
  if (data.length > max) return { ok: false, message: `XDP packet of ${data.length} bytes exceeds one frame (${max}); fragments are not modelled` };
  if (data.length < ETH_HLEN) return { ok: false, message: `packet of ${data.length} bytes is shorter than an Ethernet header (EINVAL)` };
  clear(space);
  const xdp = CTX_BASE;
  const dataAddr = PACKET_BASE + BigInt(XDP_PACKET_HEADROOM);
  space.mustView(dataAddr, data.length).set(data);
  const st = (off: number, size: 4 | 8, v: bigint | number): void => space.mustStore(xdp + BigInt(off), size, BigInt(v));
  st(XdpBuff.data, 8, dataAddr);
  st(XdpBuff.data_end, 8, dataAddr + BigInt(data.length));
  st(XdpBuff.data_meta, 8, dataAddr);
  st(XdpBuff.data_hard_start, 8, PACKET_BASE);
  st(XdpBuff.rxq, 8, RXQ_ADDR);
  st(XdpBuff.txq, 8, 0);
  st(XdpBuff.frame_sz, 4, XDP_FRAME_SZ);
  st(XdpBuff.flags, 4, 0);
  space.mustStore(RXQ_ADDR + BigInt(XdpRxqInfo.dev), 8, NETDEV_ADDR);
  space.mustStore(RXQ_ADDR + BigInt(XdpRxqInfo.queue_index), 4, 0n);
  void XDP_BUFF_SIZE;
  return { ok: true, ctx: { kind: 'xdp', addr: xdp } };
}

/** A raw ctx (tracing args, syscall ctx): the bytes at CTX_BASE. */
export function buildRawCtx(space: AddressSpace, bytes: Uint8Array): CtxResult {
  if (bytes.length > 0x1000) return { ok: false, message: `ctx of ${bytes.length} bytes exceeds one page` };
  clear(space);
  space.mustView(CTX_BASE, bytes.length).set(bytes);
  return { ok: true, ctx: { kind: 'raw', addr: CTX_BASE } };
}

/** The packet after the run (test_run's data_out): [data, data_end) for skb and xdp. */
export function packetOut(space: AddressSpace, ctx: BuiltCtx): Uint8Array | undefined {
  if (ctx.kind === 'skb') {
    const data = space.mustLoad(ctx.addr + BigInt(SkBuff.data), 8);
    const len = Number(space.mustLoad(ctx.addr + BigInt(SkBuff.len), 4));
    return space.mustView(data, len).slice();
  }
  if (ctx.kind === 'xdp') {
    const data = space.mustLoad(ctx.addr + BigInt(XdpBuff.data), 8);
    const end = space.mustLoad(ctx.addr + BigInt(XdpBuff.data_end), 8);
    return space.mustView(data, Number(end - data)).slice();
  }
  return undefined;
}
