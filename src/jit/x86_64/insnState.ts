import type { ProgramImage } from '../../analysis/types.ts';
import type { JitEnv } from '../types.ts';

/** Per-pass loop state do_jit keeps in locals. */
export interface InsnState {
  image: ProgramImage;
  env: JitEnv;
  /** kernel addrs[]: addrs[k] = start of local insn k (end of k-1). Mixed passes, see doJit. */
  addrs: Int32Array;
  padding: boolean;
  seenExit: boolean;
  /** Global index of the function's first insn. */
  base: number;
  /** First insn -> function index, for bpf2bpf call targets. */
  funcAt: Map<number, number>;
}
