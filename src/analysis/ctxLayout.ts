// Context layouts the verifier's ctx-access rewrites target (convert_ctx_accesses ->
// bpf_convert_ctx_access / tc_cls_act_convert_ctx_access / xdp_convert_ctx_access in
// net/core/filter.c). A program reads `struct __sk_buff` / `struct xdp_md` (uapi); the
// kernel rewrites each access to the real `struct sk_buff` / `struct xdp_buff`, so the
// JITed code (and the emulated kernel memory) uses the offsets below.
//
// Kernel modelled: Linux 6.18.44 x86-64 (the kernel whose JIT output is in
// ../shared/testdata/kernel-selftests/kernel-jited-6.18.json).
//
// Where the numbers come from:
//  [bytes]  read off the 6.18 JIT output: `mov eax, dword [rbx+0x70]` (8b 43 70) for
//           `r0 = *(u32 *)(r6 + 0)` (skb->len) in tailcall_bpf2bpf1/3/4 entry and
//           subprogs, and `mov eax, [rdi+0x70]` in tailcall_bpf2bpf3 classifier_1.
//  [source] computed from include/linux/skbuff.h (struct sk_buff, 6.x: headers group
//           after len/data_len/mac_len/hdr_len/queue_mapping/flags byte/active_extensions)
//           with a distro-like config (NF_CONNTRACK, SKB_EXTENSIONS, NET_SCHED/XGRESS,
//           NET_RX_BUSY_POLL, NETWORK_SECMARK on; KCOV off), anchored at len = 112 [bytes].
//           sizeof(struct sk_buff) = 232 under that config. Not visible in the selftests'
//           bytes: only consistency with the emulated kernel (src/kernel) matters for them.
//  [model]  no kernel fact available; bpfdbg's own stand-in struct (net_device).
// The emulated kernel lays out its guest sk_buff/xdp_buff with these same constants.

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

/** offsetof(struct sk_buff, X), Linux 6.18 x86-64 (see the header for [bytes]/[source]). */
export const SkBuff = {
  next: 0,
  prev: 8,
  dev: 16, // struct net_device *
  sk: 24,
  tstamp: 32, // ktime_t
  cb: 40, // char cb[48] __aligned(8)
  _skb_refdst: 88,
  destructor: 96,
  _nfct: 104,
  len: 112, // [bytes]
  data_len: 116,
  mac_len: 120,
  hdr_len: 122,
  queue_mapping: 124,
  clonedFlags: 126, // __cloned_offset: cloned, nohdr, fclone, peeked, head_frag, pfmemalloc, pp_recycle
  active_extensions: 127,
  /** PKT_TYPE_OFFSET: pkt_type:3 in the low bits (little endian), PKT_TYPE_MAX = 7. */
  pkt_type: 128,
  /** __mono_tc_offset: tstamp_type:2, tc_at_ingress:1, tc_skip_classify:1 (6.11+). */
  mono_tc: 129,
  tc_index: 134, // __u16
  alloc_cpu: 136,
  csum: 140,
  priority: 144,
  skb_iif: 148,
  hash: 152,
  /** union { u32 vlan_all; struct { __be16 vlan_proto; __u16 vlan_tci; } } (6.2+). */
  vlan_all: 156,
  vlan_proto: 156,
  vlan_tci: 158,
  napi_id: 160,
  secmark: 164,
  mark: 168,
  inner_protocol: 172,
  inner_transport_header: 174,
  inner_network_header: 176,
  inner_mac_header: 178,
  protocol: 180, // __be16
  transport_header: 182,
  network_header: 184,
  mac_header: 186,
  tail: 188, // sk_buff_data_t = unsigned int on 64-bit (offset from head)
  end: 192,
  head: 200,
  data: 208,
  truesize: 216,
  users: 220,
  extensions: 224,
} as const;

/** sizeof(struct sk_buff) under the modelled config. */
export const SK_BUFF_SIZE = 232;

/**
 * struct qdisc_skb_cb lives at the start of skb->cb: { u32 pkt_len; u16
 * slave_dev_queue_mapping; u16 tc_classid; u8 data[QDISC_CB_PRIV_LEN = 20]; } (28 bytes).
 * struct bpf_skb_data_end { struct qdisc_skb_cb qdisc_cb; void *data_meta; void *data_end; }
 * overlays it, so data_meta/data_end sit at cb+32/cb+40.
 */
export const QdiscSkbCb = { pkt_len: 0, slave_dev_queue_mapping: 4, tc_classid: 6, data: 8, size: 28 } as const;
export const BpfSkbDataEnd = { data_meta: 32, data_end: 40 } as const;

/** __sk_buff.cb[0..4] -> skb->cb + offsetof(qdisc_skb_cb, data): 20 bytes of BPF scratch. */
export const SKB_CB_BPF_OFF = SkBuff.cb + QdiscSkbCb.data;

/** offsetof(struct xdp_buff, X) (include/net/xdp.h, 6.18). */
export const XdpBuff = {
  data: 0,
  data_end: 8,
  data_meta: 16,
  data_hard_start: 24,
  rxq: 32, // struct xdp_rxq_info *
  txq: 40, // struct xdp_txq_info *
  frame_sz: 48,
  flags: 52,
} as const;
export const XDP_BUFF_SIZE = 56;

/** struct xdp_rxq_info { struct net_device *dev; u32 queue_index; ... } (cacheline aligned). */
export const XdpRxqInfo = { dev: 0, queue_index: 8, size: 64 } as const;
/** struct xdp_txq_info { struct net_device *dev; }. */
export const XdpTxqInfo = { dev: 0, size: 8 } as const;

/**
 * [model] bpfdbg's stand-in for struct net_device: only `ifindex` is read by rewritten
 * ctx accesses (__sk_buff.ifindex, xdp_md.ingress_ifindex/egress_ifindex). The real
 * offset depends on the config and is never visible in the selftests' JIT bytes.
 */
export const NetDevice = { ifindex: 0x100, size: 0x200 } as const;

/** MIN_NAPI_ID = NR_CPUS + 1 for the napi_id rewrite (config-dependent; [model]). */
export const MIN_NAPI_ID = 8193;

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
