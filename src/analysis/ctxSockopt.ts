// `struct bpf_sockopt` -> `struct bpf_sockopt_kern` (cg_sockopt_convert_ctx_access,
// kernel/bpf/cgroup.c, 6.18). sk, optval and optval_end are plain 8-byte loads; level,
// optname and optlen load or store the kernel field; retval lives in the running task's
// struct bpf_cg_run_ctx (current_task->bpf_ctx): a load walks there, a store borrows r9
// (r8, r7 when the access uses it), parking its value in bpf_sockopt_kern.tmp_reg.
// cg_sockopt_is_valid_access: whole u32 fields (no narrowing), 8-byte pointers.
import type { Insn } from '../bpf/insn.ts';
import { BPF_DW, BPF_LDX, BPF_MEM, insnClass } from '../bpf/opcodes.ts';
import { ldx, raw, sizeCode, stx, type CtxRewrite } from './ctxInsns.ts';
import { SockoptUapi } from './ctxLayout.ts';
import { field, offOf, type KernelLayout } from './kernelLayout.ts';

const O = SockoptUapi;

/**
 * cg_sockopt_is_valid_access, without the attach-type rules (retval is writable only in
 * getsockopt programs, level/optname only in setsockopt ones): ctx_field_size 0 (whole).
 */
export function sockoptFieldSize(off: number, size: number, write: boolean): number | undefined {
  if (off < 0 || off >= 40 || off % size !== 0) return undefined;
  if (off === O.sk || off === O.optval || off === O.optval_end) return !write && size === 8 ? 0 : undefined;
  if (write && off !== O.retval && off !== O.level && off !== O.optname && off !== O.optlen) return undefined;
  return size === 4 ? 0 : undefined;
}

export function convertSockopt(l: KernelLayout, si: Insn): CtxRewrite {
  const write = insnClass(si.code) !== BPF_LDX;
  const kern = (f: string): number => offOf(l, `bpf_sockopt_kern.${f}`);
  const fsize = (f: string): number => sizeCode(field(l, f).size);
  const rw = (f: string): CtxRewrite => {
    const sz = fsize(`bpf_sockopt_kern.${f}`);
    return { insns: [write ? raw(sz | BPF_MEM | insnClass(si.code), si.dst, si.src, kern(f), si.imm) : ldx(sz, si.dst, si.src, kern(f))] };
  };
  switch (si.off) {
    case O.sk:
      return rw('sk');
    case O.optval:
      return rw('optval');
    case O.optval_end:
      return rw('optval_end');
    case O.level:
      return rw('level');
    case O.optname:
      return rw('optname');
    case O.optlen:
      return rw('optlen');
    case O.retval: {
      const task = fsize('bpf_sockopt_kern.current_task');
      const ctx = fsize('task_struct.bpf_ctx');
      const retval = fsize('bpf_cg_run_ctx.retval');
      const taskOff = kern('current_task');
      const ctxOff = offOf(l, 'task_struct.bpf_ctx');
      const retOff = offOf(l, 'bpf_cg_run_ctx.retval');
      if (!write) {
        return { insns: [ldx(task, si.dst, si.src, taskOff), ldx(ctx, si.dst, si.dst, ctxOff), ldx(retval, si.dst, si.dst, retOff)] };
      }
      let t = 9;
      if (si.src === t || si.dst === t) t--;
      if (si.src === t || si.dst === t) t--;
      return {
        insns: [
          stx(BPF_DW, si.dst, t, kern('tmp_reg')),
          ldx(task, t, si.dst, taskOff),
          ldx(ctx, t, t, ctxOff),
          raw(insnClass(si.code) | BPF_MEM | retval, t, si.src, retOff, si.imm),
          ldx(BPF_DW, t, si.dst, kern('tmp_reg')),
        ],
      };
    }
  }
  return { invalid: true };
}
