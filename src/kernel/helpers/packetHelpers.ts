// Packet helpers over the ctx structures ctx.ts lays out in guest memory (offsets from
// the kernel layout, analysis/kernelLayout.ts, the same ones the ctx-access rewrites use).
//  - bpf_skb_load_bytes (net/core/filter.c): copy from the linear data; -EFAULT (and the
//    destination zeroed) when out of range.
//  - bpf_skb_load_helper_{8,16,32}_no_cache: targets of the LD_ABS/LD_IND rewrite; the
//    big-endian value, or -EFAULT. Negative offsets (SKF_NET_OFF/SKF_LL_OFF) are not modelled.
//  - bpf_xdp_adjust_head/tail (6.x rules): head may move into the headroom down to
//    data_hard_start + sizeof(struct xdp_frame) (+ metadata), keeping >= ETH_HLEN bytes; tail
//    may grow up to the frame end minus the skb_shared_info tailroom.
import { BPF_FUNC, KERNEL_FUNC } from '../../bpf/helperIds.ts';
import { offOf, type KernelLayout } from '../../analysis/kernelLayout.ts';
import { EFAULT, EINVAL, negErrno } from '../errors.ts';
import type { AddressSpace } from '../addressSpace.ts';
import type { HelperContext, HelperDef } from './types.ts';

export const ETH_HLEN = 14;
/** sizeof(struct xdp_frame) on x86-64 6.x. */
export const XDP_FRAME_SIZE = 40;
/** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86-64 6.x. */
export const SKB_SHARED_INFO_SIZE = 320;

/** Linear data of the skb at `skb`: start address and headlen (len - data_len). */
export function skbLinear(space: AddressSpace, l: KernelLayout, skb: bigint): { data: bigint; headlen: number } | undefined {
  const data = space.load(skb + BigInt(offOf(l, 'sk_buff.data')), 8);
  const len = space.load(skb + BigInt(offOf(l, 'sk_buff.len')), 4);
  const dataLen = space.load(skb + BigInt(offOf(l, 'sk_buff.data_len')), 4);
  if (typeof data !== 'bigint' || typeof len !== 'bigint' || typeof dataLen !== 'bigint') return undefined;
  return { data, headlen: Number(len - dataLen) };
}

/** LD_ABS semantics: big-endian `size`-byte load at packet offset `off`, or undefined. */
export function skbLoadBe(space: AddressSpace, l: KernelLayout, skb: bigint, off: number, size: 1 | 2 | 4): bigint | undefined {
  const lin = skbLinear(space, l, skb);
  if (!lin || off < 0 || off > lin.headlen - size) return undefined;
  const v = space.read(lin.data + BigInt(off), size);
  if (!(v instanceof Uint8Array)) return undefined;
  let out = 0n;
  for (const b of v) out = (out << 8n) | BigInt(b);
  return out;
}

const loadHelper =
  (size: 1 | 2 | 4) =>
  (k: HelperContext, skb: bigint, off: bigint): bigint => {
    const v = skbLoadBe(k.space, k.layout, skb, Number(BigInt.asIntN(32, off)), size);
    return v === undefined ? negErrno(EFAULT) : v;
  };

function xdpField(k: HelperContext, xdp: bigint, off: number): bigint {
  return k.space.mustLoad(xdp + BigInt(off), 8);
}

export const packetHelpers: HelperDef[] = [
  {
    id: BPF_FUNC.skb_load_bytes,
    name: 'bpf_skb_load_bytes',
    fn: (k, skb, offset, to, len) => {
      const off = Number(BigInt.asIntN(32, offset));
      const n = Number(len & 0xffffffffn);
      const lin = skbLinear(k.space, k.layout, skb);
      const dst = k.space.view(to, n);
      if (!(dst instanceof Uint8Array)) return negErrno(EFAULT);
      if (!lin || off < 0 || n === 0 || off + n > lin.headlen) {
        dst.fill(0);
        return negErrno(EFAULT);
      }
      const src = k.space.read(lin.data + BigInt(off), n);
      if (!(src instanceof Uint8Array)) return negErrno(EFAULT);
      dst.set(src);
      return 0n;
    },
  },
  { id: KERNEL_FUNC.skb_load_helper_8_no_cache, name: 'bpf_skb_load_helper_8_no_cache', fn: loadHelper(1) },
  { id: KERNEL_FUNC.skb_load_helper_16_no_cache, name: 'bpf_skb_load_helper_16_no_cache', fn: loadHelper(2) },
  { id: KERNEL_FUNC.skb_load_helper_32_no_cache, name: 'bpf_skb_load_helper_32_no_cache', fn: loadHelper(4) },
  {
    id: BPF_FUNC.xdp_adjust_head,
    name: 'bpf_xdp_adjust_head',
    fn: (k, xdp, delta) => {
      const d = BigInt.asIntN(32, delta);
      const data = xdpField(k, xdp, offOf(k.layout, 'xdp_buff.data'));
      const meta = xdpField(k, xdp, offOf(k.layout, 'xdp_buff.data_meta'));
      const end = xdpField(k, xdp, offOf(k.layout, 'xdp_buff.data_end'));
      const hard = xdpField(k, xdp, offOf(k.layout, 'xdp_buff.data_hard_start'));
      const metalen = data - meta;
      const nd = data + d;
      if (nd < hard + BigInt(XDP_FRAME_SIZE) + metalen || nd > end - BigInt(ETH_HLEN)) return negErrno(EINVAL);
      k.space.mustStore(xdp + BigInt(offOf(k.layout, 'xdp_buff.data')), 8, nd);
      k.space.mustStore(xdp + BigInt(offOf(k.layout, 'xdp_buff.data_meta')), 8, nd - metalen);
      return 0n;
    },
  },
  {
    id: BPF_FUNC.xdp_adjust_tail,
    name: 'bpf_xdp_adjust_tail',
    fn: (k, xdp, offset) => {
      const d = BigInt.asIntN(32, offset);
      const data = xdpField(k, xdp, offOf(k.layout, 'xdp_buff.data'));
      const end = xdpField(k, xdp, offOf(k.layout, 'xdp_buff.data_end'));
      const hard = xdpField(k, xdp, offOf(k.layout, 'xdp_buff.data_hard_start'));
      const frameSz = k.space.mustLoad(xdp + BigInt(offOf(k.layout, 'xdp_buff.frame_sz')), 4);
      const ne = end + d;
      const max = hard + frameSz - BigInt(SKB_SHARED_INFO_SIZE);
      if (ne > max || ne < data + BigInt(ETH_HLEN)) return negErrno(EINVAL);
      if (d > 0n) k.space.mustView(end, Number(d)).fill(0); // grown tail is cleared (6.x)
      k.space.mustStore(xdp + BigInt(offOf(k.layout, 'xdp_buff.data_end')), 8, ne);
      return 0n;
    },
  },
];
