// The kernel's own BTF (vmlinux), the target of CO-RE relocations, kfunc and __ksym
// resolution, and the source of every kernel struct layout the JIT and the ctx rewrites use.
// As libbpf does (btf__load_vmlinux_btf), the running kernel's /sys/kernel/btf/vmlinux is
// used when a profile asks for the host; otherwise the BTF shipped for the profile's
// kernel: data/btf/vmlinux-<release>.btf.br, the 5.4 MB vmlinux BTF of Linux 6.18.44
// x86-64 (the build behind ../shared/testdata), brotli-compressed to 1.3 MB.
// Parsing takes ~0.4 s, so it happens once, on first use.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { parseBtf, type Btf } from './btf.ts';

/** Kernel releases whose BTF ships with bpfdbg. */
export const SHIPPED_KERNEL_BTF = ['6.18.44'] as const;
export const DEFAULT_KERNEL_RELEASE = '6.18.44';
export const HOST_KERNEL_BTF = '/sys/kernel/btf/vmlinux';

/**
 * data/btf of the package: two levels above this module in the sources (src/object/), at
 * another depth in the compiled bundle (dist/chunks/, scripts/build.mjs). The nearest
 * ancestor holding data/btf.
 */
const dataDir = ((): string => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'data', 'btf');
    const up = path.dirname(dir);
    if (existsSync(candidate) || up === dir) return candidate;
    dir = up;
  }
})();

export interface KernelBtf {
  btf: Btf;
  /** Where it came from: a path, for `bpfdbg list` and error messages. */
  source: string;
  release: string;
}

const cache = new Map<string, KernelBtf>();

/** The shipped BTF of `release` (default: the 6.18.44 the default profiles model). */
export function shippedKernelBtf(release: string = DEFAULT_KERNEL_RELEASE): KernelBtf {
  const file = path.join(dataDir, `vmlinux-${release}.btf.br`);
  let k = cache.get(file);
  if (!k) {
    if (!existsSync(file)) throw new Error(`no kernel BTF shipped for Linux ${release} (${file})`);
    const raw = new Uint8Array(brotliDecompressSync(readFileSync(file)));
    k = { btf: parseBtf(raw, 0, { file }, { lazyMembers: true }), source: file, release };
    cache.set(file, k);
  }
  return k;
}

/** The running kernel's BTF, or undefined when this machine exposes none. */
export function hostKernelBtf(release: string): KernelBtf | undefined {
  let k = cache.get(HOST_KERNEL_BTF);
  if (!k) {
    if (!existsSync(HOST_KERNEL_BTF)) return undefined;
    k = { btf: parseBtf(new Uint8Array(readFileSync(HOST_KERNEL_BTF)), 0, { file: HOST_KERNEL_BTF }, { lazyMembers: true }), source: HOST_KERNEL_BTF, release };
    cache.set(HOST_KERNEL_BTF, k);
  }
  return k;
}
