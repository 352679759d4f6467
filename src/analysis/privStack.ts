// Private-stack eligibility, bpf_enable_priv_stack() (kernel/bpf/verifier.c, v6.13+):
// only program types whose re-entry on one CPU is impossible may use one per-CPU stack
// per program. kprobe/tracepoint/perf_event/raw_tracepoint have no trampoline and are
// adaptive; tracing (fentry/fexit/fmod_ret, not iter), lsm and struct_ops are adaptive
// when the trampoline's recursion check applies (bpf_prog_check_recur: tracing except
// iter) or the struct_ops requested it. Everything else (xdp, tc, socket...) never does.
import type { BpfProgram, ProgType } from '../object/types.ts';
import type { PrivStackMode } from './types.ts';

export type PrivStackPolicy = 'off' | 'adaptive' | 'forced';

/** Program-wide mode before the per-subprog walk: 'adaptive' or 'none'. */
export function privStackModeFor(
  prog: BpfProgram,
  progType: ProgType,
  anyTailCall: boolean,
  policy: PrivStackPolicy,
  kernel: '6.1' | '6.12' | '6.18',
): PrivStackMode {
  if (policy === 'off' || kernel !== '6.18') return 'none'; // private stacks arrived in 6.13
  // Checked first: tail calls and private stacks do not mix (the TCC lives on the stack).
  if (anyTailCall) return 'none';
  if (policy === 'forced') return 'adaptive';
  switch (progType) {
    case 'kprobe':
    case 'tracepoint':
    case 'perf_event':
    case 'raw_tracepoint':
      return 'adaptive';
    case 'tracing':
      // bpf_prog_check_recur(): tracing programs except iterators.
      return prog.section.startsWith('iter') ? 'none' : 'adaptive';
    case 'struct_ops':
    case 'lsm':
    default:
      return 'none';
  }
}
