// Context-access rewriting: convert_ctx_accesses (kernel/bpf/verifier.c, Linux 6.18) with
// each program type's convert_ctx_access. A load or store through the ctx pointer at a uapi
// offset (struct __sk_buff, xdp_md, bpf_sock_addr, ...) becomes the kernel's own access to
// its struct (sk_buff, xdp_buff, bpf_sock_addr_kern, ...), at the offsets of the kernel's BTF
// (kernelLayout.ts). The generic part here is the verifier's: a read narrower than the
// field's ctx_field_size loads the whole field, then shifts and masks to the bytes asked for
// (little endian); an LDSX load sign-extends after the conversion. Program types whose ctx is
// passed raw (kprobe, tracepoint, raw_tracepoint, tracing, ...) have no rewrite.
import type { Insn } from '../bpf/insn.ts';
import { BPF_ALU64, BPF_AND, BPF_LDX, BPF_MEM, BPF_MEMSX, BPF_MOV, BPF_RSH, BPF_X, insnClass, memMode, memSize, sizeBytes } from '../bpf/opcodes.ts';
import type { ProgType } from '../object/types.ts';
import { alu32Imm, alu64Imm, raw, sizeCode, type CtxRewrite } from './ctxInsns.ts';
import { SkBuffUapi, SkMsgUapi, SkReuseportUapi, SockAddrUapi, SockoptUapi } from './ctxLayout.ts';
import { convertSkb, skbFieldSize, uncloneProlog } from './ctxSkb.ts';
import { convertSkMsg, skMsgFieldSize } from './ctxSkMsg.ts';
import { convertSockOps, sockOpsFieldSize } from './ctxSockOps.ts';
import { convertSkReuseport, skReuseportFieldSize } from './ctxSkReuseport.ts';
import { convertPerfEvent, perfEventFieldSize } from './ctxPerfEvent.ts';
import { convertSockopt, sockoptFieldSize } from './ctxSockopt.ts';
import { convertSock, convertSockAddr, convertTcpSock, sockAddrFieldSize, sockFieldSize, tcpSockFieldSize } from './ctxSock.ts';
import { convertXdp, xdpFieldSize } from './ctxXdp.ts';
import { MissingLayout, type KernelLayout } from './kernelLayout.ts';

export type { CtxRewrite } from './ctxInsns.ts';

/** The __sk_buff program types (their ctx is a struct sk_buff). */
const SKB_TYPES: ReadonlySet<ProgType> = new Set<ProgType>([
  'socket_filter',
  'sched_cls',
  'sched_act',
  'cgroup_skb',
  'sk_skb',
  'lwt_in',
  'lwt_out',
  'lwt_xmit',
  'lwt_seg6local',
  'flow_dissector',
]);

export const hasCtxRewrite = (t: ProgType): boolean =>
  SKB_TYPES.has(t) ||
  t === 'xdp' ||
  t === 'cgroup_sock_addr' ||
  t === 'cgroup_sock' ||
  t === 'sk_msg' ||
  t === 'sock_ops' ||
  t === 'cgroup_sockopt' ||
  t === 'perf_event' ||
  t === 'sk_reuseport';

export interface CtxEnv {
  layout: KernelLayout;
  /** prog->tstamp_type_access (tc programs that read __sk_buff.tstamp_type). */
  tstampTypeAccess?: boolean;
}

/** gen_prologue when the program writes packet data (seen_direct_write), if the type has one. */
export function ctxPrologue(progType: ProgType, env: CtxEnv, first: Insn): Insn[] | undefined {
  return uncloneProlog(env.layout, progType, first);
}

/**
 * prog->tstamp_type_access: tc_cls_act_is_valid_access sets it for any access to
 * __sk_buff.tstamp_type, during verification, so before any rewrite.
 */
export function readsTstampType(progType: ProgType, ctxAccesses: Iterable<Insn>): boolean {
  if (progType !== 'sched_cls' && progType !== 'sched_act') return false;
  for (const i of ctxAccesses) if (i.off === SkBuffUapi.tstamp_type) return true;
  return false;
}

/**
 * The ctx offset whose 8-byte load gives a socket pointer the verifier types
 * PTR_TO_SOCKET/PTR_TO_SOCK_COMMON (loads through it are converted as struct bpf_sock).
 */
export function ctxSockOff(progType: ProgType): number | undefined {
  if (SKB_TYPES.has(progType)) return progType === 'flow_dissector' ? undefined : SkBuffUapi.sk;
  if (progType === 'cgroup_sock_addr') return SockAddrUapi.sk;
  if (progType === 'sk_msg') return SkMsgUapi.sk;
  if (progType === 'cgroup_sockopt') return SockoptUapi.sk;
  if (progType === 'sk_reuseport') return SkReuseportUapi.sk;
  return undefined;
}

/** Whether an 8-byte ctx load at `off` gives a socket pointer (sk_reuseport also has migrating_sk, PTR_TO_SOCK_COMMON_OR_NULL). */
export function isCtxSockOff(progType: ProgType, off: number): boolean {
  return off === ctxSockOff(progType) || (progType === 'sk_reuseport' && off === SkReuseportUapi.migrating_sk);
}

/** ctx_field_size of an access (0: whole field only), undefined when it is invalid. */
function fieldSize(progType: ProgType, off: number, size: number, write: boolean): number | undefined {
  if (SKB_TYPES.has(progType)) return skbFieldSize(progType, off, size, write);
  switch (progType) {
    case 'xdp':
      return xdpFieldSize(off, size, write);
    case 'cgroup_sock_addr':
      return sockAddrFieldSize(off, size, write);
    case 'cgroup_sock':
      return sockFieldSize(off, size, write);
    case 'sk_msg':
      return skMsgFieldSize(off, size, write);
    case 'sock_ops':
      return sockOpsFieldSize(off, size, write);
    case 'cgroup_sockopt':
      return sockoptFieldSize(off, size, write);
    case 'perf_event':
      return perfEventFieldSize(off, size, write);
    case 'sk_reuseport':
      return skReuseportFieldSize(off, size, write);
    default:
      return undefined;
  }
}

function convert(progType: ProgType, env: CtxEnv, si: Insn): CtxRewrite {
  if (SKB_TYPES.has(progType)) return convertSkb({ layout: env.layout, progType, tstampTypeAccess: env.tstampTypeAccess ?? false }, si);
  switch (progType) {
    case 'xdp':
      return convertXdp(env.layout, si);
    case 'cgroup_sock_addr':
      return convertSockAddr(env.layout, si);
    case 'cgroup_sock':
      return convertSock(env.layout, si);
    case 'sk_msg':
      return convertSkMsg(env.layout, si);
    case 'sock_ops':
      return convertSockOps(env.layout, si);
    case 'cgroup_sockopt':
      return convertSockopt(env.layout, si);
    case 'perf_event':
      return convertPerfEvent(env.layout, si);
    case 'sk_reuseport':
      return convertSkReuseport(env.layout, si);
    default:
      return { unsupported: `ctx accesses of ${progType} programs` };
  }
}

/** Rewrites one ctx access `si` (LDX, ST or STX through the ctx pointer). */
export function convertCtxAccess(progType: ProgType, si: Insn, env: CtxEnv): CtxRewrite {
  return convertWith(
    si,
    (off, size, write) => fieldSize(progType, off, size, write),
    (ins) => convert(progType, env, ins),
  );
}

/** Rewrites a load through a socket pointer (bpf_sock_convert_ctx_access on PTR_TO_SOCKET). */
export function convertSockAccess(si: Insn, env: CtxEnv): CtxRewrite {
  return convertWith(si, sockFieldSize, (ins) => convertSock(env.layout, ins));
}

/** Rewrites a load through a bpf_tcp_sock pointer (PTR_TO_TCP_SOCK, from bpf_tcp_sock). */
export function convertTcpSockAccess(si: Insn, env: CtxEnv): CtxRewrite {
  return convertWith(si, tcpSockFieldSize, (ins) => convertTcpSock(env.layout, ins));
}

/** convert_ctx_accesses for one insn: narrowing, the type's conversion, shift/mask, LDSX. */
function convertWith(si: Insn, fieldSizeOf: (off: number, size: number, write: boolean) => number | undefined, conv: (si: Insn) => CtxRewrite): CtxRewrite {
  const write = insnClass(si.code) !== BPF_LDX;
  const size = sizeBytes(memSize(si.code));
  const ctxFieldSize = fieldSizeOf(si.off, size, write);
  if (ctxFieldSize === undefined) return { invalid: true };
  const narrow = !write && size < ctxFieldSize;
  // bpf_ctx_off_adjust_machine: fields wider than a machine word are loaded a word at a time.
  const sizeDefault = ctxFieldSize > 8 && ctxFieldSize % 8 === 0 ? 8 : ctxFieldSize;
  const ins = narrow ? { ...si, off: si.off & ~(sizeDefault - 1), code: BPF_LDX | BPF_MEM | sizeCode(ctxFieldSize) } : si;
  let r: CtxRewrite;
  try {
    r = conv(ins);
  } catch (e) {
    if (e instanceof MissingLayout) return { unsupported: `this kernel's ctx rewrite (${e.message})` };
    throw e;
  }
  if (!('insns' in r)) return r;
  const out = r.insns.slice();
  const target = r.target ?? 0;
  if (narrow && size < target) {
    const shift = (si.off & (sizeDefault - 1)) * 8;
    const mask = size >= 4 ? -1 : (1 << (size * 8)) - 1;
    if (ctxFieldSize <= 4) {
      if (shift) out.push(alu32Imm(BPF_RSH, si.dst, shift));
      out.push(alu32Imm(BPF_AND, si.dst, mask));
    } else {
      if (shift) out.push(alu64Imm(BPF_RSH, si.dst, shift));
      out.push(alu64Imm(BPF_AND, si.dst, mask));
    }
  }
  if (!write && memMode(si.code) === BPF_MEMSX) out.push(raw(BPF_ALU64 | BPF_MOV | BPF_X, si.dst, si.dst, size * 8, 0));
  return { insns: out };
}
