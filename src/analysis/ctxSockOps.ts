// `struct bpf_sock_ops` -> `struct bpf_sock_ops_kern` (sock_ops_convert_ctx_access,
// net/core/filter.c, 6.18). TCP fields are read through sk only when the socket is a locked
// full TCP socket (SOCK_OPS_GET_FIELD; ctx->sk only when is_fullsock, SOCK_OPS_GET_SK), else
// the result is 0; when the access overwrites its own ctx register, r9 (r8, r7) is borrowed,
// parked in bpf_sock_ops_kern.temp.
import type { Insn } from '../bpf/insn.ts';
import { BPF_B, BPF_DW, BPF_H, BPF_JEQ, BPF_LDX, BPF_LSH, BPF_MEM, BPF_W, insnClass } from '../bpf/opcodes.ts';
import { alu32Imm, emitStore, ja, jmpImm, ldx, raw, sizeCode, stx, type CtxRewrite } from './ctxInsns.ts';
import { SockOpsUapi as O } from './ctxLayout.ts';
import { field, offOf, type KernelLayout } from './kernelLayout.ts';

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;

/** The tcp_sock fields SOCK_OPS_GET_TCP_SOCK_FIELD reads, by uapi offset. */
const TCP_FIELDS: Record<number, string> = {
  [O.snd_cwnd]: 'snd_cwnd',
  [O.srtt_us]: 'srtt_us',
  [O.bpf_sock_ops_cb_flags]: 'bpf_sock_ops_cb_flags',
  [O.snd_ssthresh]: 'snd_ssthresh',
  [O.rcv_nxt]: 'rcv_nxt',
  [O.snd_nxt]: 'snd_nxt',
  [O.snd_una]: 'snd_una',
  [O.mss_cache]: 'mss_cache',
  [O.ecn_flags]: 'ecn_flags',
  [O.rate_delivered]: 'rate_delivered',
  [O.rate_interval_us]: 'rate_interval_us',
  [O.packets_out]: 'packets_out',
  [O.retrans_out]: 'retrans_out',
  [O.total_retrans]: 'total_retrans',
  [O.segs_in]: 'segs_in',
  [O.data_segs_in]: 'data_segs_in',
  [O.segs_out]: 'segs_out',
  [O.data_segs_out]: 'data_segs_out',
  [O.lost_out]: 'lost_out',
  [O.sacked_out]: 'sacked_out',
  [O.bytes_received]: 'bytes_received',
  [O.bytes_acked]: 'bytes_acked',
};

/** sock_ops_is_valid_access: ctx_field_size (0: whole field), undefined when invalid. */
export function sockOpsFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (off < 0 || off >= 224 || off % size !== 0) return undefined;
  if (write) return (inRange(off, O.replylong, 16) || off === O.sk_txhash) && size === 4 ? 0 : undefined;
  if (off === O.bytes_received || off === O.bytes_acked || off === O.sk || off === O.skb_data || off === O.skb_data_end || off === O.skb_hwtstamp)
    return size === 8 ? 0 : undefined;
  if (inRange(off, O.skb_tcp_flags, 4)) return size <= 4 && (size & (size - 1)) === 0 ? 4 : undefined;
  return size === 4 ? 0 : undefined;
}

export function convertSockOps(l: KernelLayout, si: Insn): CtxRewrite {
  const write = insnClass(si.code) !== BPF_LDX;
  const d = si.dst;
  const s = si.src;
  const kern = (f: string): number => offOf(l, `bpf_sock_ops_kern.${f}`);
  const sc = (f: string): number => offOf(l, `sock_common.${f}`);
  const viaSk = (...rest: Insn[]): CtxRewrite => ({ insns: [ldx(BPF_DW, d, s, kern('sk')), ...rest] });
  if (inRange(si.off, O.replylong, 16)) {
    const off = si.off - O.replylong + kern('replylong');
    return { insns: [write ? emitStore(BPF_W, si, off) : ldx(BPF_W, d, s, off)] };
  }
  if (write) {
    if (si.off === O.sk_txhash) return { insns: setField(l, si, 'sock.sk_txhash') };
    return { invalid: true };
  }
  if (inRange(si.off, O.remote_ip6, 16)) return viaSk(ldx(BPF_W, d, d, sc('skc_v6_daddr') + si.off - O.remote_ip6));
  if (inRange(si.off, O.local_ip6, 16)) return viaSk(ldx(BPF_W, d, d, sc('skc_v6_rcv_saddr') + si.off - O.local_ip6));
  const tcp = TCP_FIELDS[si.off];
  if (tcp) return { insns: getField(l, si, `tcp_sock.${tcp}`) };
  switch (si.off) {
    case O.op:
      return { insns: [ldx(BPF_B, d, s, kern('op'))] };
    case O.family:
      return viaSk(ldx(BPF_H, d, d, sc('skc_family')));
    case O.remote_ip4:
      return viaSk(ldx(BPF_W, d, d, sc('skc_daddr')));
    case O.local_ip4:
      return viaSk(ldx(BPF_W, d, d, sc('skc_rcv_saddr')));
    case O.remote_port:
      return viaSk(ldx(BPF_H, d, d, sc('skc_dport')), alu32Imm(BPF_LSH, d, 16));
    case O.local_port:
      return viaSk(ldx(BPF_H, d, d, sc('skc_num')));
    case O.is_fullsock:
      return { insns: [ldx(BPF_B, d, s, kern('is_fullsock'))] };
    case O.state:
      return viaSk(ldx(BPF_B, d, d, sc('skc_state')));
    case O.sk_txhash:
      return { insns: getField(l, si, 'sock.sk_txhash') };
    case O.sk:
      return { insns: getSk(l, si) };
    case O.skb_data_end:
      return { insns: [ldx(BPF_DW, d, s, kern('skb_data_end'))] };
    case O.skb_data:
      return { insns: [ldx(BPF_DW, d, s, kern('skb')), jmpImm(BPF_JEQ, d, 0, 1), ldx(BPF_DW, d, d, offOf(l, 'sk_buff.data'))] };
    case O.skb_len:
      return { insns: [ldx(BPF_DW, d, s, kern('skb')), jmpImm(BPF_JEQ, d, 0, 1), ldx(BPF_W, d, d, offOf(l, 'sk_buff.len'))] };
    case O.skb_tcp_flags: {
      const f = field(l, 'tcp_skb_cb.tcp_flags');
      return {
        insns: [ldx(BPF_DW, d, s, kern('skb')), jmpImm(BPF_JEQ, d, 0, 1), ldx(sizeCode(f.size), d, d, offOf(l, 'sk_buff.cb') + f.off)],
        target: f.size,
      };
    }
  }
  return { unsupported: `the bpf_sock_ops access at offset ${si.off}` };
}

/** The borrowed register: r9, or the next one down not used by the access. */
function scratch(si: Insn): number {
  let reg = 9;
  if (si.dst === reg || si.src === reg) reg--;
  if (si.dst === reg || si.src === reg) reg--;
  return reg;
}

/** SOCK_OPS_GET_FIELD / SOCK_OPS_GET_SK: guarded by `gate`, then sk (and its field). */
function guarded(l: KernelLayout, si: Insn, gate: string, target?: string): Insn[] {
  const temp = offOf(l, 'bpf_sock_ops_kern.temp');
  const reg = scratch(si);
  const same = si.dst === si.src;
  const out: Insn[] = [];
  let fullsock = si.dst;
  let jmp = target ? 2 : 1;
  if (same) {
    out.push(stx(BPF_DW, si.src, reg, temp));
    fullsock = reg;
    jmp += 2;
  }
  out.push(ldx(BPF_B, fullsock, si.src, offOf(l, `bpf_sock_ops_kern.${gate}`)), jmpImm(BPF_JEQ, fullsock, 0, jmp));
  if (same) out.push(ldx(BPF_DW, reg, si.src, temp));
  out.push(ldx(BPF_DW, si.dst, si.src, offOf(l, 'bpf_sock_ops_kern.sk')));
  if (target) {
    const f = field(l, target);
    out.push(ldx(sizeCode(f.size), si.dst, si.dst, f.off));
  }
  if (same) out.push(ja(1), ldx(BPF_DW, reg, si.src, temp));
  return out;
}
const getField = (l: KernelLayout, si: Insn, target: string): Insn[] => guarded(l, si, 'is_locked_tcp_sock', target);
const getSk = (l: KernelLayout, si: Insn): Insn[] => guarded(l, si, 'is_fullsock');

/** SOCK_OPS_SET_FIELD: store through sk with a borrowed register. */
function setField(l: KernelLayout, si: Insn, target: string): Insn[] {
  const temp = offOf(l, 'bpf_sock_ops_kern.temp');
  const reg = scratch(si);
  const f = field(l, target);
  return [
    stx(BPF_DW, si.dst, reg, temp),
    ldx(BPF_B, reg, si.dst, offOf(l, 'bpf_sock_ops_kern.is_locked_tcp_sock')),
    jmpImm(BPF_JEQ, reg, 0, 2),
    ldx(BPF_DW, reg, si.dst, offOf(l, 'bpf_sock_ops_kern.sk')),
    raw(sizeCode(f.size) | BPF_MEM | insnClass(si.code), reg, si.src, f.off, si.imm),
    ldx(BPF_DW, reg, si.dst, temp),
  ];
}
