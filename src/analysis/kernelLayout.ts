// Kernel struct layouts the ctx-access rewrites (and the kernel model's ctx builder) use:
// offsetof/sizeof_field/sizeof of `struct sk_buff`, `struct xdp_buff`, `struct sock`, ...
// taken from a kernel's BTF, never written by hand.
//
// Two sources, one shape:
//  - the table kernelLayoutTable.ts, generated from the shipped vmlinux BTF of Linux 6.18.44
//    (the kernel behind ../shared/testdata) by scripts/gen-kernel-layout.ts and checked
//    against that BTF by test/analysis/kernelLayout.test.ts. It is the default: it costs
//    nothing, where parsing the 5 MB BTF costs ~0.5 s per run.
//  - layoutFromBtf(any KernelBtf), e.g. the host's /sys/kernel/btf/vmlinux for
//    `--profile host`, computed once per BTF on first use.
// Field names are C member paths through the struct: anonymous unions/structs are looked
// through (as C does), named sub-structs are entered with `.` (sock.__sk_common.skc_family).
// Zero-size marker members (`__pkt_type_offset[0]`) give the bitfield byte offsets the
// kernel's PKT_TYPE_OFFSET-style macros name.
import type { KernelBtf } from '../object/kernelBtf.ts';
import { BTF_KIND, findByNameKind, resolveSize, skipModsAndTypedefs, type Btf } from '../object/btf.ts';
import { KERNEL_LAYOUT_6_18_44 } from './kernelLayoutTable.ts';
import type { FieldLoc, KernelLayout } from './kernelLayoutTypes.ts';

export type { FieldLoc, KernelLayout } from './kernelLayoutTypes.ts';

/**
 * Every struct member a rewrite or the ctx builder reads, `struct.member[.member]`. The
 * generated table holds exactly these; add one here, then rerun scripts/gen-kernel-layout.ts.
 */
export const LAYOUT_FIELDS: readonly string[] = [
  // struct sk_buff (include/linux/skbuff.h)
  'sk_buff.dev',
  'sk_buff.sk',
  'sk_buff.tstamp',
  'sk_buff.cb',
  'sk_buff.len',
  'sk_buff.data_len',
  'sk_buff.mac_len',
  'sk_buff.queue_mapping',
  'sk_buff.__cloned_offset',
  'sk_buff.__pkt_type_offset',
  'sk_buff.__mono_tc_offset',
  'sk_buff.tc_index',
  'sk_buff.priority',
  'sk_buff.skb_iif',
  'sk_buff.hash',
  'sk_buff.vlan_all',
  'sk_buff.vlan_proto',
  'sk_buff.vlan_tci',
  'sk_buff.napi_id',
  'sk_buff.mark',
  'sk_buff.protocol',
  'sk_buff.transport_header',
  'sk_buff.network_header',
  'sk_buff.mac_header',
  'sk_buff.tail',
  'sk_buff.end',
  'sk_buff.head',
  'sk_buff.data',
  'sk_buff.truesize',
  'sk_buff.users',
  'skb_shared_info.gso_size',
  'skb_shared_info.gso_segs',
  'skb_shared_info.hwtstamps',
  'qdisc_skb_cb.pkt_len',
  'qdisc_skb_cb.tc_classid',
  'qdisc_skb_cb.data',
  'bpf_skb_data_end.data_meta',
  'bpf_skb_data_end.data_end',
  'sk_skb_cb.data',
  'sk_skb_cb.temp_reg',
  'tcp_skb_cb.tcp_flags',
  'net_device.ifindex',
  // struct xdp_buff (include/net/xdp.h)
  'xdp_buff.data',
  'xdp_buff.data_end',
  'xdp_buff.data_meta',
  'xdp_buff.data_hard_start',
  'xdp_buff.rxq',
  'xdp_buff.txq',
  'xdp_buff.frame_sz',
  'xdp_buff.flags',
  'xdp_rxq_info.dev',
  'xdp_rxq_info.queue_index',
  'xdp_txq_info.dev',
  // struct sock / sock_common (include/net/sock.h)
  'sock_common.skc_daddr',
  'sock_common.skc_rcv_saddr',
  'sock_common.skc_dport',
  'sock_common.skc_num',
  'sock_common.skc_family',
  'sock_common.skc_state',
  'sock_common.skc_bound_dev_if',
  'sock_common.skc_v6_daddr',
  'sock_common.skc_v6_rcv_saddr',
  'sock_common.skc_rx_queue_mapping',
  'sock.__sk_common',
  'sock.sk_type',
  'sock.sk_protocol',
  'sock.sk_mark',
  'sock.sk_priority',
  'sock.sk_txhash',
  // bpf_sock_addr (net/core/filter.c SOCK_ADDR_* macros)
  'bpf_sock_addr_kern.sk',
  'bpf_sock_addr_kern.uaddr',
  'bpf_sock_addr_kern.tmp_reg',
  'bpf_sock_addr_kern.t_ctx',
  'bpf_sock_addr_kern.uaddrlen',
  'sockaddr.sa_family',
  'sockaddr_in.sin_addr',
  'sockaddr_in6.sin6_port',
  'sockaddr_in6.sin6_addr',
  'in_addr.s_addr',
  'in6_addr.in6_u',
  // bpf_sock_ops
  'bpf_sock_ops_kern.sk',
  'bpf_sock_ops_kern.args',
  'bpf_sock_ops_kern.reply',
  'bpf_sock_ops_kern.replylong',
  'bpf_sock_ops_kern.syn_skb',
  'bpf_sock_ops_kern.skb',
  'bpf_sock_ops_kern.skb_data_end',
  'bpf_sock_ops_kern.op',
  'bpf_sock_ops_kern.is_fullsock',
  'bpf_sock_ops_kern.is_locked_tcp_sock',
  'bpf_sock_ops_kern.remaining_opt_len',
  'bpf_sock_ops_kern.temp',
  'tcp_sock.snd_cwnd',
  'tcp_sock.srtt_us',
  'tcp_sock.bpf_sock_ops_cb_flags',
  'tcp_sock.snd_ssthresh',
  'tcp_sock.rcv_nxt',
  'tcp_sock.snd_nxt',
  'tcp_sock.snd_una',
  'tcp_sock.mss_cache',
  'tcp_sock.ecn_flags',
  'tcp_sock.rate_delivered',
  'tcp_sock.rate_interval_us',
  'tcp_sock.packets_out',
  'tcp_sock.retrans_out',
  'tcp_sock.total_retrans',
  'tcp_sock.segs_in',
  'tcp_sock.data_segs_in',
  'tcp_sock.segs_out',
  'tcp_sock.data_segs_out',
  'tcp_sock.lost_out',
  'tcp_sock.sacked_out',
  'tcp_sock.bytes_received',
  'tcp_sock.bytes_acked',
  'tcp_sock.rtt_min',
  'minmax_sample.v',
  'tcp_sock.dsack_dups',
  'tcp_sock.delivered',
  'tcp_sock.delivered_ce',
  'tcp_sock.rcv_wnd',
  'tcp_sock.snd_wnd',
  'inet_connection_sock.icsk_retransmits',
  'inet_connection_sock.icsk_ca_state',
  // sk_msg, sk_reuseport, flow dissector, sockopt, sysctl, sk_lookup
  'sk_msg.data',
  'sk_msg.data_end',
  'sk_msg.sk',
  'sk_msg.sg',
  'sk_msg_sg.size',
  'sk_reuseport_kern.skb',
  'sk_reuseport_kern.sk',
  'sk_reuseport_kern.migrating_sk',
  'sk_reuseport_kern.data_end',
  'sk_reuseport_kern.hash',
  'sk_reuseport_kern.reuseport_id',
  'sk_reuseport_kern.bind_inany',
  'bpf_flow_dissector.flow_keys',
  'bpf_flow_dissector.data',
  'bpf_flow_dissector.data_end',
  'bpf_flow_dissector.skb',
  'bpf_sockopt_kern.sk',
  'bpf_sockopt_kern.optval',
  'bpf_sockopt_kern.optval_end',
  'bpf_sockopt_kern.level',
  'bpf_sockopt_kern.optname',
  'bpf_sockopt_kern.optlen',
  'bpf_sockopt_kern.current_task',
  'bpf_sockopt_kern.tmp_reg',
  'task_struct.bpf_ctx',
  'bpf_cg_run_ctx.retval',
  'bpf_sysctl_kern.write',
  'bpf_sysctl_kern.ppos',
  'bpf_sysctl_kern.tmp_reg',
  'bpf_sk_lookup_kern.family',
  'bpf_sk_lookup_kern.protocol',
  'bpf_sk_lookup_kern.sport',
  'bpf_sk_lookup_kern.dport',
  'bpf_sk_lookup_kern.v4',
  'bpf_sk_lookup_kern.v6',
  'bpf_sk_lookup_kern.selected_sk',
  'bpf_sk_lookup_kern.ingress_ifindex',
  'bpf_sk_lookup.sk',
  // perf_event
  'bpf_perf_event_data_kern.regs',
  'bpf_perf_event_data_kern.data',
  'perf_sample_data.period',
  'perf_sample_data.addr',
];

/** sizeof() of these structs is in the layout too. */
export const LAYOUT_STRUCTS: readonly string[] = [
  'sk_buff',
  'skb_shared_info',
  'qdisc_skb_cb',
  'xdp_buff',
  'xdp_rxq_info',
  'xdp_frame',
  'sock',
  'tcp_sock',
  'bpf_sock_addr_kern',
  'bpf_sock_ops_kern',
  'sk_msg',
  'sk_reuseport_kern',
  'bpf_flow_dissector',
  'bpf_sockopt_kern',
  'bpf_sysctl_kern',
  'bpf_sk_lookup_kern',
  'net_device',
];

function structOf(btf: Btf, name: string) {
  return findByNameKind(btf, name, BTF_KIND.STRUCT) ?? findByNameKind(btf, name, BTF_KIND.UNION);
}

/** A member by name in struct/union `id`, looking through anonymous members; bit offset. */
function findMember(btf: Btf, id: number, name: string): { type: number; bitOff: number } | undefined {
  const t = skipModsAndTypedefs(btf, id);
  for (const m of t?.members ?? []) {
    if (m.name === name) return { type: m.type, bitOff: m.bitOffset };
    if (m.name === '') {
      const inner = findMember(btf, m.type, name);
      if (inner) return { type: inner.type, bitOff: m.bitOffset + inner.bitOff };
    }
  }
  return undefined;
}

/** The location of `struct.a.b` in `btf`, or undefined when the BTF lacks it. */
export function btfFieldLoc(btf: Btf, key: string): FieldLoc | undefined {
  const [struct, ...path] = key.split('.');
  const s = structOf(btf, struct!);
  if (!s || path.length === 0) return undefined;
  let type = s.id;
  let bits = 0;
  for (const name of path) {
    const m = findMember(btf, type, name);
    if (!m) return undefined;
    type = m.type;
    bits += m.bitOff;
  }
  if (bits % 8 !== 0) return undefined;
  return { off: bits / 8, size: resolveSize(btf, type) ?? 0 };
}

/** The layout of every LAYOUT_FIELDS/LAYOUT_STRUCTS entry `btf` has (the others are absent). */
export function layoutFromBtf(btf: Btf, release: string): KernelLayout {
  const sizes: Record<string, number> = {};
  const fields: Record<string, FieldLoc> = {};
  for (const s of LAYOUT_STRUCTS) {
    const t = structOf(btf, s);
    if (t) sizes[s] = t.sizeOrType;
  }
  for (const f of LAYOUT_FIELDS) {
    const loc = btfFieldLoc(btf, f);
    if (loc) fields[f] = loc;
  }
  return { release, sizes, fields };
}

const computed = new WeakMap<KernelBtf, KernelLayout>();

/**
 * The layout of `kernel` (computed from its BTF once), or, without one, the generated
 * table of the shipped 6.18.44 BTF.
 */
export function kernelLayout(kernel?: KernelBtf): KernelLayout {
  if (!kernel) return KERNEL_LAYOUT_6_18_44;
  let l = computed.get(kernel);
  if (!l) {
    l = layoutFromBtf(kernel.btf, kernel.release);
    computed.set(kernel, l);
  }
  return l;
}

/** The shipped kernel's layout (the default of every profile but `host`). */
export const DEFAULT_KERNEL_LAYOUT: KernelLayout = KERNEL_LAYOUT_6_18_44;

/** A struct member the layout must have; a kernel without it cannot run the rewrite. */
export class MissingLayout extends Error {}

export function field(l: KernelLayout, key: string): FieldLoc {
  const f = l.fields[key];
  if (!f) throw new MissingLayout(`Linux ${l.release} BTF has no ${key.replace('.', ' member ')}`);
  return f;
}

export const offOf = (l: KernelLayout, key: string): number => field(l, key).off;

export function sizeOf(l: KernelLayout, struct: string): number {
  const s = l.sizes[struct];
  if (s === undefined) throw new MissingLayout(`Linux ${l.release} BTF has no struct ${struct}`);
  return s;
}
