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
// The block hook's code (SysV ABI: rdi = uc, rsi = address, edx = size, rcx = user data;
// 15 instructions and no push on the hit path: it runs once per block executed, and
// Unicorn's block hook with an empty callback already costs a compute loop 1.2-1.6x):
//   rax = TABLE + ((address >> 1) & 0x3fff) * 16       ; direct-mapped cache, TABLE an imm64
//   if (entry.address != address || entry.size != size) goto miss
// have:
//   ud.lastEntry = rax                                  ; the block settle() works back from
//   ud.left -= entry.count; if (ud.left < 0) goto stop  ; counts down from the limit
//   ret
// stop:
//   ud.left += entry.count; ud.stopped = 1              ; the block is not counted and not run
//   tail-call uc_emu_stop(ud.uc)
// miss:
//   push rbx; rbx = ud; push rax; push rsi              ; 3 pushes: 16-byte aligned call
//   ud.miss(address, size); pop rsi; pop rax; rcx = rbx; pop rbx; goto have
// `miss` is a koffi callback into JS: it decodes the block with Capstone and fills the cache
// entry (count 0 for bytes it cannot read).
//
// A second callback, for UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE on all addresses, counts the
// guest memory accesses of the block being executed (SysV: r9 = user data):
//   rax = ud.left; if (rax != ud.memBlock) { ud.memBlock = rax; ud.memCount = 0 }
//   ud.memCount++; ret
// ud.left shrinks with every block entered, so a new value is a new block. Counted runs
// enforce budgets by block (count 0): without Unicorn's per-instruction count hook, a fault
// or a watchpoint stop leaves pc at the block's start on riscv64, and the accesses made
// before it tell which instruction it was (accessPc.ts). On x86-64 the mere presence of
// memory hooks makes Unicorn's translator store the pc before each memory access, which
// keeps pc exact there (measured, test/machine/blockCounter.test.ts).
//
// Only on an x86-64 host (process.arch === 'x64'); elsewhere create() returns undefined and
// counted runs keep Unicorn's count hook (TracingMachine finds stop counts by re-running).
import koffi, { type TypeObject } from 'koffi';
import { disasm, type DisasmArch } from './capstone.ts';
import { unicornLib, type UnicornLib } from './unicornLib.ts';
import { libc, PROT_EXEC, PROT_READ } from './libc.ts';

type HostMemory = ReturnType<UnicornLib['hostAlloc']>;

/** The block hook; TABLE_AT is where the table's address goes (an imm64). */
const CODE = [
  ...[0x48, 0x8d, 0x04, 0xf5, 0x00, 0x00, 0x00, 0x00, 0x25, 0xf0, 0xff, 0x03, 0x00], //        0x00 lea rax,[rsi*8]; and eax,0x3fff0
  ...[0x49, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0x4c, 0x01, 0xc0], //                               0x0d movabs r8,TABLE; add rax,r8
  ...[0x48, 0x3b, 0x30, 0x75, 0x24, 0x3b, 0x50, 0x08, 0x75, 0x1f], //                         0x1a cmp rsi,[rax]; jne miss; cmp edx,[rax+8]; jne miss
  ...[0x48, 0x89, 0x41, 0x10, 0x8b, 0x40, 0x0c, 0x48, 0x29, 0x01, 0x78, 0x01, 0xc3], //       0x24 have: lastEntry; eax = count; sub [rcx],rax; js stop; ret
  ...[0x48, 0x01, 0x01, 0x48, 0xc7, 0x41, 0x48, 0x01, 0x00, 0x00, 0x00], //                   0x31 stop: add [rcx],rax; stopped = 1
  ...[0x48, 0x8b, 0x79, 0x40, 0xff, 0x61, 0x30], //                                           0x3c mov rdi,[rcx+0x40]; jmp [rcx+0x30]
  ...[0x53, 0x48, 0x89, 0xcb, 0x50, 0x56, 0x48, 0x89, 0xf7, 0x89, 0xd6, 0xff, 0x53, 0x38], // 0x43 miss: call [rbx+0x38]
  ...[0x5e, 0x58, 0x48, 0x89, 0xd9, 0x5b, 0xeb, 0xcb], //                                     0x51 pop rsi; pop rax; mov rcx,rbx; pop rbx; jmp have
];
const TABLE_AT = 0x0f;

/** mov rax,[r9]; cmp rax,[r9+80]; je +12; mov [r9+80],rax; mov qword [r9+88],0; inc qword [r9+88]; ret */
const MEM_CODE = new Uint8Array([
  0x49, 0x8b, 0x01, 0x49, 0x3b, 0x41, 0x50, 0x74, 0x0c, 0x49, 0x89, 0x41, 0x50, 0x49, 0xc7, 0x41, 0x58, 0x00, 0x00, 0x00, 0x00, 0x49, 0xff, 0x41, 0x58, 0xc3,
]);

/** User-data layout (byte offsets), as the code above addresses it through rcx (rbx across the miss call, r9 in MEM_CODE); `limit` is the JS side's. */
const UD = { left: 0, limit: 8, lastEntry: 16, stop: 48, miss: 56, uc: 64, stopped: 72, memBlock: 80, memCount: 88 } as const;
const UD_SIZE = 96;
/** Cache entries (16 bytes each: u64 address, u32 size, u32 count). */
const ENTRIES = 1 << 14;
const PAGE = 4096;
/** The limit of an unlimited run (`left` counts down from it: it must stay a positive i64). */
const NO_LIMIT = 1n << 62n;
/** memBlock when no access was counted (`left` never takes this value). */
const NO_BLOCK = 0xffff_ffff_ffff_ffffn;

interface Natives {
  stopFn: bigint;
  missProto: TypeObject;
}
let natives: Natives | undefined;

function loadNatives(): Natives {
  if (natives) return natives;
  // libunicorn is already loaded (unicornLib.ts): find uc_emu_stop's address in it.
  const stopFn = libc().symbolIn('libunicorn.so.2', 'uc_emu_stop');
  if (stopFn === 0n) throw new Error('nativeBlockCounter: uc_emu_stop not found in libunicorn.so.2');
  natives = { stopFn, missProto: koffi.pointer(koffi.proto('uint32_t bpfdbg_block_miss(uint64_t address, uint32_t size)')) };
  return natives;
}

/** A page of host code holding `bytes` (written RW, then made RX); released with hostFree(ptr, 4096). */
export function hostCode(bytes: ArrayLike<number>): HostMemory {
  const page = unicornLib().hostAlloc(PAGE);
  page.view.set(bytes);
  if (libc().mprotect(page.ptr, PAGE, PROT_READ | PROT_EXEC) !== 0) throw new Error('nativeBlockCounter: mprotect of host code failed');
  return page;
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
  private readonly memCode: HostMemory;
  private readonly data: HostMemory;
  private readonly missCb: unknown;
  private readonly dataSize = PAGE + ENTRIES * 16;
  private readonly tableAddress: bigint;

  private constructor(
    private readonly arch: DisasmArch,
    ucAddress: bigint,
    private readonly read: (addr: bigint, len: number) => Uint8Array,
  ) {
    const c = loadNatives();
    this.data = unicornLib().hostAlloc(this.dataSize);
    this.udBytes = this.data.view.subarray(0, UD_SIZE);
    this.ud = new DataView(this.data.view.buffer, this.data.view.byteOffset, UD_SIZE);
    this.table = new DataView(this.data.view.buffer, this.data.view.byteOffset + PAGE, ENTRIES * 16);
    this.tableAddress = this.data.address + BigInt(PAGE);
    const code = Uint8Array.from(CODE);
    new DataView(code.buffer).setBigUint64(TABLE_AT, this.tableAddress, true);
    this.code = hostCode(code);
    this.memCode = hostCode(MEM_CODE);
    this.missCb = koffi.register((addr: number | bigint, size: number) => this.miss(BigInt.asUintN(64, BigInt(addr)), size), c.missProto);
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
  /** The access counter's callback (UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, the same user data). */
  get memCallback(): unknown {
    return this.memCode.ptr;
  }

  private set(off: number, v: bigint): void {
    this.ud.setBigUint64(off, v, true);
  }

  private get limitRaw(): bigint {
    return this.ud.getBigUint64(UD.limit, true);
  }

  /** Starts counting from 0; the hook stops the run before a block that would take it past `limit`. */
  reset(limit: number): void {
    this.set(UD.limit, Number.isFinite(limit) ? BigInt(limit) : NO_LIMIT);
    this.setCount(0);
    this.clearStopped();
  }

  /** Forgets a stop before a block (the run goes on from that block's start). */
  clearStopped(): void {
    this.set(UD.stopped, 0n);
  }

  /** A new limit for the count so far (the hook counts down what is left of it). */
  setLimit(limit: number): void {
    const n = this.count;
    this.set(UD.limit, Number.isFinite(limit) ? BigInt(limit) : NO_LIMIT);
    this.set(UD.left, this.limitRaw - BigInt(n));
  }

  /** Instructions of the blocks entered since reset (the last one whole, even if it stopped inside). */
  get count(): number {
    return Number(this.limitRaw - this.ud.getBigInt64(UD.left, true));
  }

  /** Sets the count (after a settled stop the run goes on from); forgets the last block. */
  setCount(n: number): void {
    this.set(UD.left, this.limitRaw - BigInt(n));
    this.set(UD.lastEntry, 0n);
    this.set(UD.memBlock, NO_BLOCK);
    this.set(UD.memCount, 0n);
  }

  /** Guest memory accesses the last block entered made (as Unicorn's memory hooks see them). */
  get memEvents(): number {
    return this.ud.getBigUint64(UD.memBlock, true) === this.ud.getBigUint64(UD.left, true) ? Number(this.ud.getBigUint64(UD.memCount, true)) : 0;
  }

  /** The hook stopped the run before a block that would have crossed the limit. */
  get stopped(): boolean {
    return this.ud.getBigUint64(UD.stopped, true) !== 0n;
  }

  /** Offset in the table of the last block's entry; -1 for none. */
  private lastOffset(): number {
    const p = this.ud.getBigUint64(UD.lastEntry, true);
    return p === 0n ? -1 : Number(p - this.tableAddress);
  }

  get last(): LastBlock {
    const o = this.lastOffset();
    if (o < 0) return { addr: 0n, size: 0, count: 0 };
    return { addr: this.table.getBigUint64(o, true), size: this.table.getUint32(o + 8, true), count: this.table.getUint32(o + 12, true) };
  }

  /**
   * The counter's state and the last block's cache entry: a nested run may refill that
   * entry with a block of its own (the same slot), which restore() undoes.
   */
  save(): CounterState {
    const o = this.lastOffset();
    const out = new Uint8Array(UD_SIZE + 16);
    out.set(this.udBytes);
    if (o >= 0) out.set(new Uint8Array(this.table.buffer, this.table.byteOffset + o, 16), UD_SIZE);
    return out;
  }

  restore(s: CounterState): void {
    this.udBytes.set(s.subarray(0, UD_SIZE));
    const o = this.lastOffset();
    if (o >= 0) new Uint8Array(this.table.buffer, this.table.byteOffset + o, 16).set(s.subarray(UD_SIZE));
  }

  /**
   * Instructions executed since reset when the CPU stopped with `pc` as its next
   * instruction: the blocks' total less the instructions of the last block from pc on (none
   * when pc is outside it: the stop came between blocks).
   */
  settle(pc: bigint): number {
    const total = this.count;
    // Stopped before a block that would cross the limit: none of it ran (pc is its start).
    if (this.stopped) return total;
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
      n = 0; // unreadable: settle() and the test against Unicorn's count would show it
    }
    // The entry the native code hashed to: it reads the count from there.
    const idx = Number(((addr >> 1n) & BigInt(ENTRIES - 1)) * 16n);
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
    unicornLib().hostFree(this.memCode.ptr, PAGE);
    unicornLib().hostFree(this.data.ptr, this.dataSize);
  }
}
