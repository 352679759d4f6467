// do_misc_fixups' storage-get patch (kernel/bpf/verifier.c, 6.18): the local-storage
// get helpers (bpf_sk/inode/task/cgrp_storage_get) take a hidden fifth argument, the
// allocation flags, which the verifier sets before the call: `r5 = GFP_ATOMIC` in a
// program that cannot sleep, `r5 = GFP_KERNEL` in a sleepable one (bpfdbg does not model
// the atomic case inside a sleepable program's RCU/spin-lock regions).
import type { Insn } from '../bpf/insn.ts';
import { isHelperCall } from '../bpf/opcodes.ts';
import { patchInsn, type WorkProg } from './patch.ts';

/** is_storage_get_function: sk_storage_get, inode_storage_get, task_storage_get, cgrp_storage_get. */
const STORAGE_GET: ReadonlySet<number> = new Set([107, 145, 156, 210]);
/** GFP_ATOMIC and GFP_KERNEL as Linux 6.18 defines them (x86-64). */
export const GFP_ATOMIC = 0x820;
export const GFP_KERNEL = 0xcc0;
const MOV64_K = 0xb7;

export function fixupStorageGet<A>(p: WorkProg<A>, sleepable: boolean): void {
  for (let i = 0; i < p.insns.length; i++) {
    const x = p.insns[i]!;
    if (!isHelperCall(x) || !STORAGE_GET.has(x.imm)) continue;
    const flags: Insn = { code: MOV64_K, dst: 5, src: 0, off: 0, imm: sleepable ? GFP_KERNEL : GFP_ATOMIC };
    patchInsn(p, i, [flags, x]);
    i++;
  }
}
