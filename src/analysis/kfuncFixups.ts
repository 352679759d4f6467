// The verifier's fixup_kfunc_call (v6.18, run from do_misc_fixups): kfuncs that only
// reinterpret a pointer become a plain register move, so no call reaches the JIT for them.
// bpf_cast_to_kern_ctx(ctx) and bpf_rdonly_cast(obj, btf_id) return their first argument:
// `r0 = r1`. Every other kfunc call stays a call (its imm becomes the kfunc's address
// relative to __bpf_call_base in the kernel; here the JIT links it to the model kallsyms
// address of its BTF id). kfuncs are named through the object's resolved externs.
import type { Insn } from '../bpf/insn.ts';
import { BPF_PSEUDO_KFUNC_CALL } from '../bpf/opcodes.ts';
import type { BpfObject } from '../object/types.ts';
import { patchInsn, type WorkProg } from './patch.ts';

const CALL = 0x85;
const MOV64_X = 0xbf;

/** kfuncs the verifier rewrites to `r0 = r1`. */
const CAST_KFUNCS = new Set(['bpf_cast_to_kern_ctx', 'bpf_rdonly_cast']);

/** The kfunc a call's imm (vmlinux BTF id) names, from the object's resolved externs. */
export function kfuncName(obj: BpfObject, btfId: number): string | undefined {
  return obj.externs?.find((e) => e.kind === 'kfunc' && e.kernelBtfId === btfId)?.name;
}

export function fixupKfuncCalls<A>(p: WorkProg<A>, obj: BpfObject): void {
  const names = new Map<number, string>();
  for (const e of obj.externs ?? []) if (e.kind === 'kfunc' && e.kernelBtfId !== undefined) names.set(e.kernelBtfId, e.name);
  if (names.size === 0) return;
  for (let i = 0; i < p.insns.length; i++) {
    const x = p.insns[i]!;
    if (x.code !== CALL || x.src !== BPF_PSEUDO_KFUNC_CALL) continue;
    const name = names.get(x.imm);
    if (name && CAST_KFUNCS.has(name)) {
      const mov: Insn = { code: MOV64_X, dst: 0, src: 1, off: 0, imm: 0 };
      patchInsn(p, i, [mov]);
    }
  }
}
