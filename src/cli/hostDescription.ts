// Reads what this machine's Linux exposes about its JIT (jit/hostProfile.ts decides). Every
// file is optional: a missing or unreadable one leaves its field unknown.
import { existsSync, readFileSync } from 'node:fs';
import { release } from 'node:os';
import { gunzipSync } from 'node:zlib';
import type { HostDescription } from '../jit/hostProfile.ts';

const VULN = '/sys/devices/system/cpu/vulnerabilities';

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** CONFIG_X=value lines of the running kernel's config, when the kernel exposes it. */
function kernelConfig(rel: string): Map<string, string> | undefined {
  let text: string | undefined;
  try {
    if (existsSync('/proc/config.gz')) text = gunzipSync(readFileSync('/proc/config.gz')).toString('utf8');
  } catch {
    text = undefined;
  }
  text ??= read(`/boot/config-${rel}`);
  if (text === undefined) return undefined;
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (line.startsWith('CONFIG_') && eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}

export function readHostDescription(): HostDescription {
  const rel = process.platform === 'linux' ? release() : undefined;
  const h: HostDescription = { arch: process.arch };
  if (rel !== undefined) h.release = rel;
  const set = <K extends keyof HostDescription>(k: K, v: HostDescription[K] | undefined): void => {
    if (v !== undefined) h[k] = v;
  };
  set('spectreV2', read(`${VULN}/spectre_v2`));
  set('retbleed', read(`${VULN}/retbleed`));
  set('srso', read(`${VULN}/spec_rstack_overflow`));
  set('its', read(`${VULN}/indirect_target_selection`));
  set('jitHarden', read('/proc/sys/net/core/bpf_jit_harden'));
  const cpuinfo = read('/proc/cpuinfo');
  const flags = cpuinfo && /^flags\s*:\s*(.*)$/m.exec(cpuinfo);
  if (flags) h.cpuFlags = flags[1]!.split(/\s+/);
  if (rel !== undefined) set('kconfig', kernelConfig(rel));
  return h;
}
