// `struct sk_reuseport_md` -> `struct sk_reuseport_kern` (sk_reuseport_convert_ctx_access,
// net/core/filter.c, 6.18): data, len and eth_protocol come from the skb (kern->skb->F),
// ip_protocol from the socket (kern->sk->sk_protocol), the rest from the kern struct.
// sk_reuseport_is_valid_access: read-only; data/data_end/sk/migrating_sk whole 8 bytes,
// hash whole 4; len, eth_protocol (not below skb->protocol's 2 bytes), ip_protocol and
// bind_inany may be read narrow against a u32.
import type { Insn } from '../bpf/insn.ts';
import { BPF_LDX, insnClass } from '../bpf/opcodes.ts';
import { ldx, sizeCode, type CtxRewrite } from './ctxInsns.ts';
import { SkReuseportUapi as R } from './ctxLayout.ts';
import { field, type KernelLayout } from './kernelLayout.ts';

const inRange = (off: number, start: number, len: number): boolean => off >= start && off < start + len;
const narrowOk = (size: number): boolean => size <= 4 && (size & (size - 1)) === 0;

export function skReuseportFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (write || off < 0 || off >= 56 || off % size !== 0) return undefined;
  if (off === R.data || off === R.data_end || off === R.sk || off === R.migrating_sk) return size === 8 ? 0 : undefined;
  if (off === R.hash) return size === 4 ? 0 : undefined;
  if (inRange(off, R.eth_protocol, 4) && size < 2) return undefined;
  if (inRange(off, R.len, 4) || inRange(off, R.eth_protocol, 4) || inRange(off, R.ip_protocol, 4) || inRange(off, R.bind_inany, 4)) {
    return narrowOk(size) ? 4 : undefined;
  }
  return undefined;
}

export function convertSkReuseport(l: KernelLayout, si: Insn): CtxRewrite {
  if (insnClass(si.code) !== BPF_LDX) return { invalid: true };
  const d = si.dst;
  const load = (dst: number, src: number, key: string): Insn => {
    const f = field(l, key);
    return ldx(sizeCode(f.size), dst, src, f.off);
  };
  /** SK_REUSEPORT_LOAD_FIELD / _SKB_FIELD / _SK_FIELD: *target_size is the last field's size. */
  const own = (f: string): CtxRewrite => ({ insns: [load(d, si.src, `sk_reuseport_kern.${f}`)], target: field(l, `sk_reuseport_kern.${f}`).size });
  const via = (ptr: string, key: string): CtxRewrite => ({
    insns: [load(d, si.src, `sk_reuseport_kern.${ptr}`), load(d, d, key)],
    target: field(l, key).size,
  });
  switch (si.off) {
    case R.data:
      return via('skb', 'sk_buff.data');
    case R.len:
      return via('skb', 'sk_buff.len');
    case R.eth_protocol:
      return via('skb', 'sk_buff.protocol');
    case R.ip_protocol:
      return via('sk', 'sock.sk_protocol');
    case R.data_end:
      return own('data_end');
    case R.hash:
      return own('hash');
    case R.bind_inany:
      return own('bind_inany');
    case R.sk:
      return own('sk');
    case R.migrating_sk:
      return own('migrating_sk');
  }
  return { invalid: true };
}
