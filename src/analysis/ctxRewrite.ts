// Context-access rewriting (convert_ctx_accesses in kernel/bpf/verifier.c with the
// program type's convert_ctx_access from net/core/filter.c, Linux 6.18): a load or store
// through the ctx pointer at a uapi offset (struct __sk_buff / struct xdp_md) becomes the
// kernel's own access to struct sk_buff / struct xdp_buff, plus the narrow-load shift and
// mask when the program reads part of a field. Program types whose ctx is passed raw
// (kprobe, tracepoint, raw_tracepoint, tracing...) have no rewrite.
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ALU, BPF_ALU64, BPF_AND, BPF_B, BPF_CALL, BPF_DW, BPF_EXIT, BPF_H, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JMP, BPF_K,
  BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOV, BPF_RSH, BPF_ST, BPF_STX, BPF_W, BPF_X, BPF_XOR, insnClass, memMode, memSize,
  sizeBytes,
} from '../bpf/opcodes.ts';
import type { ProgType } from '../object/types.ts';
import {
  BpfSkbDataEnd, MIN_NAPI_ID, NetDevice, QdiscSkbCb, SkBuff, SkBuffUapi as U, SK_BUFF_UAPI_FIELDS,
  SKB_CB_BPF_OFF, XdpBuff, XdpMdUapi as X, XdpRxqInfo, XdpTxqInfo, ctxFieldAt,
} from './ctxLayout.ts';

const raw = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const ldx = (size: number, dst: number, src: number, off: number): Insn => raw(BPF_LDX | BPF_MEM | size, dst, src, off, 0);
/** BPF_EMIT_STORE: keeps ST (imm) vs STX (reg) form of the original store. */
const store = (size: number, si: Insn, off: number): Insn => raw(insnClass(si.code) | size | BPF_MEM, si.dst, si.src, off, si.imm);
const jmpImm = (op: number, dst: number, imm: number, off: number): Insn => raw(BPF_JMP | op | BPF_K, dst, 0, off, imm);

/** NO_QUEUE_MAPPING (USHRT_MAX): writes of it to queue_mapping are dropped. */
const NO_QUEUE_MAPPING = 0xffff;
/** PKT_TYPE_MAX: pkt_type:3 in the low bits of its byte (little endian). */
const PKT_TYPE_MAX = 7;

/** TC_ACT_SHOT: the verdict of the unclone prologue when pulling the data fails. */
const TC_ACT_SHOT = 2;
/** BPF_FUNC_skb_pull_data */
const BPF_FUNC_skb_pull_data = 39;
/** CLONED_MASK: skb->cloned is bit 0 of the byte at CLONED_OFFSET (little endian). */
const CLONED_MASK = 1;

/**
 * tc_cls_act_prologue -> bpf_unclone_prologue (net/core/filter.c): a tc program that
 * writes packet data directly first makes a cloned skb's head private:
 * `if (!skb->cloned) goto start; if (!bpf_skb_pull_data(skb, 0)) goto restore; return
 * TC_ACT_SHOT; restore: r1 = r6; start: <first insn>`.
 */
export function tcUnclonePrologue(first: Insn): Insn[] {
  return [
    ldx(BPF_B, 6, 1, SkBuff.clonedFlags),
    raw(BPF_ALU | BPF_AND | BPF_K, 6, 0, 0, CLONED_MASK),
    jmpImm(BPF_JEQ, 6, 0, 7),
    raw(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
    raw(BPF_ALU64 | BPF_XOR | BPF_X, 2, 2, 0, 0),
    raw(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_pull_data),
    jmpImm(BPF_JEQ, 0, 0, 2),
    raw(BPF_ALU | BPF_MOV | BPF_K, 0, 0, 0, TC_ACT_SHOT),
    raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    raw(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
    first,
  ];
}

export type CtxRewrite = { insns: Insn[] } | { invalid: true } | { unsupported: string };

export const hasCtxRewrite = (t: ProgType): boolean =>
  t === 'sched_cls' || t === 'sched_act' || t === 'socket_filter' || t === 'xdp';

/** Rewrites one ctx access `si` (LDX, ST or STX through the ctx pointer). */
export function convertCtxAccess(progType: ProgType, si: Insn): CtxRewrite {
  if (progType === 'xdp') return convertXdp(si);
  return convertSkb(progType, si);
}

function convertXdp(si: Insn): CtxRewrite {
  const cls = insnClass(si.code);
  const size = sizeBytes(memSize(si.code));
  // xdp_is_valid_access: read-only, exactly 4-byte aligned u32 accesses.
  if (cls !== BPF_LDX || size !== 4 || si.off % 4 !== 0 || si.off < 0 || si.off >= 24) return { invalid: true };
  const d = si.dst;
  const s = si.src;
  switch (si.off) {
    case X.data: return { insns: [ldx(BPF_DW, d, s, XdpBuff.data)] };
    case X.data_meta: return { insns: [ldx(BPF_DW, d, s, XdpBuff.data_meta)] };
    case X.data_end: return { insns: [ldx(BPF_DW, d, s, XdpBuff.data_end)] };
    case X.ingress_ifindex:
      return { insns: [ldx(BPF_DW, d, s, XdpBuff.rxq), ldx(BPF_DW, d, d, XdpRxqInfo.dev), ldx(BPF_W, d, d, NetDevice.ifindex)] };
    case X.rx_queue_index:
      return { insns: [ldx(BPF_DW, d, s, XdpBuff.rxq), ldx(BPF_W, d, d, XdpRxqInfo.queue_index)] };
    case X.egress_ifindex:
      return { insns: [ldx(BPF_DW, d, s, XdpBuff.txq), ldx(BPF_DW, d, d, XdpTxqInfo.dev), ldx(BPF_W, d, d, NetDevice.ifindex)] };
  }
  return { invalid: true };
}

const TC_WRITABLE = new Set(['mark', 'priority', 'tc_index', 'queue_mapping', 'tc_classid', 'cb[0]', 'cb[1]', 'cb[2]', 'cb[3]', 'cb[4]']);
const SOCK_WRITABLE = new Set(['cb[0]', 'cb[1]', 'cb[2]', 'cb[3]', 'cb[4]']);
const PKT_FIELDS = new Set(['data', 'data_end', 'data_meta']);

function convertSkb(progType: ProgType, si0: Insn): CtxRewrite {
  const cls = insnClass(si0.code);
  const write = cls !== BPF_LDX;
  const size = sizeBytes(memSize(si0.code));
  const f = ctxFieldAt(SK_BUFF_UAPI_FIELDS, si0.off);
  if (!f || si0.off + size > f.off + f.size) return { invalid: true };
  const tc = progType === 'sched_cls' || progType === 'sched_act';
  if (write && !(tc ? TC_WRITABLE : SOCK_WRITABLE).has(f.name)) return { invalid: true };
  if (PKT_FIELDS.has(f.name) && (!tc || size !== 4)) return { invalid: true };
  if (f.name === 'wire_len' && !tc) return { invalid: true };

  // cb[]: any size inside cb[0..4], converted with the access's own size (no narrowing).
  if (f.name.startsWith('cb[')) {
    const off = SKB_CB_BPF_OFF + (si0.off - U.cb);
    return { insns: [write ? store(memSize(si0.code), si0, off) : ldx(memSize(si0.code), si0.dst, si0.src, off)] };
  }
  if (f.size === 8) {
    if (f.name === 'sk' && !write && size === 8) return { insns: [ldx(BPF_DW, si0.dst, si0.src, SkBuff.sk)] };
    return { unsupported: `the __sk_buff field ${f.name}` };
  }
  // Default u32 fields: narrow reads allowed when aligned to their size; writes are whole.
  const fieldSize = 4;
  let si = si0;
  const narrow = !write && size < fieldSize && !PKT_FIELDS.has(f.name);
  if (write && size !== fieldSize) return { invalid: true };
  if (narrow) {
    if (si0.off % size !== 0) return { invalid: true };
    si = { ...si0, off: si0.off & ~(fieldSize - 1), code: BPF_LDX | BPF_MEM | BPF_W };
  }
  const d = si.dst;
  const s = si.src;
  let out: Insn[];
  let target: number;
  switch (si.off) {
    case U.len: out = [ldx(BPF_W, d, s, SkBuff.len)]; target = 4; break;
    case U.pkt_type: out = [ldx(BPF_B, d, s, SkBuff.pkt_type), raw(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, PKT_TYPE_MAX)]; target = 1; break;
    case U.mark: out = [write ? store(BPF_W, si, SkBuff.mark) : ldx(BPF_W, d, s, SkBuff.mark)]; target = 4; break;
    case U.queue_mapping:
      target = 2;
      if (!write) out = [ldx(BPF_H, d, s, SkBuff.queue_mapping)];
      else if (insnClass(si.code) === BPF_ST && si.imm >>> 0 >= NO_QUEUE_MAPPING) out = [raw(BPF_JMP | BPF_JA, 0, 0, 0, 0)];
      else if (insnClass(si.code) === BPF_STX) out = [jmpImm(BPF_JGE, si.src, NO_QUEUE_MAPPING, 1), store(BPF_H, si, SkBuff.queue_mapping)];
      else out = [store(BPF_H, si, SkBuff.queue_mapping)];
      break;
    case U.protocol: out = [ldx(BPF_H, d, s, SkBuff.protocol)]; target = 2; break;
    case U.vlan_present:
      out = [ldx(BPF_W, d, s, SkBuff.vlan_all), jmpImm(BPF_JEQ, d, 0, 1), raw(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, 1)];
      target = 1;
      break;
    case U.vlan_tci: out = [ldx(BPF_H, d, s, SkBuff.vlan_tci)]; target = 2; break;
    case U.vlan_proto: out = [ldx(BPF_H, d, s, SkBuff.vlan_proto)]; target = 2; break;
    case U.priority: out = [write ? store(BPF_W, si, SkBuff.priority) : ldx(BPF_W, d, s, SkBuff.priority)]; target = 4; break;
    case U.ingress_ifindex: out = [ldx(BPF_W, d, s, SkBuff.skb_iif)]; target = 4; break;
    case U.ifindex:
      out = [ldx(BPF_DW, d, s, SkBuff.dev), jmpImm(BPF_JEQ, d, 0, 1), ldx(BPF_W, d, d, NetDevice.ifindex)];
      target = 4;
      break;
    case U.tc_index: out = [write ? store(BPF_H, si, SkBuff.tc_index) : ldx(BPF_H, d, s, SkBuff.tc_index)]; target = 2; break;
    case U.hash: out = [ldx(BPF_W, d, s, SkBuff.hash)]; target = 4; break;
    case U.tc_classid: {
      const off = SkBuff.cb + QdiscSkbCb.tc_classid;
      out = [write ? store(BPF_H, si, off) : ldx(BPF_H, d, s, off)];
      target = 2;
      break;
    }
    case U.data: out = [ldx(BPF_DW, d, s, SkBuff.data)]; target = 8; break;
    case U.data_meta: out = [ldx(BPF_DW, d, s, SkBuff.cb + BpfSkbDataEnd.data_meta)]; target = 8; break;
    case U.data_end: out = [ldx(BPF_DW, d, s, SkBuff.cb + BpfSkbDataEnd.data_end)]; target = 8; break;
    case U.napi_id:
      out = [ldx(BPF_W, d, s, SkBuff.napi_id), jmpImm(BPF_JGE, d, MIN_NAPI_ID, 1), raw(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, 0)];
      target = 4;
      break;
    case U.wire_len: out = [ldx(BPF_W, d, s, SkBuff.cb + QdiscSkbCb.pkt_len)]; target = 4; break;
    default:
      return { unsupported: `the __sk_buff field ${f.name}` };
  }
  if (narrow && size < target) {
    const shift = (si0.off & (fieldSize - 1)) * 8;
    if (shift) out.push(raw(BPF_ALU | BPF_RSH | BPF_K, d, 0, 0, shift));
    out.push(raw(BPF_ALU | BPF_AND | BPF_K, d, 0, 0, size === 4 ? -1 : (1 << (size * 8)) - 1));
  }
  if (!write && memMode(si0.code) === BPF_MEMSX) out.push(raw(BPF_ALU64 | BPF_MOV | BPF_X, d, d, size * 8, 0));
  return { insns: out };
}
