// The JIT profile a name selects (`--profile`, the debugger's and DAP's launch options).
import { type Result, err, ok } from '../common/diag.ts';
import { DEFAULT_X86_PROFILE, X86_PROFILES, findProfile } from './profiles.ts';
import { RV_PROFILES, RV_UPSTREAM, rvProfileByName } from './riscv64/profiles.ts';
import type { JitProfile } from './types.ts';

/**
 * `name`'s profile for `arch`, the arch's default when `name` is undefined. `host` (x86-64:
 * this machine's JIT) is known only to callers that can read the host and pass `host`.
 */
export function profileFor(arch: 'x86_64' | 'riscv64', name?: string, host?: () => JitProfile): Result<JitProfile> {
  if (arch === 'riscv64') {
    if (name === undefined) return ok(RV_UPSTREAM);
    const p = rvProfileByName(name);
    return p ? ok(p) : err('jit.bad-profile', `unknown riscv64 profile '${name}' (${RV_PROFILES.map((q) => q.name).join(', ')})`);
  }
  if (name === undefined) return ok(DEFAULT_X86_PROFILE);
  if (name === 'host' && host) return ok(host());
  const p = findProfile(name);
  const names = [...(host ? ['host'] : []), ...X86_PROFILES.map((q) => q.name)];
  return p ? ok(p) : err('jit.bad-profile', `unknown x86_64 profile '${name}' (${names.join(', ')})`);
}
