// JIT every program of an object the way a load would: one kernel model (so map and
// per-CPU addresses are the ones a run uses), each program compiled under a profile.
import { fail, unwrap } from '../common/diag.ts';
import { TEXT_BASE, TEXT_SLOT } from '../common/layout.ts';
import { analysisOptionsFor, compileX86, findProfile, layoutPlacement, linkImage, type JitImage, type JitProfile } from '../jit/index.ts';
import { compileRiscv, rvProfileByName, RV_UPSTREAM } from '../jit/riscv64/index.ts';
import { DEFAULT_X86_PROFILE, X86_PROFILES } from '../jit/profiles.ts';
import { RV_PROFILES } from '../jit/riscv64/profiles.ts';
import { jitEnvFor } from '../kernel/jitEnv.ts';
import { PrivStackAllocator } from '../kernel/privStack.ts';
import type { BpfObject, BpfProgram } from '../object/index.ts';
import { KernelModel } from '../kernel/index.ts';
import { analyzeAll } from './engines.ts';
import { readHostDescription } from './hostDescription.ts';
import { profileForHost, type HostProfileChoice } from '../jit/hostProfile.ts';
import { hostKernelBtf, shippedKernelBtf, type KernelBtf } from '../object/kernelBtf.ts';
import { release } from 'node:os';

let hostChoice: HostProfileChoice | undefined;
/** This machine's profile (`--profile host`), read once per process. */
export function hostProfileChoice(): HostProfileChoice {
  return (hostChoice ??= profileForHost(readHostDescription()));
}

/** The profile `--arch`/`--profile` select, with the one line `bpfdbg list` prints about it. */
export function profileChoice(arch: 'x86_64' | 'riscv64', name: string | undefined): HostProfileChoice {
  if (arch === 'x86_64' && name === 'host') return hostProfileChoice();
  const profile = profileFor(arch, name);
  return { profile, why: name === undefined ? `default for ${arch} (--profile host: this machine's JIT)` : `given by --profile: ${profile.describes}` };
}

/** Where CO-RE relocations resolve for a profile: the running kernel's BTF for 'host' when it has one. */
export function kernelBtfFor(profile: JitProfile): (() => KernelBtf) | undefined {
  if (profile.kernelBtf !== 'host') return undefined;
  return () => hostKernelBtf(release()) ?? shippedKernelBtf();
}

export function profileFor(arch: 'x86_64' | 'riscv64', name: string | undefined): JitProfile {
  if (arch === 'riscv64') {
    if (name === undefined) return RV_UPSTREAM;
    const p = rvProfileByName(name);
    if (!p) fail('cli.bad-profile', `unknown riscv64 profile '${name}' (${RV_PROFILES.map((q) => q.name).join(', ')})`);
    return p;
  }
  if (name === undefined) return DEFAULT_X86_PROFILE;
  if (name === 'host') return hostProfileChoice().profile;
  const p = findProfile(name);
  if (!p) fail('cli.bad-profile', `unknown x86_64 profile '${name}' (host, ${X86_PROFILES.map((q) => q.name).join(', ')})`);
  return p;
}

export interface JitedProgram {
  program: BpfProgram;
  jit: JitImage;
  funcAddrs: bigint[];
  /** Linked bytes per function (calls and addresses filled for the placement in funcAddrs). */
  code: Uint8Array[];
}

export function jitPrograms(obj: BpfObject, progs: readonly BpfProgram[], profile: JitProfile): JitedProgram[] {
  const model = new KernelModel();
  const loaded = model.loadObject(obj, analyzeAll(obj, progs[0]!, analysisOptionsFor(profile)));
  const priv = new PrivStackAllocator(model.space);
  const out: JitedProgram[] = [];
  for (const [n, lp] of loaded.programs.entries()) {
    if (!progs.some((p) => p.name === lp.name)) continue;
    const env = jitEnvFor(loaded, lp, priv);
    const jit = unwrap(profile.arch === 'riscv64' ? compileRiscv(lp.image, profile, env) : compileX86(lp.image, profile, env));
    const base = TEXT_BASE + BigInt(n) * TEXT_SLOT;
    const funcAddrs: bigint[] = [];
    let off = 0n;
    for (const f of jit.funcs) {
      funcAddrs.push(base + off);
      off += (BigInt(f.code.length) + 63n) & ~63n;
    }
    const linked = unwrap(linkImage(jit, layoutPlacement(funcAddrs)));
    out.push({ program: lp.program, jit, funcAddrs, code: linked });
  }
  return out;
}
