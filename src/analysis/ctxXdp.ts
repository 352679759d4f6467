// `struct xdp_md` -> `struct xdp_buff` (xdp_convert_ctx_access, net/core/filter.c, 6.18).
// xdp_is_valid_access allows read-only, aligned u32 accesses only (no narrowing).
import type { Insn } from '../bpf/insn.ts';
import { BPF_DW, BPF_LDX, BPF_W, insnClass } from '../bpf/opcodes.ts';
import { ldx, type CtxRewrite } from './ctxInsns.ts';
import { XdpMdUapi as X } from './ctxLayout.ts';
import { offOf, type KernelLayout } from './kernelLayout.ts';

export function xdpFieldSize(off: number, size: number, write: boolean): number | undefined {
  return !write && size === 4 && off % 4 === 0 && off >= 0 && off < 24 ? 0 : undefined;
}

export function convertXdp(l: KernelLayout, si: Insn): CtxRewrite {
  if (insnClass(si.code) !== BPF_LDX) return { invalid: true };
  const d = si.dst;
  const o = (key: string): number => offOf(l, key);
  switch (si.off) {
    case X.data:
      return { insns: [ldx(BPF_DW, d, si.src, o('xdp_buff.data'))] };
    case X.data_meta:
      return { insns: [ldx(BPF_DW, d, si.src, o('xdp_buff.data_meta'))] };
    case X.data_end:
      return { insns: [ldx(BPF_DW, d, si.src, o('xdp_buff.data_end'))] };
    case X.ingress_ifindex:
      return { insns: [ldx(BPF_DW, d, si.src, o('xdp_buff.rxq')), ldx(BPF_DW, d, d, o('xdp_rxq_info.dev')), ldx(BPF_W, d, d, o('net_device.ifindex'))] };
    case X.rx_queue_index:
      return { insns: [ldx(BPF_DW, d, si.src, o('xdp_buff.rxq')), ldx(BPF_W, d, d, o('xdp_rxq_info.queue_index'))] };
    case X.egress_ifindex:
      return { insns: [ldx(BPF_DW, d, si.src, o('xdp_buff.txq')), ldx(BPF_DW, d, d, o('xdp_txq_info.dev')), ldx(BPF_W, d, d, o('net_device.ifindex'))] };
  }
  return { invalid: true };
}
