// Which ctx offsets of a program hold BTF-typed pointer arguments, and whether the verifier
// trusts them (btf_ctx_access, prog_args_trusted); read by the abstract interpreter (absintRun.ts).
import type { BpfProgram, ProgType } from '../object/types.ts';

/** Iterator targets whose ctx_arg_info marks the arguments PTR_TRUSTED (6.18). */
const TRUSTED_ITER_ARGS: ReadonlySet<string> = new Set(['task', 'bpf_map', 'bpf_map_elem', 'cgroup', 'tcp', 'udp', 'kmem_cache']);

/**
 * Programs whose ctx holds BTF-typed arguments (btf_ctx_access), and whether a pointer read
 * from ctx offset `off` is trusted: prog_args_trusted (6.18) trusts tp_btf, iterator,
 * struct_ops and LSM arguments; fentry/fexit/fmod_ret arguments are plain PTR_TO_BTF_ID.
 * An iterator's own arguments come from its target's ctx_arg_info instead: PTR_TRUSTED for
 * the targets in TRUSTED_ITER_ARGS, plain PTR_TO_BTF_ID_OR_NULL for the others; the meta
 * pointer (offset 0) goes through the generic, trusted path.
 */
export function btfCtxArgs(progType: ProgType, prog: BpfProgram | undefined): ((off: number) => boolean) | undefined {
  if (progType === 'struct_ops' || progType === 'lsm') return () => true;
  if (progType !== 'tracing' || !prog) return undefined;
  const head = prog.section.split('/')[0]!;
  if (head === 'iter' || head === 'iter.s') {
    const trusted = TRUSTED_ITER_ARGS.has(prog.section.split('/')[1] ?? '');
    return (off) => off === 0 || trusted;
  }
  if (head === 'tp_btf') return () => true;
  return () => false;
}
