// Socket contexts (net/core/filter.c, Linux 6.18):
//  - `struct bpf_sock` -> `struct sock` (bpf_sock_convert_ctx_access: cgroup sock programs,
//    and the kernel's conversion of loads through socket pointers);
//  - `struct bpf_sock_addr` -> `struct bpf_sock_addr_kern` (sock_addr_convert_ctx_access with
//    the SOCK_ADDR_LOAD/STORE_NESTED_FIELD macros). A store to a nested field needs a third
//    register: the kernel borrows r9 (r8, r7 when the access uses it), parking its value in
//    bpf_sock_addr_kern.tmp_reg around the store, so the JIT sees r9 used (callee-saved r15
//    on x86-64 gets pushed).
import type { Insn } from '../bpf/insn.ts';
import { BPF_DW, BPF_H, BPF_JNE, BPF_LDX, BPF_MEM, BPF_W, insnClass, memSize, sizeBytes } from '../bpf/opcodes.ts';
import { emitStore, jmpImm, ldx, mov64Imm, raw, sizeCode, stx, type CtxRewrite } from './ctxInsns.ts';
import { NO_QUEUE_MAPPING, SockAddrUapi as A, SockUapi as S, TCP_SOCK_UAPI, TCP_SOCK_UAPI_END } from './ctxLayout.ts';
import { field, offOf, type KernelLayout } from './kernelLayout.ts';

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;
/** bpf_ctx_narrow_access_ok: a power-of-two size no larger than the field. */
const narrowOk = (size: number, fieldSize: number): boolean => size <= fieldSize && (size & (size - 1)) === 0;

/** bpf_sock_is_valid_access: ctx_field_size of a struct bpf_sock access, undefined if invalid. */
export function sockFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (off < 0 || off >= 80 || off % size !== 0) return undefined;
  if (write) return (off === S.bound_dev_if || off === S.mark || off === S.priority) && size === 4 ? 0 : undefined;
  const narrowable = [S.state, S.family, S.type, S.protocol, S.src_port, S.rx_queue_mapping, S.src_ip4, S.dst_ip4];
  if (narrowable.some((f) => inRange(off, f, 4)) || inRange(off, S.src_ip6, 16) || inRange(off, S.dst_ip6, 16)) {
    return narrowOk(size, 4) ? 4 : undefined;
  }
  if (inRange(off, S.dst_port, 4)) {
    const fs = size === 4 ? 4 : 2;
    return off < S.dst_port + 2 && narrowOk(size, fs) ? fs : undefined;
  }
  return size === 4 ? 0 : undefined;
}

/** bpf_tcp_sock_is_valid_access (6.18): reads only, each field at its full size. */
export function tcpSockFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (write || off < 0 || off >= TCP_SOCK_UAPI_END || off % size !== 0) return undefined;
  const f = TCP_SOCK_UAPI.get(off);
  const want = f === 'bytes_received' || f === 'bytes_acked' ? 8 : 4;
  return f && size === want ? size : undefined;
}

/**
 * bpf_tcp_sock_convert_ctx_access (net/core/filter.c, 6.18): a load of the tcp_sock field
 * at its own size (BPF_TCP_SOCK_GET_COMMON); rtt_min reads the u32 value of its first
 * minmax sample, icsk_retransmits comes from inet_connection_sock.
 */
export function convertTcpSock(l: KernelLayout, si: Insn): CtxRewrite {
  const f = TCP_SOCK_UAPI.get(si.off)!;
  if (f === 'rtt_min') return { insns: [ldx(BPF_W, si.dst, si.src, offOf(l, 'tcp_sock.rtt_min') + offOf(l, 'minmax_sample.v'))] };
  const name = f === 'icsk_retransmits' ? 'inet_connection_sock.icsk_retransmits' : `tcp_sock.${f}`;
  const fl = field(l, name);
  return { insns: [ldx(sizeCode(fl.size), si.dst, si.src, fl.off)] };
}

/** bpf_sock_convert_ctx_access. */
export function convertSock(l: KernelLayout, si: Insn): CtxRewrite {
  const write = insnClass(si.code) !== BPF_LDX;
  const d = si.dst;
  const s = si.src;
  const sk = (f: string): number => offOf(l, `sock.${f}`);
  const sc = (f: string): number => offOf(l, 'sock.__sk_common') + offOf(l, `sock_common.${f}`);
  /** A load of a sock field at its own size (BPF_FIELD_SIZEOF), target = that size. */
  const own = (off: number, bytes: number): CtxRewrite => ({ insns: [ldx(sizeCode(bytes), d, s, off)], target: bytes });
  const scOwn = (f: string): CtxRewrite => own(sc(f), field(l, `sock_common.${f}`).size);
  /** A load at the access's size (BPF_SIZE(si->code)) of a u32 field. */
  const asIs = (off: number): CtxRewrite => ({ insns: [ldx(memSize(si.code), d, s, off)], target: 4 });
  const rw = (off: number): CtxRewrite => ({ insns: [write ? emitStore(BPF_W, si, off) : ldx(BPF_W, d, s, off)] });
  if (inRange(si.off, S.src_ip6, 16)) return asIs(sc('skc_v6_rcv_saddr') + si.off - S.src_ip6);
  if (inRange(si.off, S.dst_ip6, 16)) return asIs(sc('skc_v6_daddr') + si.off - S.dst_ip6);
  switch (si.off) {
    case S.bound_dev_if:
      return rw(sc('skc_bound_dev_if'));
    case S.mark:
      return rw(sk('sk_mark'));
    case S.priority:
      return rw(sk('sk_priority'));
    case S.family:
      return scOwn('skc_family');
    case S.type:
      return own(sk('sk_type'), field(l, 'sock.sk_type').size);
    case S.protocol:
      return own(sk('sk_protocol'), field(l, 'sock.sk_protocol').size);
    case S.src_ip4:
      return asIs(sc('skc_rcv_saddr'));
    case S.dst_ip4:
      return asIs(sc('skc_daddr'));
    case S.src_port:
      return scOwn('skc_num');
    case S.dst_port:
      return scOwn('skc_dport');
    case S.state:
      return scOwn('skc_state');
    case S.rx_queue_mapping:
      return {
        insns: [ldx(BPF_H, d, s, sc('skc_rx_queue_mapping')), jmpImm(BPF_JNE, d, NO_QUEUE_MAPPING, 1), mov64Imm(d, -1)],
        target: 2,
      };
  }
  return { invalid: true };
}

/** sock_addr_is_valid_access (ignoring the attach-type restrictions): ctx_field_size. */
export function sockAddrFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (off < 0 || off >= 72 || off % size !== 0) return undefined;
  const ip6 = inRange(off, A.user_ip6, 16) || inRange(off, A.msg_src_ip6, 16);
  if (inRange(off, A.user_ip4, 4) || inRange(off, A.msg_src_ip4, 4) || ip6 || inRange(off, A.user_port, 4)) {
    if (ip6 && size === 8 && off % 8 === 0) return 4; // bpf_ctx_wide_access_ok
    if (write) return size === 4 ? 4 : undefined;
    return narrowOk(size, 4) ? 4 : undefined;
  }
  if (off === A.sk) return !write && size === 8 ? 0 : undefined;
  if (off === A.user_family || off === A.family || off === A.type || off === A.protocol) return !write && size === 4 ? 0 : undefined;
  return undefined;
}

/** sock_addr_convert_ctx_access. */
export function convertSockAddr(l: KernelLayout, si: Insn): CtxRewrite {
  const write = insnClass(si.code) !== BPF_LDX;
  const kern = (f: string): number => offOf(l, `bpf_sock_addr_kern.${f}`);
  const size = memSize(si.code);
  /** SOCK_ADDR_LOAD_OR_STORE_NESTED_FIELD_SIZE_OFF(S, NS, F, NF, SIZE, OFF, tmp_reg). */
  const nested = (f: string, nf: string, sz: number, extra: number, canWrite: boolean): CtxRewrite => {
    const nfLoc = field(l, nf);
    const target = nf === 'in6_addr.in6_u' || nf === 'sockaddr_in6.sin6_addr' ? 4 : nfLoc.size;
    if (write) {
      if (!canWrite) return { invalid: true };
      let tmp = 9;
      if (si.src === tmp || si.dst === tmp) tmp--;
      if (si.src === tmp || si.dst === tmp) tmp--;
      return {
        insns: [
          stx(BPF_DW, si.dst, tmp, kern('tmp_reg')),
          ldx(BPF_DW, tmp, si.dst, kern(f)),
          raw(sz | BPF_MEM | insnClass(si.code), tmp, si.src, nfLoc.off + extra, si.imm),
          ldx(BPF_DW, tmp, si.dst, kern('tmp_reg')),
        ],
        target,
      };
    }
    return { insns: [ldx(BPF_DW, si.dst, si.src, kern(f)), ldx(sz, si.dst, si.dst, nfLoc.off + extra)], target };
  };
  if (inRange(si.off, A.user_ip6, 16)) return nested('uaddr', 'sockaddr_in6.sin6_addr', size, si.off - A.user_ip6, true);
  if (inRange(si.off, A.msg_src_ip6, 16)) return nested('t_ctx', 'in6_addr.in6_u', size, si.off - A.msg_src_ip6, true);
  switch (si.off) {
    case A.user_family:
      return nested('uaddr', 'sockaddr.sa_family', sizeCode(field(l, 'sockaddr.sa_family').size), 0, false);
    case A.user_ip4:
      return nested('uaddr', 'sockaddr_in.sin_addr', size, 0, true);
    case A.user_port: {
      // The port has the same offset in sockaddr_in and sockaddr_in6; user_port is wider.
      const portSize = Math.min(field(l, 'sockaddr_in6.sin6_port').size, sizeBytes(size));
      return nested('uaddr', 'sockaddr_in6.sin6_port', sizeCode(portSize), 0, true);
    }
    case A.family:
      return nestedSock(l, si, 'sock.__sk_common', 'sock_common.skc_family');
    case A.type:
      return nestedSock(l, si, 'sock.sk_type');
    case A.protocol:
      return nestedSock(l, si, 'sock.sk_protocol');
    case A.msg_src_ip4:
      return nested('t_ctx', 'in_addr.s_addr', size, 0, true);
    case A.sk:
      return { insns: [ldx(BPF_DW, si.dst, si.src, kern('sk'))] };
  }
  return { invalid: true };
}

/** SOCK_ADDR_LOAD_NESTED_FIELD(bpf_sock_addr_kern, struct sock, sk, NF). */
function nestedSock(l: KernelLayout, si: Insn, key: string, inner?: string): CtxRewrite {
  const f = field(l, key);
  const loc = inner ? { off: f.off + offOf(l, inner), size: field(l, inner).size } : f;
  return {
    insns: [ldx(BPF_DW, si.dst, si.src, offOf(l, 'bpf_sock_addr_kern.sk')), ldx(sizeCode(loc.size), si.dst, si.dst, loc.off)],
    target: loc.size,
  };
}
