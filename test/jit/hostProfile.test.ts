// `--profile host`: the JIT profile follows from what /sys, /proc and uname say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { profileForHost, type HostDescription } from '../../src/jit/hostProfile.ts';
import { analysisOptionsFor, findProfile } from '../../src/jit/profiles.ts';

const intelEibrs: HostDescription = {
  arch: 'x64',
  release: '6.18.44-fc-v1272',
  spectreV2: 'Mitigation: Enhanced / Automatic IBRS; IBPB: conditional; PBRSB-eIBRS: SW sequence; BHI: Vulnerable',
  retbleed: 'Not affected',
  srso: 'Not affected',
  its: 'Not affected',
  cpuFlags: ['fpu', 'bmi1', 'bmi2', 'ibt', 'ibrs_enhanced'],
  jitHarden: '0',
  kconfig: new Map([
    ['CONFIG_MITIGATION_RETPOLINE', 'y'],
    ['CONFIG_MITIGATION_RETHUNK', 'y'],
  ]),
};

test('Intel with enhanced IBRS: jmp rcx; int3 for indirect jumps, plain ret, BMI2 shifts, the host kernel BTF', () => {
  const { profile, why } = profileForHost(intelEibrs);
  assert.equal(profile.name, 'host');
  assert.equal(profile.indirectThunk, false);
  assert.equal(profile.indirectPlain, 'jmp-int3');
  assert.equal(profile.retThunk, false);
  assert.equal(profile.bmi2, true);
  assert.equal(profile.kernelBtf, 'host');
  assert.equal(profile.privStack, 'adaptive');
  assert.match(why, /^Linux 6\.18\.44-fc-v1272 .*jmp reg; int3; plain ret .*BMI2 shifts$/);
  assert.doesNotMatch(why, /\n/);
});

test('a kernel built without CONFIG_MITIGATION_RETPOLINE/SLS emits a bare jmp rcx', () => {
  const { profile } = profileForHost({ ...intelEibrs, kconfig: new Map([['CONFIG_MITIGATION_RETPOLINE', 'n']]) });
  assert.equal(profile.indirectPlain, 'jmp');
});

test('the kernel-wide corpus host (AMD EPYC, retpolines, retbleed not affected) decides as the kernel-wide profile describes', () => {
  const { profile } = profileForHost({
    arch: 'x64',
    release: '6.18.44',
    spectreV2: 'Mitigation: Retpolines; IBPB: conditional; STIBP: always-on; RSB filling',
    retbleed: 'Not affected',
    srso: 'Not affected',
    cpuFlags: ['bmi2'],
  });
  const corpus = findProfile('kernel-wide')!;
  // (The corpus host gave no program a private stack, which /sys does not tell: its profile says so.)
  for (const k of ['indirectThunk', 'retThunk', 'bmi2', 'tcc'] as const) assert.equal(profile[k], corpus[k], k);
});

test('return thunks come from the retbleed, SRSO and ITS mitigations that set X86_FEATURE_RETHUNK', () => {
  const amd = { arch: 'x64', release: '6.18.0', spectreV2: 'Mitigation: Retpolines', cpuFlags: [] };
  assert.equal(profileForHost({ ...amd, retbleed: 'Mitigation: untrained return thunk; SMT enabled with STIBP protection' }).profile.retThunk, true);
  assert.equal(profileForHost({ ...amd, retbleed: 'Not affected', srso: 'Mitigation: Safe RET' }).profile.retThunk, true);
  assert.equal(profileForHost({ ...amd, retbleed: 'Mitigation: IBRS' }).profile.retThunk, false);
  const its = profileForHost({
    arch: 'x64',
    release: '6.18.0',
    spectreV2: 'Mitigation: Enhanced / Automatic IBRS',
    its: 'Mitigation: Aligned branch/return thunks',
  }).profile;
  assert.equal(its.retThunk, true);
  assert.equal(its.indirectThunk, true); // __x86_indirect_its_thunk_rcx
  assert.equal(profileForHost({ ...amd, spectreV2: 'Mitigation: LFENCE' }).profile.indirectPlain, 'lfence-jmp');
});

test('older kernels keep their tail-call counter and analysis generation', () => {
  const p612 = profileForHost({ ...intelEibrs, release: '6.12.9' }).profile;
  assert.equal(p612.privStack, 'off');
  assert.equal(analysisOptionsFor(p612).kernel, '6.12');
  assert.equal(profileForHost({ ...intelEibrs, release: '6.1.100' }).profile.tcc, 'by-value');
});

test('without the vulnerabilities files (or off x86-64) the default profile is named', () => {
  const none = profileForHost({ arch: 'x64' });
  assert.equal(none.profile.privStack, findProfile('linux-6.18')!.privStack);
  assert.match(none.why, /default profile linux-6\.18/);
  assert.match(profileForHost({ arch: 'arm64', spectreV2: 'Not affected' }).why, /host is arm64, not x86-64: using the default profile linux-6\.18/);
});

test('hardening and IBT are named when they would change code bpfdbg does not model', () => {
  const { why } = profileForHost({ ...intelEibrs, jitHarden: '2', kconfig: new Map([['CONFIG_X86_KERNEL_IBT', 'y']]) });
  assert.match(why, /bpf_jit_harden=2: constant blinding is not modelled; IBT \(endbr64 prologues\) is not modelled/);
});
