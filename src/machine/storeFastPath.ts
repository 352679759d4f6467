// Guest stores on Unicorn's inline fast path with Debian's libunicorn 2.0.1 (issue 18 goal
// 1: memory loops within 10x of native). Without this, every guest store to RAM costs ~80 ns
// (the softmmu slow path) against ~1 ns for a load, and bench/native.ts's memory loop ran
// ~115x the kernel.
//
// Facts of libunicorn 2.0.1 (x86-64 build 2.0.1.post1-1+b1) this rests on, read in its
// machine code and in qemu/accel/tcg/cputlb.c of Unicorn 2 (and
// measured with a throwaway x86-64 guest loop, see docs/PERFORMANCE.md):
// - tlb_set_page_with_attrs (the TLB fill) ORs TLB_NOTDIRTY (0x400) into the write entry of
//   every writable RAM page: the source tests `cpu_physical_memory_is_clean`, but Unicorn
//   stubs the dirty tracking (cpu_physical_memory_test_and_clear_dirty returns false) and
//   the build has no test left: `or $0x400,%r9` runs for every writable page.
// - Nothing ever clears the flag: notdirty_write only calls tlb_set_dirty when the page is
//   not clean (never), and tlb_unprotect_code is an empty function. So every store takes
//   store_helper: a memory-region lookup, then notdirty_write, which allocates and frees a
//   page collection (malloc + a GTree) to look for translated code on the page. No uc_ctl
//   (2.0.1 has none past UC_CTL_TB_FLUSH), mapping call (uc_mem_map or _ptr), permission
//   change, CPU model or prior write changes that; hooks do not either.
// - The flag exists to invalidate translated code a store overwrites (self-modifying code;
//   removing it outright broke exactly that: test/machine/storeFastPath.test.ts). A page
//   that is writable and not executable cannot hold translated code (fetches check
//   UC_PROT_EXEC). Upstream later set the flag only for executable pages (unicorn#2337).
//
// What this does, once per process, before any engine exists, in the x86_64 and riscv64
// copies of the fill (the two guests bpfdbg runs): replace that 7-byte `or` with a call to
// 29 bytes of host code (mmap'ed within rel32 reach of the library, RW then RX) that sets
// TLB_NOTDIRTY only when the page's region (section->mr, its `perms`) is not exactly
// writable-and-not-executable. Read-only, executable and RWX pages keep the slow path and
// every check they had. Memory hooks are unaffected: with a UC_HOOK_MEM_READ/WRITE installed
// Unicorn sends every access through the helpers anyway (watchpoints, recording).
//
// A copy is patched only when the bytes around the site (section->mr at 0x10, the `or`,
// section->readonly at 0x30) and the region-permission test in store_helper (perms at 0x88)
// match this build; otherwise nothing changes and `storeFastPath()` says why.
// BPFDBG_SLOW_STORES=1 turns it off (to compare, or to rule it out).
import { readFileSync } from 'node:fs';
import { libc, MAP_ANONYMOUS, MAP_FAILED, MAP_FIXED_NOREPLACE, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE } from './libc.ts';

export type StoreFastPath = { applied: true; arches: string[] } | { applied: false; reason: string };

const PAGE = 4096;

/** Guest architectures patched: the TLB fill and store helper of each have the arch as suffix. */
const ARCHES = ['x86_64', 'riscv64'];
/**
 * tlb_set_page_with_attrs_<arch> + 0x3a9 .. + 0x3d8 in 2.0.1 (same code for both arches):
 * `mov 0x10(%rsi),%rdi` (section->mr), a call to memory_region_get_ram_addr (its rel32,
 * -1 here, differs), `add`, `mov`, `mov`, `testb $PAGE_WRITE,prot`, `je`, `mov section,%rsi`,
 * `or $TLB_NOTDIRTY,%r9`, `cmpb $0,0x30(%rsi)` (section->readonly).
 */
const FILL_AT = 0x3a9;
const FILL_BYTES = [
  0x48, 0x8b, 0x7e, 0x10, 0xe8, -1, -1, -1, -1, 0x48, 0x03, 0x44, 0x24, 0x28, 0x4d, 0x89, 0xe9, 0x49, 0x89, 0xc6, 0xf6, 0x44, 0x24, 0x1c, 0x02, 0x0f, 0x84,
  0x67, 0xfd, 0xff, 0xff, 0x48, 0x8b, 0x74, 0x24, 0x08, 0x49, 0x81, 0xc9, 0x00, 0x04, 0x00, 0x00, 0x80, 0x7e, 0x30, 0x00,
];
/** Offset of the 7-byte `or $0x400,%r9` inside FILL_BYTES. */
const OR_AT = 36;
/** helper_ret_stb_mmu_<arch> + 0x104: `testb $UC_PROT_WRITE,0x88(%rax)`, i.e. MemoryRegion.perms is at 0x88. */
const PERMS_AT = 0x104;
const PERMS_BYTES = [0xf6, 0x80, 0x88, 0x00, 0x00, 0x00, 0x02];

/**
 * The stub (rsi = MemoryRegionSection *, r9 = the write entry being built; flags are dead:
 * the next instruction is a cmpb):
 *   push rax; mov rax, [rsi+0x10]; movzx eax, byte [rax+0x88]   ; section->mr->perms
 *   and eax, UC_PROT_WRITE|UC_PROT_EXEC; cmp eax, UC_PROT_WRITE; je 1f
 *   or r9, TLB_NOTDIRTY
 *   1: pop rax; ret
 */
const STUB = new Uint8Array([
  0x50, 0x48, 0x8b, 0x46, 0x10, 0x0f, 0xb6, 0x80, 0x88, 0x00, 0x00, 0x00, 0x83, 0xe0, 0x06, 0x83, 0xf8, 0x02, 0x74, 0x07, 0x49, 0x81, 0xc9, 0x00, 0x04, 0x00,
  0x00, 0x58, 0xc3,
]);

let state: StoreFastPath | undefined;

/** Page addresses in free gaps of this process's address space within rel32 reach of `site`, nearest first. */
function nearGaps(site: bigint): bigint[] {
  const reach = 0x7000_0000n; // < 2 GiB, with room for the call's own displacement
  const page = BigInt(PAGE);
  const ranges = readFileSync('/proc/self/maps', 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.slice(0, l.indexOf(' ')).split('-'))
    .map(([lo, hi]) => [BigInt('0x' + lo), BigInt('0x' + hi)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const out: bigint[] = [];
  for (let i = 1; i < ranges.length; i++) {
    const gapStart = ranges[i - 1]![1];
    const gapEnd = ranges[i]![0];
    if (gapEnd - gapStart < page) continue;
    if (gapEnd <= site && site - (gapEnd - page) < reach) out.push(gapEnd - page); // top page of a gap below
    if (gapStart > site && gapStart - site < reach) out.push(gapStart); // bottom page of a gap above
  }
  const dist = (a: bigint): bigint => (a < site ? site - a : a - site);
  return out.sort((a, b) => (dist(a) < dist(b) ? -1 : 1)).slice(0, 16);
}

/** Whether guest stores to writable, non-executable RAM take the inline fast path (see above). */
export function storeFastPath(): StoreFastPath {
  return state ?? { applied: false, reason: 'libunicorn not loaded yet' };
}

const no = (reason: string): StoreFastPath => (state = { applied: false, reason });

/** Applies the patch once; unicornLib() calls it right after loading libunicorn.so.2. */
export function enableStoreFastPath(): StoreFastPath {
  if (state) return state;
  if (process.env.BPFDBG_SLOW_STORES === '1') return no('BPFDBG_SLOW_STORES=1');
  if (process.platform !== 'linux' || process.arch !== 'x64') return no(`host ${process.platform}/${process.arch} (x86-64 Linux only)`);
  const c = libc();
  if (c.symbolIn('libunicorn.so.2', 'uc_open') === 0n) return no('libunicorn.so.2 is not loaded');
  const matches = (symbol: string, at: number, want: number[]): bigint | undefined => {
    const sym = c.symbolIn('libunicorn.so.2', symbol);
    if (sym === 0n) return undefined;
    const got = new Uint8Array(want.length);
    c.readAt(got, sym + BigInt(at));
    return want.every((b, i) => b < 0 || got[i] === b) ? sym + BigInt(at) : undefined;
  };
  const sites = new Map<string, bigint>();
  for (const arch of ARCHES) {
    const fill = matches(`tlb_set_page_with_attrs_${arch}`, FILL_AT, FILL_BYTES);
    if (fill !== undefined && matches(`helper_ret_stb_mmu_${arch}`, PERMS_AT, PERMS_BYTES) !== undefined) sites.set(arch, fill + BigInt(OR_AT));
  }
  if (sites.size === 0) return no('not the libunicorn 2.0.1 build this patch was written for');
  const reachable = (stub: bigint): boolean => [...sites.values()].every((site) => BigInt.asIntN(32, stub - (site + 5n)) === stub - (site + 5n));

  // The stub must be within a rel32 call of the sites: the free gaps of /proc/self/maps
  // nearest to one, claimed with MAP_FIXED_NOREPLACE (another thread may map meanwhile).
  let stub = 0n;
  for (const hint of nearGaps([...sites.values()][0]!).filter(reachable)) {
    const p = c.mmapAt(hint, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (p === hint) {
      stub = p;
      break;
    }
    if (p !== MAP_FAILED) c.munmapAt(p, PAGE); // a kernel without MAP_FIXED_NOREPLACE took it as a hint
  }
  if (stub === 0n) return no('no free page within 2 GiB of libunicorn for the stub');
  c.writeAt(stub, STUB);
  if (c.mprotectAt(stub, PAGE, PROT_READ | PROT_EXEC) !== 0) return no('mprotect of the stub failed');

  const done: string[] = [];
  for (const [arch, site] of sites) {
    const call = Buffer.alloc(7);
    call[0] = 0xe8;
    call.writeInt32LE(Number(stub - (site + 5n)), 1);
    call[5] = 0x66; // 2-byte nop: the `or` was 7 bytes
    call[6] = 0x90;
    const first = site & ~BigInt(PAGE - 1);
    const span = site + 7n - first > BigInt(PAGE) ? 2 * PAGE : PAGE;
    // RWX while writing: no engine runs yet, but the page holds other live code.
    if (c.mprotectAt(first, span, PROT_READ | PROT_WRITE | PROT_EXEC) !== 0) break;
    c.writeAt(site, call);
    c.mprotectAt(first, span, PROT_READ | PROT_EXEC);
    done.push(arch);
  }
  if (done.length === 0) return no('mprotect of libunicorn text failed');
  return (state = { applied: true, arches: done });
}
