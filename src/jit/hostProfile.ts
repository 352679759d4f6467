// `--profile host`: the x86-64 JIT of the machine bpfdbg runs on, decided from what Linux
// exposes, as a pure function of those strings (the reader is cli/hostDescription.ts).
// The rules follow Linux 6.18 arch/x86/net/bpf_jit_comp.c and arch/x86/kernel/cpu/bugs.c:
// - indirect jump (emit_indirect_jump): X86_FEATURE_INDIRECT_THUNK_ITS (ITS "Aligned
//   branch/return thunks" without retpolines) or X86_FEATURE_RETPOLINE (spectre_v2
//   "...Retpolines") -> `jmp <thunk>` rel32; X86_FEATURE_RETPOLINE_LFENCE ("...LFENCE") ->
//   `lfence; jmp reg`; otherwise `jmp reg`, followed by int3 when the kernel was built with
//   CONFIG_MITIGATION_RETPOLINE or CONFIG_MITIGATION_SLS (assumed on when the config is
//   unreadable: x86-64 defconfig and distribution kernels set it);
// - return (emit_return): X86_FEATURE_RETHUNK -> `jmp x86_return_thunk`, set by the retbleed
//   "untrained return thunk" and "Stuffing" mitigations, SRSO "Safe RET" and ITS aligned
//   thunks; otherwise `ret` (+ int3 with CONFIG_MITIGATION_SLS, not modelled);
// - variable shifts use shlx/shrx/sarx when the CPU has BMI2;
// - the tail-call counter and private stack follow the kernel version (6.12: by pointer,
//   6.13+: private stack; earlier: by value).
import { X86_PROFILES } from './profiles.ts';
import type { JitProfile } from './types.ts';

/** What /sys, /proc and uname say; absent fields are unknown. */
export interface HostDescription {
  /** process.arch ('x64' on x86-64). */
  arch: string;
  /** uname -r. */
  release?: string;
  /** /sys/devices/system/cpu/vulnerabilities/<file>, trimmed. */
  spectreV2?: string;
  retbleed?: string;
  srso?: string;
  its?: string;
  /** Flags of the first CPU in /proc/cpuinfo. */
  cpuFlags?: readonly string[];
  /** /proc/sys/net/core/bpf_jit_harden. */
  jitHarden?: string;
  /** CONFIG_* values from /proc/config.gz (or /boot/config-<release>) when readable. */
  kconfig?: ReadonlyMap<string, string>;
}

export interface HostProfileChoice {
  profile: JitProfile;
  /** One line: what was read and what it decided. */
  why: string;
}

const base = (name: string): JitProfile => X86_PROFILES.find((p) => p.name === name)!;

/** Kernel version "6.18.44-foo" -> [6, 18]. */
function version(release: string | undefined): [number, number] | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export function profileForHost(h: HostDescription): HostProfileChoice {
  const dflt = base('linux-6.18');
  if (h.arch !== 'x64' || h.spectreV2 === undefined) {
    const why = h.arch !== 'x64' ? `host is ${h.arch}, not x86-64` : 'no /sys/devices/system/cpu/vulnerabilities/spectre_v2';
    return { profile: { ...dflt, name: 'host', describes: `default ${dflt.name} (${why})` }, why: `${why}: using the default profile ${dflt.name}` };
  }
  const v = version(h.release);
  const older = v && (v[0] < 6 || (v[0] === 6 && v[1] < 12)) ? base('tcc-by-value') : v && v[0] === 6 && v[1] === 12 ? base('tcc-by-pointer') : dflt;
  const cfg = (k: string): boolean | undefined => (h.kconfig ? h.kconfig.get(k) === 'y' : undefined);
  const spectre = h.spectreV2;
  const itsThunks = /Aligned branch\/return thunks/i.test(h.its ?? '');
  const retpoline = /Retpoline/i.test(spectre);
  const lfence = /LFENCE/i.test(spectre) && !retpoline;
  let indirect: string;
  const kernel = older.tcc === 'by-value' ? '6.1' : older.name === 'tcc-by-pointer' ? '6.12' : '6.18';
  const p: JitProfile = { ...older, name: 'host', kernel, indirectThunk: false, indirectPlain: 'jmp' };
  if ((itsThunks && !retpoline) || retpoline) {
    p.indirectThunk = true;
    indirect = retpoline ? 'retpoline thunk' : 'ITS thunk';
  } else if (lfence) {
    p.indirectPlain = 'lfence-jmp';
    indirect = 'lfence; jmp reg';
  } else {
    const int3 = (cfg('CONFIG_MITIGATION_RETPOLINE') ?? true) || (cfg('CONFIG_MITIGATION_SLS') ?? false);
    p.indirectPlain = int3 ? 'jmp-int3' : 'jmp';
    indirect = int3 ? 'jmp reg; int3' : 'jmp reg';
  }
  const rethunk = /untrained return thunk|Stuffing/i.test(h.retbleed ?? '') || /Safe RET/i.test(h.srso ?? '') || itsThunks || /Stuffing/i.test(h.its ?? '');
  p.retThunk = rethunk;
  p.bmi2 = h.cpuFlags?.includes('bmi2') ?? false;
  p.kernelBtf = 'host';
  const notes: string[] = [];
  if (h.jitHarden !== undefined && h.jitHarden !== '0' && h.jitHarden !== '') notes.push(`bpf_jit_harden=${h.jitHarden}: constant blinding is not modelled`);
  if (cfg('CONFIG_X86_KERNEL_IBT') && h.cpuFlags?.includes('ibt')) notes.push('IBT (endbr64 prologues) is not modelled');
  const why =
    `Linux ${h.release ?? '?'} (${older.name} code generation); spectre_v2 "${spectre}" -> ${indirect}; ` +
    `${rethunk ? 'return thunk' : 'plain ret'} (retbleed "${h.retbleed ?? '?'}", srso "${h.srso ?? '?'}"); ` +
    `${p.bmi2 ? 'BMI2 shifts' : 'no BMI2'}` +
    (notes.length ? `; ${notes.join('; ')}` : '');
  p.describes = `this machine: ${why}`;
  return { profile: p, why };
}
