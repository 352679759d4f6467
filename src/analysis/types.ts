// What the kernel verifier concludes and the JIT depends on, for one entry program
// linked with its subprograms. Built by analyzeProgram(object, program, options).
import type { Insn } from '../bpf/insn.ts';
import type { InsnIdx, SubprogIdx } from '../common/ids.ts';
import type { KernelBtf } from '../object/kernelBtf.ts';
import type { BpfObject, BpfProgram, ProgType, SourcePos } from '../object/types.ts';

/** enum priv_stack_mode (v6.13+). */
export type PrivStackMode = 'unknown' | 'none' | 'adaptive';

export interface SubprogInfo {
  idx: SubprogIdx;
  name: string;
  /** [start, end) in the xlated instruction array. */
  start: InsnIdx;
  end: InsnIdx;
  /** aux->stack_depth: bytes, as the verifier records it (final, after fixups). */
  stackDepth: number;
  hasTailCall: boolean;
  /** aux->tail_call_reachable after check_max_stack_depth's marking. */
  tailCallReachable: boolean;
  privStackMode: PrivStackMode;
  isAsyncCb: boolean;
  isGlobal: boolean;
  hasLdAbs: boolean;
  /**
   * aux->exception_cb (6.7+): the program's exception callback, which bpf_throw enters on
   * the boundary's frame (the x86-64 JIT gives it the "adopt the frame" prologue).
   */
  isExceptionCb?: boolean;
}

/** A `bpf_tail_call` site whose map and key are constant on every path (a poke site). */
export interface PokeSite {
  /** Index in the program's poke table; the xlated insn has imm = index + 1. */
  index: number;
  insn: InsnIdx;
  subprog: SubprogIdx;
  mapIndex: number;
  key: number;
}

export interface TailCallSite {
  insn: InsnIdx;
  subprog: SubprogIdx;
  /** Map index when the same map reaches the site on every path, else null. */
  mapIndex: number | null;
  /** Constant key when known on every path and < max_entries, else null. */
  key: number | null;
  /** True when the verifier would make it direct (a poke descriptor). */
  direct: boolean;
}

export interface AnalysisOptions {
  /** Kernel generation whose verifier rules to apply (frame-count rule etc.). Default '6.18'. */
  kernel?: '6.1' | '6.12' | '6.18';
  /** Private stack policy: 'off', 'adaptive' (kernel rules), 'forced' (any program type). */
  privStack?: 'off' | 'adaptive' | 'forced';
  /** Program type override (the selftests' bpf_prog_test_load forces one). */
  progType?: ProgType;
  /** True when the JIT can mix bpf2bpf and tail calls (x86-64: yes; RISC-V upstream: no). */
  allowTailCallInSubprogs?: boolean;
  /**
   * The kernel whose struct layouts the ctx rewrites target (e.g. hostKernelBtf() for
   * `--profile host`); default: the shipped Linux 6.18.44 layout, without parsing its BTF.
   */
  kernelBtf?: KernelBtf;
  /** bpf_jit_supports_exceptions(): x86-64 yes, RISC-V no (the verifier refuses bpf_throw). Default true. */
  jitSupportsExceptions?: boolean;
  /**
   * bpf_jit_supports_percpu_insn() (x86-64 and RISC-V 6.10+): percpu array lookups are
   * inlined with the internal per-CPU MOV. Default: kernel 6.12 and 6.18 yes, 6.1 no.
   */
  jitSupportsPercpuInsn?: boolean;
  /** The verifier inlines bpf_get_smp_processor_id (x86-64 6.10+; RISC-V's JIT does it instead). Default as jitSupportsPercpuInsn. */
  inlineSmpProcessorId?: boolean;
}

export interface ProgramImage {
  object: BpfObject;
  program: BpfProgram;
  progType: ProgType;
  /**
   * "xlated" instructions: after ctx-access rewrites, div/mod guards, LD_ABS expansion,
   * tail-call rewrite (`0xf5`, imm = poke index + 1 for direct, 0 for indirect).
   */
  insns: Insn[];
  /** xlated index -> index in program.insns it came from (inserted insns map to the origin). */
  origInsn: InsnIdx[];
  subprogs: SubprogInfo[];
  pokeSites: PokeSite[];
  tailCallSites: TailCallSite[];
  /**
   * aux->exception_boundary of the entry function (env->seen_exception, 6.7+): the program
   * calls bpf_throw, so its entry saves every callee-saved register for the callback.
   */
  exceptionBoundary?: boolean;
  /** prog->aux->tail_call_reachable (= subprogs[0].tailCallReachable). */
  tailCallReachable: boolean;
  /** Any subprog uses a private stack. */
  usesPrivStack: boolean;
  /** Source position of an xlated instruction (kernel find_linfo rule), if known. */
  sourceOf(insn: InsnIdx): SourcePos | undefined;
  /** Verifier-log style messages worth showing (e.g. "stack depth 8+256 max 256"). */
  notes: string[];
}
