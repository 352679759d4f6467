// RISC-V JIT profiles: how the tail-call counter (TCC) travels across calls. Each names
// the kernel behaviour it models; tcc.ts holds every place the schemes differ.
import type { JitProfile } from '../types.ts';

export type RvTccScheme = 'upstream' | 'on-stack' | 'a6-passthrough';

/**
 * Released kernels (2019 RV64 JIT through at least v6.19): TCC in a6, copied to s6 by the
 * prologue when the program both calls and tail-calls. riscv64 does not implement
 * bpf_jit_supports_subprog_tailcalls(), so the verifier rejects programs that mix
 * bpf-to-bpf calls and tail calls.
 */
export const RV_UPSTREAM: JitProfile = {
  name: 'upstream',
  arch: 'riscv64',
  describes: 'Linux RV64 JIT v5.17-v6.19 (v6.16 layout): TCC in a6, s6 when calls are present; bpf2bpf+tail calls rejected',
  rvTcc: 'upstream',
  privStack: 'off',
  retThunk: false,
};

/**
 * Pu Lehui, "riscv, bpf: Mixing bpf2bpf and tailcalls" (v2 2024-01-30, v3 2024-02-01;
 * the series later merged into bpf-next in 2026-07 as v6): one 8-byte TCC slot in every
 * frame, a6 reloaded from it before every call, only the main program sets a6 = 33.
 */
export const RV_TCC_ON_STACK: JitProfile = {
  name: 'tcc-on-stack',
  arch: 'riscv64',
  describes: 'riscv, bpf: Mixing bpf2bpf and tailcalls (Pu Lehui v2/v3, 2024): TCC in a per-frame stack slot',
  rvTcc: 'on-stack',
  privStack: 'off',
  retThunk: false,
};

/**
 * Björn Töpel's counter-proposal (linux-riscv, 2023-09-28): only the main program sets
 * a6 = 33 (as arm64 clears its TCC only in the main program), a6 passes transparently
 * across bpf-to-bpf calls, and is parked in s6 only around helper and kfunc calls.
 * Never merged; modelled to measure its claim of saving stack stores/loads.
 */
export const RV_TCC_A6_PASSTHROUGH: JitProfile = {
  name: 'tcc-a6-passthrough',
  arch: 'riscv64',
  describes: 'Töpel proposal (2023-09-28, unmerged): a6 transparent across bpf2bpf calls, s6 only around helper/kfunc calls',
  rvTcc: 'a6-passthrough',
  privStack: 'off',
  retThunk: false,
};

export const RV_PROFILES: readonly JitProfile[] = [RV_UPSTREAM, RV_TCC_ON_STACK, RV_TCC_A6_PASSTHROUGH];

export function rvProfileByName(name: string): JitProfile | undefined {
  return RV_PROFILES.find((p) => p.name === name || p.rvTcc === name);
}

export function rvSchemeOf(profile: JitProfile): RvTccScheme {
  return profile.rvTcc ?? 'upstream';
}
