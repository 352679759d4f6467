// The machine's own record of guest mappings (Unicorn's uc_mem_regions would cost a native
// call and an allocation per query). Split on unmap/protect the way Unicorn splits its own.
import type { MemRegion } from './machine.ts';

export interface MappedRegion extends MemRegion {
  /** Keeps shared host memory alive while mapped, and gives copy-free access to it. */
  view?: Uint8Array;
  /** Trap/thunk/sentinel pages: never snapshotted. */
  internal?: boolean;
}

export class RegionTable {
  private list: MappedRegion[] = [];
  /**
   * The region the last lookup found: each run writes the return address and this_cpu_off
   * through sharedView, and a scan of ~100 regions with BigInt arithmetic cost ~9 µs a run.
   */
  private recent: MappedRegion | undefined;

  add(r: MappedRegion): void {
    this.recent = undefined;
    this.list.push(r);
    this.list.sort((a, b) => (a.base < b.base ? -1 : 1));
  }

  all(): readonly MappedRegion[] {
    return this.list;
  }

  clear(): void {
    this.recent = undefined;
    this.list = [];
  }

  at(base: bigint): MappedRegion | undefined {
    return this.list.find((r) => r.base === base);
  }

  /** Removes [base, base+size) (perms null) or gives it new perms. */
  reshape(base: bigint, size: number, perms: number | null): void {
    this.recent = undefined;
    const end = base + BigInt(size);
    const next: MappedRegion[] = [];
    for (const r of this.list) {
      const rEnd = r.base + BigInt(r.size);
      if (rEnd <= base || r.base >= end) {
        next.push(r);
        continue;
      }
      const piece = (b: bigint, e: bigint, p: number): MappedRegion => {
        const off = Number(b - r.base);
        const out: MappedRegion = { ...r, base: b, size: Number(e - b), perms: p };
        if (r.view) out.view = r.view.subarray(off, off + Number(e - b));
        return out;
      };
      if (r.base < base) next.push(piece(r.base, base, r.perms));
      if (perms !== null) next.push(piece(r.base > base ? r.base : base, rEnd < end ? rEnd : end, perms));
      if (rEnd > end) next.push(piece(end, rEnd, r.perms));
    }
    this.list = next.sort((a, b) => (a.base < b.base ? -1 : 1));
  }

  /** The region holding addr. */
  containing(addr: bigint): MappedRegion | undefined {
    const c = this.recent;
    if (c && addr >= c.base && addr < c.base + BigInt(c.size)) return c;
    const r = this.list.find((x) => addr >= x.base && addr < x.base + BigInt(x.size));
    if (r) this.recent = r;
    return r;
  }

  /** True when every byte of [addr, addr+size) is mapped (possibly across adjacent regions). */
  isMapped(addr: bigint, size = 1): boolean {
    let a = addr;
    const end = addr + BigInt(size);
    for (;;) {
      const r = this.containing(a);
      if (!r) return false;
      a = r.base + BigInt(r.size);
      if (a >= end) return true;
    }
  }

  /** The JS view of [addr, addr+len) when it lies inside one shared region. */
  sharedView(addr: bigint, len: number): Uint8Array | undefined {
    const r = this.containing(addr);
    if (!r?.view || addr + BigInt(len) > r.base + BigInt(r.size)) return undefined;
    const off = Number(addr - r.base);
    return off + len <= r.view.length ? r.view.subarray(off, off + len) : undefined;
  }
}
