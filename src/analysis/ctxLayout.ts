// The program-visible ("uapi") context structs of include/uapi/linux/bpf.h that the
// verifier's ctx-access rewrites translate from: `struct __sk_buff`, `struct xdp_md`,
// `struct bpf_sock_addr`, ... Their offsets are ABI (fixed across kernels), so they are
// written here; the kernel-side structs they become (`struct sk_buff`, `struct xdp_buff`,
// `struct sock`, ...) differ per kernel and build and come from its BTF (kernelLayout.ts).

/** sizeof(struct __sk_buff) (uapi, 6.18). */
export const SK_BUFF_UAPI_SIZE = 192;
/** sizeof(struct xdp_md) (uapi, 6.18). */
export const XDP_MD_SIZE = 24;

/** offsetof(struct __sk_buff, X) — include/uapi/linux/bpf.h. */
export const SkBuffUapi = {
  len: 0,
  pkt_type: 4,
  mark: 8,
  queue_mapping: 12,
  protocol: 16,
  vlan_present: 20,
  vlan_tci: 24,
  vlan_proto: 28,
  priority: 32,
  ingress_ifindex: 36,
  ifindex: 40,
  tc_index: 44,
  cb: 48, // __u32 cb[5]: 48..67
  hash: 68,
  tc_classid: 72,
  data: 76,
  data_end: 80,
  napi_id: 84,
  family: 88,
  remote_ip4: 92,
  local_ip4: 96,
  remote_ip6: 100, // __u32[4]
  local_ip6: 116, // __u32[4]
  remote_port: 132,
  local_port: 136,
  data_meta: 140,
  flow_keys: 144, // __bpf_md_ptr (8 bytes)
  tstamp: 152, // __u64
  wire_len: 160,
  gso_segs: 164,
  sk: 168, // __bpf_md_ptr
  gso_size: 176,
  tstamp_type: 180, // __u8 + 3 bytes padding
  hwtstamp: 184, // __u64
} as const;

/** offsetof(struct xdp_md, X) — include/uapi/linux/bpf.h. */
export const XdpMdUapi = {
  data: 0,
  data_end: 4,
  data_meta: 8,
  ingress_ifindex: 12,
  rx_queue_index: 16,
  egress_ifindex: 20,
} as const;

/** offsetof(struct bpf_sock_addr, X) — include/uapi/linux/bpf.h (72 bytes). */
export const SockAddrUapi = {
  user_family: 0,
  user_ip4: 4,
  user_ip6: 8,
  user_port: 24,
  family: 28,
  type: 32,
  protocol: 36,
  msg_src_ip4: 40,
  msg_src_ip6: 44,
  sk: 64,
} as const;
export const SOCK_ADDR_UAPI_SIZE = 72;

/** offsetof(struct bpf_sock, X) — include/uapi/linux/bpf.h (80 bytes). */
export const SockUapi = {
  bound_dev_if: 0,
  family: 4,
  type: 8,
  protocol: 12,
  mark: 16,
  priority: 20,
  src_ip4: 24,
  src_ip6: 28,
  src_port: 44,
  dst_port: 48,
  dst_ip4: 52,
  dst_ip6: 56,
  state: 72,
  rx_queue_mapping: 76,
} as const;
export const SOCK_UAPI_SIZE = 80;

/** struct bpf_tcp_sock (uapi/linux/bpf.h): u32 fields in this order, then bytes_received/acked (u64), then u32s. */
const TCP_SOCK_U32_HEAD = [
  'snd_cwnd',
  'srtt_us',
  'rtt_min',
  'snd_ssthresh',
  'rcv_nxt',
  'snd_nxt',
  'snd_una',
  'mss_cache',
  'ecn_flags',
  'rate_delivered',
  'rate_interval_us',
  'packets_out',
  'retrans_out',
  'total_retrans',
  'segs_in',
  'data_segs_in',
  'segs_out',
  'data_segs_out',
  'lost_out',
  'sacked_out',
];
/** Offset -> field name of struct bpf_tcp_sock. */
export const TCP_SOCK_UAPI: ReadonlyMap<number, string> = new Map([
  ...TCP_SOCK_U32_HEAD.map((f, k): [number, string] => [4 * k, f]),
  [80, 'bytes_received'],
  [88, 'bytes_acked'],
  [96, 'dsack_dups'],
  [100, 'delivered'],
  [104, 'delivered_ce'],
  [108, 'icsk_retransmits'],
]);
/** offsetofend(struct bpf_tcp_sock, icsk_retransmits). */
export const TCP_SOCK_UAPI_END = 112;

/** offsetof(struct bpf_sock_ops, X) — include/uapi/linux/bpf.h (224 bytes). */
export const SockOpsUapi = {
  op: 0,
  args: 4,
  reply: 4,
  replylong: 4,
  family: 20,
  remote_ip4: 24,
  local_ip4: 28,
  remote_ip6: 32,
  local_ip6: 48,
  remote_port: 64,
  local_port: 68,
  is_fullsock: 72,
  snd_cwnd: 76,
  srtt_us: 80,
  bpf_sock_ops_cb_flags: 84,
  state: 88,
  rtt_min: 92,
  snd_ssthresh: 96,
  rcv_nxt: 100,
  snd_nxt: 104,
  snd_una: 108,
  mss_cache: 112,
  ecn_flags: 116,
  rate_delivered: 120,
  rate_interval_us: 124,
  packets_out: 128,
  retrans_out: 132,
  total_retrans: 136,
  segs_in: 140,
  data_segs_in: 144,
  segs_out: 148,
  data_segs_out: 152,
  lost_out: 156,
  sacked_out: 160,
  sk_txhash: 164,
  bytes_received: 168,
  bytes_acked: 176,
  sk: 184,
  skb_data: 192,
  skb_data_end: 200,
  skb_len: 208,
  skb_tcp_flags: 212,
  skb_hwtstamp: 216,
} as const;
export const SOCK_OPS_UAPI_SIZE = 224;

/** offsetof(struct sk_msg_md, X) (80 bytes). */
export const SkMsgUapi = {
  data: 0,
  data_end: 8,
  family: 16,
  remote_ip4: 20,
  local_ip4: 24,
  remote_ip6: 28,
  local_ip6: 44,
  remote_port: 60,
  local_port: 64,
  size: 68,
  sk: 72,
} as const;

/** offsetof(struct sk_reuseport_md, X) (56 bytes). */
export const SkReuseportUapi = {
  data: 0,
  data_end: 8,
  len: 16,
  eth_protocol: 20,
  ip_protocol: 24,
  bind_inany: 28,
  hash: 32,
  sk: 40,
  migrating_sk: 48,
} as const;

/** offsetof(struct bpf_sockopt, X) (40 bytes). */
export const SockoptUapi = { sk: 0, optval: 8, optval_end: 16, level: 24, optname: 28, optlen: 32, retval: 36 } as const;

/** offsetof(struct bpf_sysctl, X) (8 bytes). */
export const SysctlUapi = { write: 0, file_pos: 4 } as const;

/** offsetof(struct bpf_sk_lookup, X) (72 bytes). */
export const SkLookupUapi = {
  sk: 0,
  cookie: 0,
  family: 8,
  protocol: 12,
  remote_ip4: 16,
  remote_ip6: 20,
  remote_port: 36,
  local_ip4: 40,
  local_ip6: 44,
  local_port: 60,
  ingress_ifindex: 64,
} as const;

/** MIN_NAPI_ID = NR_CPUS + 1 for the napi_id rewrite (CONFIG_NR_CPUS=8192 on the 6.18.44 build). */
export const MIN_NAPI_ID = 8193;
/** NO_QUEUE_MAPPING (USHRT_MAX, include/net/sock.h): no recorded queue; skb writes of it to queue_mapping are dropped. */
export const NO_QUEUE_MAPPING = 0xffff;

export interface CtxField {
  /** uapi offset of the field's first byte. */
  off: number;
  /** uapi size in bytes. */
  size: number;
  name: string;
}

/** The __sk_buff fields as (off, size), for access checks and the ctx builder. */
export const SK_BUFF_UAPI_FIELDS: readonly CtxField[] = [
  { name: 'len', off: 0, size: 4 },
  { name: 'pkt_type', off: 4, size: 4 },
  { name: 'mark', off: 8, size: 4 },
  { name: 'queue_mapping', off: 12, size: 4 },
  { name: 'protocol', off: 16, size: 4 },
  { name: 'vlan_present', off: 20, size: 4 },
  { name: 'vlan_tci', off: 24, size: 4 },
  { name: 'vlan_proto', off: 28, size: 4 },
  { name: 'priority', off: 32, size: 4 },
  { name: 'ingress_ifindex', off: 36, size: 4 },
  { name: 'ifindex', off: 40, size: 4 },
  { name: 'tc_index', off: 44, size: 4 },
  { name: 'cb[0]', off: 48, size: 4 },
  { name: 'cb[1]', off: 52, size: 4 },
  { name: 'cb[2]', off: 56, size: 4 },
  { name: 'cb[3]', off: 60, size: 4 },
  { name: 'cb[4]', off: 64, size: 4 },
  { name: 'hash', off: 68, size: 4 },
  { name: 'tc_classid', off: 72, size: 4 },
  { name: 'data', off: 76, size: 4 },
  { name: 'data_end', off: 80, size: 4 },
  { name: 'napi_id', off: 84, size: 4 },
  { name: 'family', off: 88, size: 4 },
  { name: 'remote_ip4', off: 92, size: 4 },
  { name: 'local_ip4', off: 96, size: 4 },
  { name: 'remote_ip6', off: 100, size: 16 },
  { name: 'local_ip6', off: 116, size: 16 },
  { name: 'remote_port', off: 132, size: 4 },
  { name: 'local_port', off: 136, size: 4 },
  { name: 'data_meta', off: 140, size: 4 },
  { name: 'flow_keys', off: 144, size: 8 },
  { name: 'tstamp', off: 152, size: 8 },
  { name: 'wire_len', off: 160, size: 4 },
  { name: 'gso_segs', off: 164, size: 4 },
  { name: 'sk', off: 168, size: 8 },
  { name: 'gso_size', off: 176, size: 4 },
  { name: 'tstamp_type', off: 180, size: 1 },
  { name: 'hwtstamp', off: 184, size: 8 },
];

export const XDP_MD_FIELDS: readonly CtxField[] = [
  { name: 'data', off: 0, size: 4 },
  { name: 'data_end', off: 4, size: 4 },
  { name: 'data_meta', off: 8, size: 4 },
  { name: 'ingress_ifindex', off: 12, size: 4 },
  { name: 'rx_queue_index', off: 16, size: 4 },
  { name: 'egress_ifindex', off: 20, size: 4 },
];

/** The uapi field containing byte `off`, if any. */
export function ctxFieldAt(fields: readonly CtxField[], off: number): CtxField | undefined {
  return fields.find((f) => off >= f.off && off < f.off + f.size);
}
