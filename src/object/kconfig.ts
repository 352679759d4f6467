// What libbpf reads from /proc/config.gz (or /boot/config-<release>) to fill `__kconfig`
// externs, per modelled kernel release, plus the "virtual" LINUX_* externs libbpf answers
// itself (bpf_object__resolve_externs, v1.x). An option absent here is "not set": a
// __weak extern reads 0, a strong one is an error naming it, as with libbpf.

/** Kernel release -> CONFIG_* -> the value text as it appears in .config (`y`, `m`, `250`, `"str"`). */
export const KCONFIG: Record<string, Record<string, string>> = {
  // 6.18.44 x86-64 (the kernel behind ../shared/testdata/kernel-wide). Its .config is not
  // part of the test data: CONFIG_HZ is x86_64_defconfig's 1000 (bpf_cubic, the one corpus
  // object reading it, JITs to the same bytes with 100, 250, 300 or 1000).
  // CONFIG_X86_KERNEL_IBT is not set: that kernel's JITed programs start without endbr64.
  '6.18.44': {
    CONFIG_HZ: '1000',
    CONFIG_BPF: 'y',
    CONFIG_BPF_SYSCALL: 'y',
    CONFIG_BPF_JIT: 'y',
    CONFIG_BPF_JIT_ALWAYS_ON: 'y',
    CONFIG_BPF_EVENTS: 'y',
    CONFIG_BPF_LSM: 'y',
    CONFIG_DEBUG_INFO_BTF: 'y',
    CONFIG_SMP: 'y',
    CONFIG_X86_64: 'y',
    CONFIG_64BIT: 'y',
    CONFIG_MITIGATION_RETPOLINE: 'y',
  },
};

/** KERNEL_VERSION(a, b, c) as libbpf's get_kernel_version computes it (patch clamped to 255). */
export function kernelVersionCode(release: string): number {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return 0;
  return (Number(m[1]) << 16) + (Number(m[2]) << 8) + Math.min(Number(m[3] ?? 0), 255);
}

/**
 * libbpf's LINUX_HAS_* feature externs, per kernel release, as libbpf's probes answered on
 * the modelled host. FEAT_BPF_COOKIE loads a program calling bpf_get_attach_cookie (5.15+).
 * FEAT_SYSCALL_WRAPPER opens a kprobe perf event on `__x64_sys_bpf`: the kernel has the
 * wrapper, but the reference host refused kprobes, so libbpf answered 0 there
 * (bpf_syscall_macro's splice_enter JITed by that kernel reads pt_regs directly).
 */
export const LINUX_HAS: Record<string, Record<string, number>> = {
  '6.18.44': {
    LINUX_HAS_BPF_COOKIE: 1,
    LINUX_HAS_SYSCALL_WRAPPER: 0,
  },
};
