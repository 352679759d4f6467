// `struct __sk_buff` -> `struct sk_buff` (net/core/filter.c, Linux 6.18): bpf_convert_ctx_access
// (socket filter, cgroup_skb, lwt_*), tc_cls_act_convert_ctx_access (tc: ifindex without the
// NULL check), sk_skb_convert_ctx_access (data_end from tcp_skb_cb), and
// flow_dissector_convert_ctx_access (ctx is a struct bpf_flow_dissector). Offsets come from
// the kernel layout (kernelLayout.ts); the uapi offsets are ABI.
import type { Insn } from '../bpf/insn.ts';
import {
  BPF_ADD,
  BPF_AND,
  BPF_B,
  BPF_CALL,
  BPF_DW,
  BPF_EXIT,
  BPF_H,
  BPF_JEQ,
  BPF_JGE,
  BPF_JMP,
  BPF_JSET,
  BPF_LDX,
  BPF_LSH,
  BPF_ST,
  BPF_SUB,
  BPF_STX,
  BPF_W,
  BPF_XOR,
  insnClass,
  memSize,
} from '../bpf/opcodes.ts';
import type { ProgType } from '../object/types.ts';
import { alu32Imm, alu64Reg, emitStore, ja, jmp32Imm, jmpImm, ldx, mov32Imm, mov64Imm, mov64Reg, raw, sizeCode, stx, type CtxRewrite } from './ctxInsns.ts';
import { MIN_NAPI_ID, NO_QUEUE_MAPPING, SkBuffUapi as U } from './ctxLayout.ts';
import { offOf, type KernelLayout } from './kernelLayout.ts';
import { BPF_REG_AX } from '../bpf/registers.ts';
import { BPF_FUNC } from '../bpf/helperIds.ts';

/** PKT_TYPE_MAX: pkt_type:3 in the low bits of its byte (little-endian bitfields). */
const PKT_TYPE_MAX = 7;
/** The byte at __mono_tc_offset (6.11+): tstamp_type:2 (bits 0-1), tc_at_ingress:1 (bit 2). */
const SKB_TSTAMP_TYPE_MASK = 3;
const TC_AT_INGRESS_MASK = 4;
/** CLONED_MASK: skb->cloned is bit 0 of the byte at __cloned_offset. */
const CLONED_MASK = 1;
/** The unclone prologue's verdict when pulling fails: TC_ACT_SHOT (tc, lwt_xmit), SK_DROP (sk_skb). */
const TC_ACT_SHOT = 2;
const SK_DROP = 0;

export const isTc = (t: ProgType): boolean => t === 'sched_cls' || t === 'sched_act';

/**
 * bpf_unclone_prologue (tc_cls_act_prologue, sk_skb_prologue; lwt_xmit uses tc's): a program
 * that writes packet data first makes a cloned skb's head private: `if (!skb->cloned) goto
 * start; if (!bpf_skb_pull_data(skb, 0)) goto restore; return DROP; restore: r1 = r6;
 * start: <first insn>`.
 */
export function uncloneProlog(l: KernelLayout, progType: ProgType, first: Insn): Insn[] | undefined {
  const verdict = isTc(progType) || progType === 'lwt_xmit' ? TC_ACT_SHOT : progType === 'sk_skb' ? SK_DROP : undefined;
  if (verdict === undefined) return undefined;
  return [
    ldx(BPF_B, 6, 1, offOf(l, 'sk_buff.__cloned_offset')),
    alu32Imm(BPF_AND, 6, CLONED_MASK),
    jmpImm(BPF_JEQ, 6, 0, 7),
    mov64Reg(6, 1),
    alu64Reg(BPF_XOR, 2, 2),
    raw(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC.skb_pull_data),
    jmpImm(BPF_JEQ, 0, 0, 2),
    mov32Imm(0, verdict),
    raw(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
    mov64Reg(1, 6),
    first,
  ];
}

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;

/**
 * is_valid_access's ctx_field_size for an __sk_buff access (bpf_skb_is_valid_access and the
 * per-type wrappers): 4 for the u32 fields (narrow reads allowed), 0 for whole-field-only
 * ones; undefined when the access is invalid.
 */
export function skbFieldSize(progType: ProgType, off: number, size: number, write: boolean): number | undefined {
  if (off < 0 || off + size > 192 || off % size !== 0) return undefined;
  if (progType === 'flow_dissector') {
    if (write) return undefined;
    if (off === U.data || off === U.data_end) return size === 4 ? 0 : undefined;
    if (off === U.flow_keys) return size === 8 ? 0 : undefined;
    return undefined;
  }
  if (inRange(off, U.cb, 20)) return 0;
  switch (off) {
    case U.data:
    case U.data_meta:
    case U.data_end:
      return size === 4 && !write ? 0 : undefined;
    case U.flow_keys:
    case U.tstamp:
    case U.hwtstamp:
      return size === 8 ? 0 : undefined;
    case U.sk:
      return size === 8 && !write ? 0 : undefined;
    case U.tstamp_type:
      return size === 1 && !write ? 0 : undefined;
  }
  if (inRange(off, U.tstamp_type + 1, U.hwtstamp - U.tstamp_type - 1)) return undefined;
  if (write) return size === 4 ? 4 : undefined;
  return 4;
}

/** Whether the program type may write `off` (the write lists of the *_is_valid_access). */
export function skbWritable(progType: ProgType, off: number): boolean {
  if (inRange(off, U.cb, 20)) return true;
  switch (off) {
    case U.mark:
    case U.priority:
      return (progType !== 'socket_filter' && progType !== 'sk_skb') || (progType === 'sk_skb' && off === U.priority);
    case U.tc_index:
      return isTc(progType) || progType === 'sk_skb';
    case U.tc_classid:
    case U.queue_mapping:
      return isTc(progType);
    case U.tstamp:
      return isTc(progType) || progType === 'cgroup_skb';
  }
  return false;
}

export interface SkbEnv {
  layout: KernelLayout;
  progType: ProgType;
  /** prog->tstamp_type_access: the program reads __sk_buff.tstamp_type somewhere. */
  tstampTypeAccess: boolean;
}

/** One __sk_buff access, after the generic narrowing of convert_ctx_accesses. */
export function convertSkb(env: SkbEnv, si: Insn): CtxRewrite {
  const { layout: l, progType } = env;
  const write = insnClass(si.code) !== BPF_LDX;
  if (write && !skbWritable(progType, si.off)) return { invalid: true };
  if (progType === 'flow_dissector') return convertFlowDissector(l, si);
  if (isTc(progType) && si.off === U.ifindex) {
    return { insns: [ldx(BPF_DW, si.dst, si.src, offOf(l, 'sk_buff.dev')), ldx(BPF_W, si.dst, si.dst, offOf(l, 'net_device.ifindex'))], target: 4 };
  }
  if (progType === 'sk_skb' && si.off === U.data_end) return { insns: dataEndSkSkb(l, si) };
  if (progType === 'sk_skb' && inRange(si.off, U.cb, 20)) {
    // sk_skb's cb[] lives in struct sk_skb_cb's data, not qdisc_skb_cb's.
    const off = si.off - U.cb + offOf(l, 'sk_buff.cb') + offOf(l, 'sk_skb_cb.data');
    return { insns: [write ? emitStore(memSize(si.code), si, off) : ldx(memSize(si.code), si.dst, si.src, off)] };
  }
  return bpfConvertSkb(env, si, write);
}

function bpfConvertSkb(env: SkbEnv, si: Insn, write: boolean): CtxRewrite {
  const l = env.layout;
  const d = si.dst;
  const s = si.src;
  const skb = (f: string): number => offOf(l, `sk_buff.${f}`);
  /** A plain load or store of sk_buff.f (bpf_target_off: target = the field's size). */
  const plain = (f: string, bytes: number, canWrite = false): CtxRewrite => ({
    insns: [write && canWrite ? emitStore(sizeCode(bytes), si, skb(f)) : ldx(sizeCode(bytes), d, s, skb(f))],
    target: bytes,
  });
  const viaSk = (insn: Insn, extra: Insn[] = [], target = 4): CtxRewrite => ({ insns: [ldx(BPF_DW, d, s, skb('sk')), insn, ...extra], target });
  const sc = (f: string): number => offOf(l, `sock_common.${f}`);
  const shinfo = (): Insn[] => [ldx(BPF_W, BPF_REG_AX, s, skb('end')), ldx(BPF_DW, d, s, skb('head')), alu64Reg(BPF_ADD, d, BPF_REG_AX)];

  if (inRange(si.off, U.cb, 20)) {
    const off = si.off - U.cb + skb('cb') + offOf(l, 'qdisc_skb_cb.data');
    return { insns: [write ? emitStore(memSize(si.code), si, off) : ldx(memSize(si.code), d, s, off)] };
  }
  if (inRange(si.off, U.remote_ip6, 16)) return viaSk(ldx(BPF_W, d, d, sc('skc_v6_daddr') + si.off - U.remote_ip6), [], 0);
  if (inRange(si.off, U.local_ip6, 16)) return viaSk(ldx(BPF_W, d, d, sc('skc_v6_rcv_saddr') + si.off - U.local_ip6), [], 0);
  switch (si.off) {
    case U.len:
      return plain('len', 4);
    case U.protocol:
      return plain('protocol', 2);
    case U.vlan_proto:
      return plain('vlan_proto', 2);
    case U.priority:
      return plain('priority', 4, true);
    case U.ingress_ifindex:
      return plain('skb_iif', 4);
    case U.ifindex:
      return { insns: [ldx(BPF_DW, d, s, skb('dev')), jmpImm(BPF_JEQ, d, 0, 1), ldx(BPF_W, d, d, offOf(l, 'net_device.ifindex'))], target: 4 };
    case U.hash:
      return plain('hash', 4);
    case U.mark:
      return plain('mark', 4, true);
    case U.pkt_type:
      return { insns: [ldx(BPF_B, d, s, skb('__pkt_type_offset')), alu32Imm(BPF_AND, d, PKT_TYPE_MAX)], target: 1 };
    case U.queue_mapping: {
      if (!write) return plain('queue_mapping', 2);
      if (insnClass(si.code) === BPF_ST && si.imm >>> 0 >= NO_QUEUE_MAPPING) return { insns: [ja(0)], target: 2 };
      const st = emitStore(BPF_H, si, skb('queue_mapping'));
      return { insns: insnClass(si.code) === BPF_STX ? [jmpImm(BPF_JGE, si.src, NO_QUEUE_MAPPING, 1), st] : [st], target: 2 };
    }
    case U.vlan_present:
      return { insns: [ldx(BPF_W, d, s, skb('vlan_all')), jmpImm(BPF_JEQ, d, 0, 1), mov32Imm(d, 1)], target: 4 };
    case U.vlan_tci:
      return plain('vlan_tci', 2);
    case U.tc_classid: {
      const off = skb('cb') + offOf(l, 'qdisc_skb_cb.tc_classid');
      return { insns: [write ? emitStore(BPF_H, si, off) : ldx(BPF_H, d, s, off)], target: 2 };
    }
    case U.data:
      return { insns: [ldx(BPF_DW, d, s, skb('data'))] };
    case U.data_meta:
      return { insns: [ldx(BPF_DW, d, s, skb('cb') + offOf(l, 'bpf_skb_data_end.data_meta'))] };
    case U.data_end:
      return { insns: [ldx(BPF_DW, d, s, skb('cb') + offOf(l, 'bpf_skb_data_end.data_end'))] };
    case U.tc_index:
      return plain('tc_index', 2, true);
    case U.napi_id:
      return { insns: [ldx(BPF_W, d, s, skb('napi_id')), jmpImm(BPF_JGE, d, MIN_NAPI_ID, 1), mov64Imm(d, 0)], target: 4 };
    case U.family:
      return viaSk(ldx(BPF_H, d, d, sc('skc_family')), [], 2);
    case U.remote_ip4:
      return viaSk(ldx(BPF_W, d, d, sc('skc_daddr')));
    case U.local_ip4:
      return viaSk(ldx(BPF_W, d, d, sc('skc_rcv_saddr')));
    case U.remote_port:
      return viaSk(ldx(BPF_H, d, d, sc('skc_dport')), [alu32Imm(BPF_LSH, d, 16)], 2);
    case U.local_port:
      return viaSk(ldx(BPF_H, d, d, sc('skc_num')), [], 2);
    case U.tstamp:
      return { insns: write ? tstampWrite(env, si) : tstampRead(env, si) };
    case U.tstamp_type:
      return { insns: [ldx(BPF_B, d, s, skb('__mono_tc_offset')), alu32Imm(BPF_AND, d, SKB_TSTAMP_TYPE_MASK)] };
    case U.gso_segs:
      return { insns: [...shinfo(), ldx(BPF_H, d, d, offOf(l, 'skb_shared_info.gso_segs'))], target: 2 };
    case U.gso_size:
      return { insns: [...shinfo(), ldx(BPF_H, d, d, offOf(l, 'skb_shared_info.gso_size'))], target: 2 };
    case U.hwtstamp:
      return { insns: [...shinfo(), ldx(BPF_DW, d, d, offOf(l, 'skb_shared_info.hwtstamps'))], target: 8 };
    case U.wire_len:
      return { insns: [ldx(BPF_W, d, s, skb('cb') + offOf(l, 'qdisc_skb_cb.pkt_len'))], target: 4 };
    case U.sk:
      return { insns: [ldx(BPF_DW, d, s, skb('sk'))] };
  }
  return { unsupported: `the __sk_buff access at offset ${si.off}` };
}

/**
 * bpf_convert_tstamp_read (CONFIG_NET_XGRESS): unless the program reads tstamp_type, a tc
 * ingress skb with a delivery time reads as 0; AX holds the flags byte.
 */
function tstampRead(env: SkbEnv, si: Insn): Insn[] {
  const mono = offOf(env.layout, 'sk_buff.__mono_tc_offset');
  const out: Insn[] = [];
  if (!env.tstampTypeAccess) {
    out.push(
      ldx(BPF_B, BPF_REG_AX, si.src, mono),
      jmp32Imm(BPF_JSET, BPF_REG_AX, TC_AT_INGRESS_MASK, 1),
      ja(4),
      jmp32Imm(BPF_JSET, BPF_REG_AX, SKB_TSTAMP_TYPE_MASK, 1),
      ja(2),
      mov64Imm(si.dst, 0),
      ja(1),
    );
  }
  out.push(ldx(BPF_DW, si.dst, si.src, offOf(env.layout, 'sk_buff.tstamp')));
  return out;
}

/** bpf_convert_tstamp_write: writing at ingress also clears tstamp_type. */
function tstampWrite(env: SkbEnv, si: Insn): Insn[] {
  const mono = offOf(env.layout, 'sk_buff.__mono_tc_offset');
  const out: Insn[] = [];
  if (!env.tstampTypeAccess) {
    out.push(
      ldx(BPF_B, BPF_REG_AX, si.dst, mono),
      jmp32Imm(BPF_JSET, BPF_REG_AX, TC_AT_INGRESS_MASK, 1),
      ja(2),
      alu32Imm(BPF_AND, BPF_REG_AX, ~SKB_TSTAMP_TYPE_MASK),
      stx(BPF_B, si.dst, BPF_REG_AX, mono),
    );
  }
  out.push(emitStore(BPF_DW, si, offOf(env.layout, 'sk_buff.tstamp')));
  return out;
}

/**
 * bpf_convert_data_end_access (sk_skb): data + skb_headlen(), with AX as scratch; when the
 * access overwrites its own source, r9 (r8, r7) holds the result, parked in sk_skb_cb.temp_reg.
 */
function dataEndSkSkb(l: KernelLayout, si: Insn): Insn[] {
  const tempOff = offOf(l, 'sk_buff.cb') + offOf(l, 'sk_skb_cb.temp_reg');
  const out: Insn[] = [];
  let reg = si.dst;
  if (si.src === si.dst) {
    reg = 9;
    if (si.src === reg || si.dst === reg) reg--;
    if (si.src === reg || si.dst === reg) reg--;
    out.push(stx(BPF_DW, si.src, reg, tempOff));
  }
  out.push(
    ldx(BPF_DW, reg, si.src, offOf(l, 'sk_buff.data')),
    ldx(BPF_W, BPF_REG_AX, si.src, offOf(l, 'sk_buff.len')),
    alu64Reg(BPF_ADD, reg, BPF_REG_AX),
    ldx(BPF_W, BPF_REG_AX, si.src, offOf(l, 'sk_buff.data_len')),
    alu64Reg(BPF_SUB, reg, BPF_REG_AX),
  );
  if (si.src === si.dst) out.push(mov64Reg(BPF_REG_AX, si.src), mov64Reg(si.dst, reg), ldx(BPF_DW, reg, BPF_REG_AX, tempOff));
  return out;
}

/** flow_dissector_convert_ctx_access: the ctx is a struct bpf_flow_dissector. */
function convertFlowDissector(l: KernelLayout, si: Insn): CtxRewrite {
  const f = (name: string): Insn => ldx(BPF_DW, si.dst, si.src, offOf(l, `bpf_flow_dissector.${name}`));
  switch (si.off) {
    case U.data:
      return { insns: [f('data')] };
    case U.data_end:
      return { insns: [f('data_end')] };
    case U.flow_keys:
      return { insns: [f('flow_keys')] };
  }
  return { invalid: true };
}
