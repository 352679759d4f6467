// koffi bindings for libunicorn.so.2 (Unicorn 2.0.x, Debian libunicorn2), and page-aligned
// host memory for uc_mem_map_ptr (through libc.ts). With libc.ts and nativeBlockCounter.ts
// (host code for the block and memory hooks) the only files importing koffi. Constants were
// read from /usr/include/unicorn/*.h of 2.0.1 (see the spike notes in
// ../shared/reference/unicorn-koffi.md for the prototypes that work with koffi 3.x).
import koffi, { type LibraryHandle, type TypeObject } from 'koffi';
import { enableStoreFastPath } from './storeFastPath.ts';
import { libc, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from './libc.ts';

export const UC_ARCH_X86 = 4;
export const UC_ARCH_RISCV = 8;
export const UC_MODE_64 = 8;
export const UC_MODE_RISCV64 = 8;

export const UC_PROT_READ = 1;
export const UC_PROT_WRITE = 2;
export const UC_PROT_EXEC = 4;

export const UC_HOOK_INTR = 1 << 0;
export const UC_HOOK_CODE = 1 << 2;
export const UC_HOOK_BLOCK = 1 << 3;
export const UC_HOOK_MEM_READ = 1 << 10;
export const UC_HOOK_MEM_WRITE = 1 << 11;
/** UC_HOOK_MEM_UNMAPPED + UC_HOOK_MEM_PROT */
export const UC_HOOK_MEM_INVALID = 1008;

/** uc_mem_type values reported to memory hooks. */
export const UC_MEM_READ = 16;
export const UC_MEM_WRITE = 17;
export const UC_MEM_FETCH = 18;
export const UC_MEM_READ_UNMAPPED = 19;
export const UC_MEM_WRITE_UNMAPPED = 20;
export const UC_MEM_FETCH_UNMAPPED = 21;
export const UC_MEM_WRITE_PROT = 22;
export const UC_MEM_READ_PROT = 23;
export const UC_MEM_FETCH_PROT = 24;

export const UC_QUERY_TIMEOUT = 4;
/** UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2) */
export const UC_CTL_TB_REMOVE_CACHE_W = 1207959561;
/** UC_CTL_WRITE(UC_CTL_TB_FLUSH, 0) */
export const UC_CTL_TB_FLUSH_W = 1073741834;

/** uc_err codes that a guest can cause (everything else is a bug on our side). */
export const UC_ERR = {
  OK: 0,
  READ_UNMAPPED: 6,
  WRITE_UNMAPPED: 7,
  FETCH_UNMAPPED: 8,
  INSN_INVALID: 10,
  WRITE_PROT: 12,
  READ_PROT: 13,
  FETCH_PROT: 14,
  READ_UNALIGNED: 16,
  WRITE_UNALIGNED: 17,
  FETCH_UNALIGNED: 18,
  EXCEPTION: 21,
} as const;

export interface UnicornLib {
  uc_open(arch: number, mode: number, out: unknown[]): number;
  uc_close(uc: unknown): number;
  uc_strerror(code: number): string;
  uc_query(uc: unknown, type: number, out: bigint[] | number[]): number;
  uc_mem_map(uc: unknown, addr: bigint, size: number, perms: number): number;
  uc_mem_map_ptr(uc: unknown, addr: bigint, size: number, perms: number, ptr: unknown): number;
  uc_mem_unmap(uc: unknown, addr: bigint, size: number): number;
  uc_mem_protect(uc: unknown, addr: bigint, size: number, perms: number): number;
  uc_mem_write(uc: unknown, addr: bigint, bytes: Uint8Array, size: number): number;
  uc_mem_read(uc: unknown, addr: bigint, bytes: Uint8Array, size: number): number;
  uc_reg_read(uc: unknown, regid: number, value: BigUint64Array | Uint8Array): number;
  uc_reg_write(uc: unknown, regid: number, value: BigUint64Array | Uint8Array): number;
  uc_reg_read_batch(uc: unknown, regs: Int32Array, vals: BigUint64Array, count: number): number;
  uc_reg_write_batch(uc: unknown, regs: Int32Array, vals: BigUint64Array, count: number): number;
  uc_emu_start(uc: unknown, begin: bigint, until: bigint, timeout: bigint, count: number): number;
  uc_emu_stop(uc: unknown): number;
  uc_hook_add(uc: unknown, hh: BigUint64Array, type: number, cb: unknown, ud: unknown, begin: bigint, end: bigint): number;
  uc_hook_del(uc: unknown, hh: bigint): number;
  uc_ctl_range(uc: unknown, control: number, a: bigint, b: bigint): number;
  uc_ctl_none(uc: unknown, control: number): number;
  uc_context_alloc(uc: unknown, out: unknown[]): number;
  uc_context_save(uc: unknown, ctx: unknown): number;
  uc_context_restore(uc: unknown, ctx: unknown): number;
  uc_context_free(ctx: unknown): number;
  /** Pointer types used to register callbacks. */
  codeHookPtr: TypeObject;
  memHookPtr: TypeObject;
  intrHookPtr: TypeObject;
  /** Page-aligned zeroed host memory (anonymous mmap), released with hostFree. */
  hostAlloc(size: number): { ptr: unknown; view: Uint8Array; address: bigint };
  hostFree(ptr: unknown, size: number): void;
  register(fn: (...args: never[]) => unknown, type: TypeObject): unknown;
  unregister(cb: unknown): void;
  /** Host address of a native pointer, for keying and alignment checks. */
  address(ptr: unknown): bigint;
  /** Native pointer view: reads n uint64 values at a pointer. */
  allocU64(n: number): { ptr: unknown; addrs: BigUint64Array; read(i: number): bigint; write(i: number, v: bigint): void; free(): void };
}

let cached: UnicornLib | undefined;

/** Loads libunicorn.so.2 once; a missing library is one clear, actionable error. */
export function unicornLib(): UnicornLib {
  if (cached) return cached;
  let lib: LibraryHandle;
  try {
    lib = koffi.load('libunicorn.so.2');
  } catch (e) {
    throw new Error(
      `cannot load libunicorn.so.2 (Unicorn 2 CPU emulator): ${(e as Error).message}. ` + 'Install it with `apt-get install libunicorn2` (Debian/Ubuntu).',
    );
  }
  // Before any engine exists: guest stores to RW memory on Unicorn's inline fast path.
  enableStoreFastPath();
  const ucEngine = koffi.opaque('uc_engine');
  const ucContext = koffi.opaque('uc_context');
  const codeHook = koffi.proto('void uc_cb_hookcode(void *uc, uint64_t address, uint32_t size, void *ud)');
  const memHook = koffi.proto('bool uc_cb_eventmem(void *uc, int type, uint64_t address, int size, int64_t value, void *ud)');
  const intrHook = koffi.proto('void uc_cb_hookintr(void *uc, uint32_t intno, void *ud)');
  const E = 'uc_engine *';
  const { mmap, munmap } = libc();

  const f = {
    uc_open: lib.func(`int uc_open(int arch, int mode, _Out_ ${E}*uc)`),
    uc_close: lib.func(`int uc_close(${E}uc)`),
    uc_strerror: lib.func('const char *uc_strerror(int code)'),
    uc_query: lib.func(`int uc_query(${E}uc, int type, _Out_ size_t *result)`),
    uc_mem_map: lib.func(`int uc_mem_map(${E}uc, uint64_t address, size_t size, uint32_t perms)`),
    uc_mem_map_ptr: lib.func(`int uc_mem_map_ptr(${E}uc, uint64_t address, size_t size, uint32_t perms, uintptr_t ptr)`),
    uc_mem_unmap: lib.func(`int uc_mem_unmap(${E}uc, uint64_t address, size_t size)`),
    uc_mem_protect: lib.func(`int uc_mem_protect(${E}uc, uint64_t address, size_t size, uint32_t perms)`),
    uc_mem_write: lib.func(`int uc_mem_write(${E}uc, uint64_t address, const void *bytes, size_t size)`),
    uc_mem_read: lib.func(`int uc_mem_read(${E}uc, uint64_t address, _Out_ void *bytes, size_t size)`),
    uc_reg_read: lib.func(`int uc_reg_read(${E}uc, int regid, _Out_ void *value)`),
    uc_reg_write: lib.func(`int uc_reg_write(${E}uc, int regid, const void *value)`),
    uc_reg_read_batch: lib.func(`int uc_reg_read_batch(${E}uc, int32_t *regs, void *vals, int count)`),
    uc_reg_write_batch: lib.func(`int uc_reg_write_batch(${E}uc, int32_t *regs, void *vals, int count)`),
    uc_emu_start: lib.func(`int uc_emu_start(${E}uc, uint64_t begin, uint64_t until, uint64_t timeout, size_t count)`),
    uc_emu_stop: lib.func(`int uc_emu_stop(${E}uc)`),
    uc_hook_add: lib.func(`int uc_hook_add(${E}uc, _Out_ uint64_t *hh, int type, void *callback, void *ud, uint64_t begin, uint64_t end, ...)`),
    uc_hook_del: lib.func(`int uc_hook_del(${E}uc, uint64_t hh)`),
    uc_ctl: lib.func(`int uc_ctl(${E}uc, uint32_t control, ...)`),
    uc_context_alloc: lib.func(`int uc_context_alloc(${E}uc, _Out_ uc_context **ctx)`),
    uc_context_save: lib.func(`int uc_context_save(${E}uc, uc_context *ctx)`),
    uc_context_restore: lib.func(`int uc_context_restore(${E}uc, uc_context *ctx)`),
    uc_context_free: lib.func('int uc_context_free(uc_context *ctx)'),
  };
  void ucEngine;
  void ucContext;

  cached = {
    uc_open: f.uc_open,
    uc_close: f.uc_close,
    uc_strerror: f.uc_strerror,
    uc_query: f.uc_query,
    uc_mem_map: f.uc_mem_map,
    uc_mem_map_ptr: f.uc_mem_map_ptr,
    uc_mem_unmap: f.uc_mem_unmap,
    uc_mem_protect: f.uc_mem_protect,
    uc_mem_write: f.uc_mem_write,
    uc_mem_read: f.uc_mem_read,
    uc_reg_read: f.uc_reg_read,
    uc_reg_write: f.uc_reg_write,
    uc_reg_read_batch: f.uc_reg_read_batch,
    uc_reg_write_batch: f.uc_reg_write_batch,
    uc_emu_start: f.uc_emu_start,
    uc_emu_stop: f.uc_emu_stop,
    uc_hook_add: (uc, hh, type, cb, ud, begin, end) => f.uc_hook_add(uc, hh, type, cb, ud, begin, end),
    uc_hook_del: f.uc_hook_del,
    uc_ctl_range: (uc, control, a, b) => f.uc_ctl(uc, control, 'uint64_t', a, 'uint64_t', b),
    uc_ctl_none: (uc, control) => f.uc_ctl(uc, control),
    uc_context_alloc: f.uc_context_alloc,
    uc_context_save: f.uc_context_save,
    uc_context_restore: f.uc_context_restore,
    uc_context_free: f.uc_context_free,
    codeHookPtr: koffi.pointer(codeHook),
    memHookPtr: koffi.pointer(memHook),
    intrHookPtr: koffi.pointer(intrHook),
    hostAlloc(size) {
      const ptr = mmap(null, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      const address = BigInt(koffi.address(ptr));
      if (ptr === null || address === 0xffffffffffffffffn) throw new Error(`mmap of ${size} bytes failed`);
      return { ptr, view: new Uint8Array(koffi.view(ptr, size)), address };
    },
    hostFree(ptr, size) {
      munmap(ptr, size);
    },
    register: (fn, type) => koffi.register(fn, type),
    unregister: (cb) => koffi.unregister(cb as bigint),
    address: (ptr) => BigInt(koffi.address(ptr)),
    allocU64(n) {
      const ptr = koffi.alloc('uint64_t', n);
      const view = new BigUint64Array(koffi.view(ptr, n * 8));
      const base = BigInt(koffi.address(ptr));
      const addrs = new BigUint64Array(n);
      for (let i = 0; i < n; i++) addrs[i] = base + BigInt(i * 8);
      return { ptr, addrs, read: (i) => view[i]!, write: (i, v) => void (view[i] = v), free: () => koffi.free(ptr) };
    },
  };
  return cached;
}
