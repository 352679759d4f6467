// `struct sk_msg_md` -> `struct sk_msg` (sk_msg_convert_ctx_access, net/core/filter.c, 6.18):
// data/data_end/sk directly, the socket fields through msg->sk, size from the sg ring.
// sk_msg_is_valid_access: read-only, whole fields only (no narrowing).
import type { Insn } from '../bpf/insn.ts';
import { BPF_DW, BPF_H, BPF_LDX, BPF_LSH, BPF_W, insnClass } from '../bpf/opcodes.ts';
import { alu32Imm, ldx, type CtxRewrite } from './ctxInsns.ts';
import { SkMsgUapi as M } from './ctxLayout.ts';
import { offOf, type KernelLayout } from './kernelLayout.ts';

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;

export function skMsgFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (write || off < 0 || off >= 80 || off % size !== 0) return undefined;
  if (off === M.data || off === M.data_end || off === M.sk) return size === 8 ? 0 : undefined;
  return size === 4 && off >= M.family && off < M.sk ? 0 : undefined;
}

export function convertSkMsg(l: KernelLayout, si: Insn): CtxRewrite {
  if (insnClass(si.code) !== BPF_LDX) return { invalid: true };
  const d = si.dst;
  const msg = (f: string): number => offOf(l, `sk_msg.${f}`);
  const sc = (f: string): number => offOf(l, `sock_common.${f}`);
  const viaSk = (...rest: Insn[]): CtxRewrite => ({ insns: [ldx(BPF_DW, d, si.src, msg('sk')), ...rest] });
  if (inRange(si.off, M.remote_ip6, 16)) return viaSk(ldx(BPF_W, d, d, sc('skc_v6_daddr') + si.off - M.remote_ip6));
  if (inRange(si.off, M.local_ip6, 16)) return viaSk(ldx(BPF_W, d, d, sc('skc_v6_rcv_saddr') + si.off - M.local_ip6));
  switch (si.off) {
    case M.data:
      return { insns: [ldx(BPF_DW, d, si.src, msg('data'))] };
    case M.data_end:
      return { insns: [ldx(BPF_DW, d, si.src, msg('data_end'))] };
    case M.sk:
      return { insns: [ldx(BPF_DW, d, si.src, msg('sk'))] };
    case M.family:
      return viaSk(ldx(BPF_H, d, d, sc('skc_family')));
    case M.remote_ip4:
      return viaSk(ldx(BPF_W, d, d, sc('skc_daddr')));
    case M.local_ip4:
      return viaSk(ldx(BPF_W, d, d, sc('skc_rcv_saddr')));
    case M.remote_port:
      return viaSk(ldx(BPF_H, d, d, sc('skc_dport')), alu32Imm(BPF_LSH, d, 16));
    case M.local_port:
      return viaSk(ldx(BPF_H, d, d, sc('skc_num')));
    case M.size:
      return { insns: [ldx(BPF_W, d, si.src, msg('sg') + offOf(l, 'sk_msg_sg.size'))] };
  }
  return { invalid: true };
}
