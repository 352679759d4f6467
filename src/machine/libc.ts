// libc through koffi, bound once for the machine layer: host memory for guest RAM
// (unicornLib.ts), host code for the native hooks (nativeBlockCounter.ts) and the patch of
// libunicorn's TLB fill (storeFastPath.ts). Pointers (void *) where koffi must view the
// memory; addresses (uintptr_t, bigint) where the caller computes them.
import koffi from 'koffi';

export const PROT_READ = 1;
export const PROT_WRITE = 2;
export const PROT_EXEC = 4;
export const MAP_PRIVATE = 0x02;
export const MAP_ANONYMOUS = 0x20;
export const MAP_FIXED_NOREPLACE = 0x100000;
export const MAP_FAILED = 0xffff_ffff_ffff_ffffn;

const RTLD_NOW = 2;
const RTLD_NOLOAD = 4;

export interface Libc {
  /** mmap returning a pointer koffi can view (koffi.view); null or MAP_FAILED on failure. */
  mmap(addr: null, len: number, prot: number, flags: number, fd: number, off: number): unknown;
  munmap(ptr: unknown, len: number): number;
  mprotect(ptr: unknown, len: number, prot: number): number;
  /** The same three on addresses. */
  mmapAt(addr: bigint, len: number, prot: number, flags: number, fd: number, off: number): bigint;
  munmapAt(addr: bigint, len: number): number;
  mprotectAt(addr: bigint, len: number, prot: number): number;
  /** The address of `symbol` in `library`, which must be loaded already; 0n when either is missing. */
  symbolIn(library: string, symbol: string): bigint;
  /** Copies `dst.length` bytes of host memory at `addr` into `dst`. */
  readAt(dst: Uint8Array, addr: bigint): void;
  /** Copies `src` to host memory at `addr`. */
  writeAt(addr: bigint, src: Uint8Array): void;
}

let bound: Libc | undefined;

export function libc(): Libc {
  if (bound) return bound;
  const c = koffi.load('libc.so.6');
  const mmap = c.func('void *mmap(void *addr, size_t len, int prot, int flags, int fd, int64_t off)');
  const munmap = c.func('int munmap(void *addr, size_t len)');
  const mprotect = c.func('int mprotect(void *addr, size_t len, int prot)');
  const mmapAt = c.func('uintptr_t mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, int64_t off)');
  const munmapAt = c.func('int munmap(uintptr_t addr, size_t len)');
  const mprotectAt = c.func('int mprotect(uintptr_t addr, size_t len, int prot)');
  const dlopen = c.func('uintptr_t dlopen(const char *file, int mode)');
  const dlsym = c.func('uintptr_t dlsym(uintptr_t handle, const char *name)');
  const readAt = c.func('void *memcpy(_Out_ uint8_t *dst, uintptr_t src, size_t n)');
  const writeAt = c.func('void *memcpy(uintptr_t dst, const uint8_t *src, size_t n)');
  bound = {
    mmap: (addr, len, prot, flags, fd, off) => mmap(addr, len, prot, flags, fd, off),
    munmap: (ptr, len) => munmap(ptr, len),
    mprotect: (ptr, len, prot) => mprotect(ptr, len, prot),
    mmapAt: (addr, len, prot, flags, fd, off) => BigInt(mmapAt(addr, len, prot, flags, fd, off)),
    munmapAt: (addr, len) => munmapAt(addr, len),
    mprotectAt: (addr, len, prot) => mprotectAt(addr, len, prot),
    symbolIn(library, symbol) {
      const h = BigInt(dlopen(library, RTLD_NOW | RTLD_NOLOAD));
      return h === 0n ? 0n : BigInt(dlsym(h, symbol));
    },
    readAt: (dst, addr) => void readAt(dst, addr, dst.length),
    writeAt: (addr, src) => void writeAt(addr, src, src.length),
  };
  return bound;
}
