// bpf_loop(nr_loops, callback_fn, callback_ctx, flags) (kernel/bpf/bpf_iter.c): calls
// callback(i, ctx) until it returns non-zero (then returns i + 1) or nr_loops is reached.
// The callback runs through the calling engine's BpfCaller, so the interpreter and the JIT
// engines both execute it in their own way; an uncounted JIT run (`bpfdbg run`) runs the
// whole loop as guest code instead (machine/loopTrampoline.ts).
import { BPF_FUNC } from '../../bpf/helperIds.ts';
import { E2BIG, EINVAL, negErrno } from '../errors.ts';
import type { HelperDef } from './types.ts';
import { BPF_MAX_LOOPS } from '../../common/kernelLimits.ts';

export const bpfLoop: HelperDef = {
  id: BPF_FUNC.loop,
  name: 'bpf_loop',
  fn: (k, nr, fn, ctx, flags) => {
    if (flags !== 0n) return negErrno(EINVAL);
    const n = nr & 0xffffffffn;
    if (n > BigInt(BPF_MAX_LOOPS)) return negErrno(E2BIG);
    // An uncounted JIT run loops in guest code, as the kernel's helper does natively.
    if (k.caller.loopInGuest?.(n, fn, ctx)) return 0n;
    for (let i = 0n; i < n; i++) {
      const ret = k.caller.callFunction(fn, [i, ctx, 0n, 0n, 0n]);
      if (ret !== 0n) return i + 1n;
    }
    return n;
  },
};
