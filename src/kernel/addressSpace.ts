// Guest memory: page-aligned regions at kernel-like addresses (src/common/layout.ts). Every
// byte a program can see lives in a region, and a region's bytes come from an injectable
// allocator, so the machine layer can hand out buffers it maps into Unicorn without copying
// and the interpreter and the JITed code then see the very same bytes.
import { PAGE_SIZE } from '../common/layout.ts';
import type { MemFault } from '../bpf/interpreter.ts';

export type Allocator = (size: number) => Uint8Array;

export interface GuestRegion {
  readonly name: string;
  readonly base: bigint;
  readonly size: number;
  readonly bytes: Uint8Array;
  /** Program-visible writability (the machine maps read-only regions without PROT_WRITE). */
  readonly writable: boolean;
}

/** A region's bytes at [off, off + len) may have been written (see AddressSpace.onWrite). */
export type WriteListener = (r: GuestRegion, off: number, len: number) => void;

export const defaultAllocator: Allocator = (size) => new Uint8Array(size);

const PAGE = BigInt(PAGE_SIZE);
export const pageAlign = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE || PAGE_SIZE;

interface Slot extends GuestRegion {
  readonly end: bigint;
  readonly view: DataView;
}

export class AddressSpace {
  private slots: Slot[] = [];
  private last: Slot | undefined;
  private listeners: ((r: GuestRegion) => void)[] = [];
  private writeListeners: WriteListener[] = [];

  constructor(private readonly allocate: Allocator = defaultAllocator) {}

  /** Creates a region of `size` bytes (rounded up to pages) at page-aligned `base`. */
  map(name: string, base: bigint, size: number, writable = true): GuestRegion {
    if (base % PAGE !== 0n) throw new Error(`region ${name}: base 0x${base.toString(16)} is not page-aligned`);
    const len = pageAlign(size);
    const end = base + BigInt(len);
    for (const s of this.slots) {
      if (base < s.end && s.base < end) throw new Error(`region ${name} overlaps ${s.name}`);
    }
    const bytes = this.allocate(len);
    if (bytes.length < len) throw new Error(`allocator returned ${bytes.length} bytes for ${len}`);
    const slot: Slot = { name, base, size: len, bytes, writable, end, view: new DataView(bytes.buffer, bytes.byteOffset, len) };
    this.slots.push(slot);
    this.slots.sort((a, b) => (a.base < b.base ? -1 : 1));
    for (const l of this.listeners) l(slot);
    return slot;
  }

  /** Called for every region created from now on (the machine maps it into the CPU). */
  onMap(listener: (r: GuestRegion) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Called for every write from JS through this space (store, write, a view handed out,
   * which may be written) and every noteWrite: recording hashes only pages written since
   * its base image (record/guestMemory.ts). Returns the unsubscribe function.
   */
  onWrite(listener: WriteListener): () => void {
    this.writeListeners.push(listener);
    return () => {
      this.writeListeners = this.writeListeners.filter((l) => l !== listener);
    };
  }

  /** Code that writes a region's `bytes` directly (map updates) says so here. */
  noteWrite(r: GuestRegion, off: number, len: number): void {
    for (const l of this.writeListeners) l(r, off, len);
  }

  regions(): readonly GuestRegion[] {
    return this.slots;
  }

  regionAt(addr: bigint): GuestRegion | undefined {
    return this.find(addr, 1);
  }

  private find(addr: bigint, size: number): Slot | undefined {
    const l = this.last;
    if (l && addr >= l.base && addr + BigInt(size) <= l.end) return l;
    for (const s of this.slots) {
      if (addr >= s.base && addr + BigInt(size) <= s.end) return (this.last = s);
    }
    return undefined;
  }

  /** Little-endian load of 1/2/4/8 bytes (zero-extended), or a fault. */
  load(addr: bigint, size: 1 | 2 | 4 | 8): bigint | MemFault {
    const s = this.find(addr, size);
    if (!s) return { fault: 'unmapped', addr, size };
    const o = Number(addr - s.base);
    switch (size) {
      case 1:
        return BigInt(s.bytes[o]!);
      case 2:
        return BigInt(s.view.getUint16(o, true));
      case 4:
        return BigInt(s.view.getUint32(o, true));
      default:
        return s.view.getBigUint64(o, true);
    }
  }

  /** Little-endian store of the low `size` bytes of value, or a fault. */
  store(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint): MemFault | undefined {
    const s = this.find(addr, size);
    if (!s) return { fault: 'unmapped', addr, size };
    if (!s.writable) return { fault: 'readonly', addr, size };
    const o = Number(addr - s.base);
    if (this.writeListeners.length) this.noteWrite(s, o, size);
    switch (size) {
      case 1:
        s.bytes[o] = Number(value & 0xffn);
        break;
      case 2:
        s.view.setUint16(o, Number(value & 0xffffn), true);
        break;
      case 4:
        s.view.setUint32(o, Number(value & 0xffffffffn), true);
        break;
      default:
        s.view.setBigUint64(o, BigInt.asUintN(64, value), true);
    }
    return undefined;
  }

  /** A live view of `len` bytes (writes go to guest memory), or a fault. */
  view(addr: bigint, len: number): Uint8Array | MemFault {
    const s = this.find(addr, Math.max(len, 1));
    if (!s) return { fault: 'unmapped', addr, size: len };
    const o = Number(addr - s.base);
    if (this.writeListeners.length) this.noteWrite(s, o, len);
    return s.bytes.subarray(o, o + len);
  }

  /** Copies `len` bytes out, or a fault. */
  read(addr: bigint, len: number): Uint8Array | MemFault {
    const v = this.view(addr, len);
    return v instanceof Uint8Array ? v.slice() : v;
  }

  /** Copies bytes in (program-visible writability applies unless `force`), or a fault. */
  write(addr: bigint, bytes: Uint8Array, force = false): MemFault | undefined {
    const s = this.find(addr, Math.max(bytes.length, 1));
    if (!s) return { fault: 'unmapped', addr, size: bytes.length };
    if (!s.writable && !force) return { fault: 'readonly', addr, size: bytes.length };
    if (this.writeListeners.length) this.noteWrite(s, Number(addr - s.base), bytes.length);
    s.bytes.set(bytes, Number(addr - s.base));
    return undefined;
  }

  /** u8/u16/u32 loads as numbers (u64 stays a bigint: use load). */
  loadNumber(addr: bigint, size: 1 | 2 | 4): number | MemFault {
    const v = this.load(addr, size);
    return typeof v === 'bigint' ? Number(v) : v;
  }

  /** Strict helpers for kernel-model code whose addresses are known good. */
  mustLoad(addr: bigint, size: 1 | 2 | 4 | 8): bigint {
    const v = this.load(addr, size);
    if (typeof v !== 'bigint') throw new Error(`kernel model: ${v.fault} load at 0x${addr.toString(16)}`);
    return v;
  }

  mustStore(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint): void {
    const s = this.find(addr, size);
    if (!s) throw new Error(`kernel model: unmapped store at 0x${addr.toString(16)}`);
    const o = Number(addr - s.base);
    if (this.writeListeners.length) this.noteWrite(s, o, size);
    const tmp = new DataView(new ArrayBuffer(8));
    tmp.setBigUint64(0, BigInt.asUintN(64, value), true);
    for (let k = 0; k < size; k++) s.bytes[o + k] = tmp.getUint8(k);
  }

  mustView(addr: bigint, len: number): Uint8Array {
    const v = this.view(addr, len);
    if (!(v instanceof Uint8Array)) throw new Error(`kernel model: unmapped view at 0x${addr.toString(16)}+${len}`);
    return v;
  }
}
