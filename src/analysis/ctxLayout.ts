// The program-visible ("uapi") context structs of include/uapi/linux/bpf.h that the
// verifier's ctx-access rewrites translate from: `struct __sk_buff`, `struct xdp_md`,
// `struct bpf_sock_addr`, ... Their offsets are ABI (fixed across kernels), so they are
// written here; the kernel-side structs they become (`struct sk_buff`, `struct xdp_buff`,
// `struct sock`, ...) differ per kernel and build and come from its BTF (kernelLayout.ts).

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

/** MIN_NAPI_ID = NR_CPUS + 1 for the napi_id rewrite (CONFIG_NR_CPUS=8192 on the 6.18.44 build). */
export const MIN_NAPI_ID = 8193;
/** NO_QUEUE_MAPPING (USHRT_MAX, include/net/sock.h): no recorded queue; skb writes of it to queue_mapping are dropped. */
export const NO_QUEUE_MAPPING = 0xffff;
