// JIT profiles: each names the kernel behaviour it models. The default reproduces the
// Linux 6.18 x86-64 JIT as it ran on the host that produced
// ../shared/testdata/kernel-selftests/kernel-jited-6.18.json (mitigations on: functions end
// in `leave; jmp __x86_return_thunk`, the indirect tail call ends in
// `jmp __x86_indirect_thunk_rcx`; no IBT, no CFI preamble).
import type { AnalysisOptions } from '../analysis/types.ts';
import type { JitProfile } from './types.ts';
import type { TccMode } from '../bpf/interpreter.ts';

export const X86_PROFILES: readonly JitProfile[] = [
  {
    name: 'linux-6.18',
    arch: 'x86_64',
    describes:
      'Linux 6.18: tail-call counter by pointer (tcc_ptr, 6.12+), adaptive per-CPU private stack (6.13+), ' +
      'return via jmp __x86_return_thunk, indirect tail call via jmp __x86_indirect_thunk_rcx, no IBT',
    tcc: 'by-pointer',
    privStack: 'adaptive',
    retThunk: true,
    indirectThunk: true,
  },
  {
    name: 'tcc-by-value',
    arch: 'x86_64',
    describes:
      'Linux 5.10-6.11 (E1): counter value in the frame (xor eax,eax / nop2 in the prologue, push rax), ' +
      'copied to callees in rax (mov rax,[rbp-rsd-8] before every call), counted before the NULL check; ' +
      'X86_TAIL_CALL_OFFSET 11; MAX_TAIL_CALL_CNT 33 with jae (5.17+); no private stack',
    tcc: 'by-value',
    privStack: 'off',
    retThunk: true,
    indirectThunk: true,
    shortJumpMax: 127, // before the 6.13 is_imm8_jmp_offset convergence fix
  },
  {
    name: 'tcc-by-pointer',
    arch: 'x86_64',
    describes:
      'Linux 6.12: counter shared through tcc_ptr (commit 116e04ba1459, "Fix tailcall hierarchy"), ' +
      'nop3/xor rax,rax prologue, X86_TAIL_CALL_OFFSET 12; no private stack yet',
    tcc: 'by-pointer',
    privStack: 'off',
    retThunk: true,
    indirectThunk: true,
    shortJumpMax: 127, // before the 6.13 is_imm8_jmp_offset convergence fix
  },
  {
    name: 'priv-stack-off',
    arch: 'x86_64',
    describes: 'Linux 6.18 with every function on the kernel stack (as if bpf_jit_supports_private_stack() were false)',
    tcc: 'by-pointer',
    privStack: 'off',
    retThunk: true,
    indirectThunk: true,
  },
  {
    name: 'priv-stack-forced',
    arch: 'x86_64',
    describes:
      'exploration: Linux 6.18 private-stack code generation for any program type (the kernel only ' +
      'allows kprobe/tracepoint/perf_event/raw_tp, and tracing/lsm/struct_ops with a recursion check)',
    tcc: 'by-pointer',
    privStack: 'forced',
    retThunk: true,
    indirectThunk: true,
  },
  {
    name: 'plain-ret',
    arch: 'x86_64',
    describes: 'Linux 6.18 on a host without return/indirect-branch mitigations: plain ret, indirect tail call by ' + 'jmp rcx (no SLS int3)',
    tcc: 'by-pointer',
    privStack: 'adaptive',
    retThunk: false,
    indirectThunk: false,
  },
  {
    name: 'kernel-wide',
    arch: 'x86_64',
    describes:
      'the host of ../shared/testdata/kernel-wide: Linux 6.18.44 on AMD EPYC with BMI2 (shlx/shrx/sarx), ' +
      'spectre_v2 "Mitigation: Retpolines" (indirect tail call via jmp __x86_indirect_thunk_rcx), ' +
      'retbleed not affected (plain ret); that kernel gave no program a private stack',
    tcc: 'by-pointer',
    privStack: 'off',
    retThunk: false,
    indirectThunk: true,
    bmi2: true,
  },
];

export const DEFAULT_X86_PROFILE: JitProfile = X86_PROFILES[0]!;

/** Looks a profile up by name (x86-64 for now; RISC-V profiles live with their JIT). */
export function findProfile(name: string): JitProfile | undefined {
  return X86_PROFILES.find((p) => p.name === name);
}

/** The analysis options a profile's code generation assumes (private-stack policy). */
export function analysisOptionsFor(profile: JitProfile): AnalysisOptions {
  const kernel = profile.kernel ?? (profile.tcc === 'by-value' ? '6.1' : profile.name === 'tcc-by-pointer' ? '6.12' : '6.18');
  // riscv64 upstream: no bpf_jit_supports_subprog_tailcalls() through v6.19, so the verifier
  // (check_max_stack_depth / check_map_func_compatibility) rejects bpf2bpf calls mixed with tail calls.
  const allowTailCallInSubprogs = !(profile.arch === 'riscv64' && (profile.rvTcc ?? 'upstream') === 'upstream');
  // bpf_jit_supports_exceptions(): the x86-64 JIT only, among the two we model (6.18).
  // bpf_jit_supports_percpu_insn(): 6.10+ on both.
  const percpu = kernel !== '6.1';
  return {
    kernel,
    privStack: profile.privStack,
    allowTailCallInSubprogs,
    jitSupportsExceptions: profile.arch === 'x86_64',
    jitSupportsPercpuInsn: percpu,
    // x86-64: do_misc_fixups inlines it; RISC-V: the JIT does (bpf_jit_inlines_helper_call).
    inlineSmpProcessorId: percpu && profile.arch === 'x86_64',
  };
}

/** The interpreter's tail-call counter mode that behaves as this profile's JIT does. */
export function tccModeFor(profile: JitProfile): TccMode {
  if (profile.arch === 'x86_64') return profile.tcc ?? 'by-pointer';
  switch (profile.rvTcc ?? 'upstream') {
    case 'upstream':
      return 'rv-upstream';
    case 'on-stack':
      return 'by-value'; // per-frame slot, stored back before the NULL check
    case 'a6-passthrough':
      return 'shared-early';
  }
}
