// Exact instruction counting by translated block, in host machine code (issue 18 goal 3,
// issue 15 item 6). A UC_HOOK_BLOCK callback written in JS costs ~0.2-1 µs a block; this
// one is 96 bytes of x86-64 code mmap'ed into the Node process (RW, then RX) and handed to
// uc_hook_add as the callback, with a small struct of its own as user data.
//
// Facts of Unicorn 2.0.1 this rests on (measured in test/machine/blockCounter.test.ts and
// read in qemu/accel/tcg/translator.c of 2.0.1):
// - The block hook is generated in front of gen_tb_start, i.e. before the TB's exit-request
//   check: a stop requested from it (uc_emu_stop) ends the run before any instruction of
//   the block executes, pc = the block's start.
// - Its `size` is the TB's guest byte size (tb->size = pc_next - pc_first, patched in after
//   translation), and a TB is a run of whole instructions from `address`.
// - A TB that starts at the `until` address gets no block hook (it only halts), and a TB
//   translated while an `until` lies inside it ends before it.
// - Every code hook and Unicorn's count hook fire after the block hook of their TB, so any
//   stop from inside a TB (breakpoint, count, fault with the count hook's exact pc, timeout
//   at the next TB's start) leaves pc inside (or at the end of) the block hooked last.
//
// The code (SysV ABI: rdi = uc, rsi = address, edx = size, rcx = user data):
//   push rbx; mov rbx, rcx
//   rax = ((address >> 14) ^ address) & mask; rax = table + rax * 16   ; direct-mapped cache
//   if (entry.address != address || entry.size != size) goto miss
//   eax = entry.count
// have:
//   last = { address, size, count }                    ; the block settle() works back from
//   rax += ud.count; if (rax > ud.limit) goto stop     ; unsigned: the block would cross the budget
//   ud.count = rax; pop rbx; ret
// stop:
//   ud.stopped = 1; uc_emu_stop(ud.uc); pop rbx; ret   ; the block is not counted and not run
// miss:
//   push rsi; push rdx; eax = ud.miss(address, size); pop rdx; pop rsi; goto have
// `miss` is a koffi callback into JS: it decodes the block with Capstone, fills the cache
// entry and returns the count. The stack stays 16-byte aligned at both calls (1 or 3 pushes
// after the return address). Only on an x86-64 host (process.arch === 'x64'); elsewhere
// create() returns undefined and the machine keeps finding stop counts the old way
// (TracingMachine re-runs with budgets).
import koffi, { type TypeObject } from 'koffi';
import { disasm, type DisasmArch } from './capstone.ts';
import { unicornLib, type UnicornLib } from './unicornLib.ts';

type HostMemory = ReturnType<UnicornLib['hostAlloc']>;

const CODE = new Uint8Array([
  0x53, 0x48, 0x89, 0xcb, 0x48, 0x89, 0xf0, 0x48, 0xc1, 0xe8, 0x0e, 0x48, 0x31, 0xf0, 0x48, 0x23, 0x43, 0x28, 0x48, 0xc1, 0xe0, 0x04, 0x48, 0x03, 0x43, 0x20,
  0x48, 0x3b, 0x30, 0x75, 0x31, 0x3b, 0x50, 0x08, 0x75, 0x2c, 0x8b, 0x40, 0x0c, 0x48, 0x89, 0x73, 0x10, 0x89, 0x53, 0x18, 0x89, 0x43, 0x1c, 0x48, 0x03, 0x03,
  0x48, 0x3b, 0x43, 0x08, 0x77, 0x05, 0x48, 0x89, 0x03, 0x5b, 0xc3, 0x48, 0xc7, 0x43, 0x48, 0x01, 0x00, 0x00, 0x00, 0x48, 0x8b, 0x7b, 0x40, 0xff, 0x53, 0x30,
  0x5b, 0xc3, 0x56, 0x52, 0x48, 0x89, 0xf7, 0x89, 0xd6, 0xff, 0x53, 0x38, 0x5a, 0x5e, 0x89, 0xc0, 0xeb, 0xc7,
]);

/** User-data layout (byte offsets), as the code above addresses it through rbx. */
const UD = { count: 0, limit: 8, lastAddr: 16, lastSize: 24, lastCount: 28, table: 32, mask: 40, stop: 48, miss: 56, uc: 64, stopped: 72 } as const;
const UD_SIZE = 80;
/** Cache entries (16 bytes each: u64 address, u32 size, u32 count). */
const ENTRIES = 1 << 14;
const PAGE = 4096;
const NO_LIMIT = 0xffff_ffff_ffff_ffffn;

const PROT_READ = 1,
  PROT_EXEC = 4,
  RTLD_NOW = 2,
  RTLD_NOLOAD = 4;

interface Libc {
  mprotect: (addr: unknown, len: number, prot: number) => number;
  stopFn: bigint;
  missProto: TypeObject;
}
let libc: Libc | undefined;

function loadLibc(): Libc {
  if (libc) return libc;
  const c = koffi.load('libc.so.6');
  const dlopen = c.func('void *dlopen(const char *file, int mode)');
  const dlsym = c.func('void *dlsym(void *handle, const char *name)');
  // libunicorn is already loaded (unicornLib.ts): find uc_emu_stop's address in it.
  const h = dlopen('libunicorn.so.2', RTLD_NOW | RTLD_NOLOAD);
  const stop = h === null ? null : dlsym(h, 'uc_emu_stop');
  if (stop === null) throw new Error('nativeBlockCounter: uc_emu_stop not found in libunicorn.so.2');
  libc = {
    mprotect: c.func('int mprotect(void *addr, size_t len, int prot)'),
    stopFn: BigInt(koffi.address(stop)),
    missProto: koffi.pointer(koffi.proto('uint32_t bpfdbg_block_miss(uint64_t address, uint32_t size)')),
  };
  return libc;
}

/** The last block the hook saw: its start, byte size and instruction count. */
export interface LastBlock {
  addr: bigint;
  size: number;
  count: number;
}

/** Saved counter state, to put back after a nested emulation (callFromTrap, stopAfterTrap). */
export type CounterState = Uint8Array;

/** Instruction offsets of decoded blocks by arch, address and bytes, shared by all counters (never mutated). */
const DECODED = new Map<string, number[]>();
const DECODED_MAX = 1 << 16;

export class NativeBlockCounter {
  private readonly ud: DataView;
  private readonly udBytes: Uint8Array;
  private readonly table: DataView;
  /** Instruction start offsets of decoded blocks, by start address (cleared with the cache). */
  private readonly offsets = new Map<bigint, { size: number; offs: number[] }>();
  private closed = false;

  /** Undefined on a host that is not x86-64 (the code bytes are x86-64). */
  static create(arch: DisasmArch, ucAddress: bigint, read: (addr: bigint, len: number) => Uint8Array): NativeBlockCounter | undefined {
    if (process.arch !== 'x64') return undefined;
    return new NativeBlockCounter(arch, ucAddress, read);
  }

  private readonly code: HostMemory;
  private readonly data: HostMemory;
  private readonly missCb: unknown;
  private readonly dataSize = PAGE + ENTRIES * 16;

  private constructor(
    private readonly arch: DisasmArch,
    ucAddress: bigint,
    private readonly read: (addr: bigint, len: number) => Uint8Array,
  ) {
    const c = loadLibc();
    this.code = unicornLib().hostAlloc(PAGE);
    this.code.view.set(CODE);
    if (c.mprotect(this.code.ptr, PAGE, PROT_READ | PROT_EXEC) !== 0) throw new Error('nativeBlockCounter: mprotect failed');
    this.data = unicornLib().hostAlloc(this.dataSize);
    this.udBytes = this.data.view.subarray(0, UD_SIZE);
    this.ud = new DataView(this.data.view.buffer, this.data.view.byteOffset, UD_SIZE);
    this.table = new DataView(this.data.view.buffer, this.data.view.byteOffset + PAGE, ENTRIES * 16);
    const base = this.data.address;
    this.missCb = koffi.register((addr: number | bigint, size: number) => this.miss(BigInt.asUintN(64, BigInt(addr)), size), c.missProto);
    this.set(UD.table, base + BigInt(PAGE));
    this.set(UD.mask, BigInt(ENTRIES - 1));
    this.set(UD.stop, c.stopFn);
    this.set(UD.miss, BigInt(koffi.address(this.missCb)));
    this.set(UD.uc, ucAddress);
    this.reset(Infinity);
  }

  /** The callback and user data to pass to uc_hook_add (UC_HOOK_BLOCK). */
  get callback(): unknown {
    return this.code.ptr;
  }
  get userData(): unknown {
    return this.data.ptr;
  }

  private set(off: number, v: bigint): void {
    this.ud.setBigUint64(off, v, true);
  }

  /** Starts counting from 0; the hook stops the run before a block that would take it past `limit`. */
  reset(limit: number): void {
    this.setCount(0);
    this.setLimit(limit);
    this.set(UD.stopped, 0n);
  }

  setLimit(limit: number): void {
    this.set(UD.limit, Number.isFinite(limit) ? BigInt(limit) : NO_LIMIT);
  }

  /** Instructions of the blocks entered since reset (the last one whole, even if it stopped inside). */
  get count(): number {
    return Number(this.ud.getBigUint64(UD.count, true));
  }

  /** Sets the count (after a settled stop the run goes on from); forgets the last block. */
  setCount(n: number): void {
    this.set(UD.count, BigInt(n));
    this.set(UD.lastAddr, 0n);
    this.ud.setUint32(UD.lastSize, 0, true);
    this.ud.setUint32(UD.lastCount, 0, true);
  }

  /** The hook stopped the run before a block that would have crossed the limit. */
  get stopped(): boolean {
    return this.ud.getBigUint64(UD.stopped, true) !== 0n;
  }

  get last(): LastBlock {
    return { addr: this.ud.getBigUint64(UD.lastAddr, true), size: this.ud.getUint32(UD.lastSize, true), count: this.ud.getUint32(UD.lastCount, true) };
  }

  save(): CounterState {
    return this.udBytes.slice();
  }

  restore(s: CounterState): void {
    this.udBytes.set(s);
  }

  /**
   * Instructions executed since reset when the CPU stopped with `pc` as its next
   * instruction: the blocks' total less the instructions of the last block from pc on (none
   * when pc is outside it: the stop came between blocks).
   */
  settle(pc: bigint): number {
    const total = this.count;
    const l = this.last;
    if (l.size === 0 || pc < l.addr || pc >= l.addr + BigInt(l.size)) return total;
    const off = Number(pc - l.addr);
    const { offs } = this.decode(l.addr, l.size);
    let after = 0;
    for (const o of offs) if (o >= off) after++;
    return total - after;
  }

  /** Start offsets of the instructions of the block [addr, addr + size). */
  insnOffsets(addr: bigint, size: number): readonly number[] {
    return this.decode(addr, size).offs;
  }

  /** Code changed: every cached block count may be stale. */
  clear(): void {
    if (this.closed) return;
    new Uint8Array(this.table.buffer, this.table.byteOffset, this.table.byteLength).fill(0);
    this.offsets.clear();
  }

  private decode(addr: bigint, size: number): { size: number; offs: number[] } {
    const hit = this.offsets.get(addr);
    if (hit && hit.size === size) return hit;
    const bytes = this.read(addr, size);
    // The same bytes at the same address decode the same in any machine (a new session on
    // the same object runs the same JIT image): decoded once per process.
    const key = `${this.arch}:${addr.toString(16)}:${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1')}`;
    const known = DECODED.get(key);
    if (known) {
      const d = { size, offs: known };
      this.offsets.set(addr, d);
      return d;
    }
    const insns = disasm(this.arch, bytes, addr);
    const offs: number[] = [];
    let end = 0;
    for (const i of insns) {
      const o = Number(i.addr - addr);
      if (o !== end || i.mnemonic === '(bad)') break;
      offs.push(o);
      end = o + i.size;
    }
    // Bytes Capstone could not decode (Unicorn did): one instruction, as Unicorn ends a
    // block at an instruction it cannot translate.
    if (end < size) offs.push(end);
    const d = { size, offs };
    this.offsets.set(addr, d);
    if (DECODED.size >= DECODED_MAX) DECODED.clear();
    DECODED.set(key, offs);
    return d;
  }

  /** Called from the native hook on a cache miss: the block's instruction count, cached. */
  private miss(addr: bigint, size: number): number {
    let n: number;
    try {
      n = this.decode(addr, size).offs.length;
    } catch {
      return 0; // unreadable: settle() and the test against Unicorn's count would show it
    }
    const idx = Number((((addr >> 14n) ^ addr) & BigInt(ENTRIES - 1)) * 16n);
    this.table.setBigUint64(idx, addr, true);
    this.table.setUint32(idx + 8, size, true);
    this.table.setUint32(idx + 12, n, true);
    return n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    koffi.unregister(this.missCb as never);
    unicornLib().hostFree(this.code.ptr, PAGE);
    unicornLib().hostFree(this.data.ptr, this.dataSize);
  }
}
