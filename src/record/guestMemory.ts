// Guest memory as checkpoints see it: the kernel model's regions (host buffers the CPU
// maps with zero copy, so JS reads them directly) plus the JIT text the machine owns
// (changed only by text pokes). A checkpoint keeps the pages that differ from a base
// image taken when recording began, so it costs "memory written since", not a full copy.
import { createHash } from 'node:crypto';
import { PAGE_SIZE } from '../common/layout.ts';
import type { Machine } from '../machine/machine.ts';
import { PERM_X } from '../machine/machine.ts';
import type { Region } from '../kernel/addressSpace.ts';

interface Tracked {
  base: bigint;
  size: number;
  /** Live bytes for shared regions; null for emulator-owned text (read on demand). */
  live: Uint8Array | null;
  exec: boolean;
}

/** Pages (offset -> bytes) that differ from the base image, per region base. */
export type PageDelta = Map<bigint, Map<number, Uint8Array>>;

const eq = (a: Uint8Array, b: Uint8Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

export class GuestMemory {
  private readonly base = new Map<bigint, Uint8Array>();
  private readonly pageHash = new WeakMap<Uint8Array, string>();
  private baseDigest = new Map<bigint, string>();

  constructor(private readonly machine: Machine, private readonly modelRegions: () => readonly Region[]) {
    this.adopt();
  }

  private regions(): Tracked[] {
    const out: Tracked[] = this.modelRegions().map((r) => ({ base: r.base, size: r.size, live: r.bytes, exec: false }));
    const shared = new Set(out.map((r) => r.base));
    for (const r of this.machine.regions()) {
      if (r.shared || shared.has(r.base) || (r.perms & PERM_X) === 0) continue;
      out.push({ base: r.base, size: r.size, live: null, exec: true });
    }
    return out;
  }

  private bytesOf(r: Tracked): Uint8Array {
    return r.live ? r.live.subarray(0, r.size) : this.machine.readMem(r.base, r.size);
  }

  /** Takes a base copy of every region not seen before (deterministic: same launch, same bases). */
  private adopt(): Tracked[] {
    const rs = this.regions();
    for (const r of rs) {
      if (this.base.has(r.base)) continue;
      const copy = this.bytesOf(r).slice();
      this.base.set(r.base, copy);
      this.baseDigest.set(r.base, createHash('sha256').update(copy).digest('hex'));
    }
    return rs;
  }

  /**
   * Pages differing from the base now. Pages equal to `prev`'s copy reuse it, so a run of
   * checkpoints shares the pages it did not write.
   */
  delta(prev: PageDelta | null): PageDelta {
    const out: PageDelta = new Map();
    for (const r of this.adopt()) {
      const cur = this.bytesOf(r);
      const base = this.base.get(r.base)!;
      const before = prev?.get(r.base);
      let pages: Map<number, Uint8Array> | undefined;
      for (let o = 0; o < r.size; o += PAGE_SIZE) {
        const page = cur.subarray(o, o + PAGE_SIZE);
        if (eq(page, base.subarray(o, o + PAGE_SIZE))) continue;
        const old = before?.get(o);
        (pages ??= new Map()).set(o, old && eq(old, page) ? old : page.slice());
      }
      if (pages) out.set(r.base, pages);
    }
    return out;
  }

  /** Makes guest memory equal to base + `d`, writing only pages that differ. */
  apply(d: PageDelta): void {
    for (const r of this.regions()) {
      const base = this.base.get(r.base);
      if (!base) continue; // mapped after this checkpoint: leave it
      const want = d.get(r.base);
      const cur = this.bytesOf(r);
      for (let o = 0; o < r.size; o += PAGE_SIZE) {
        const target = want?.get(o) ?? base.subarray(o, o + PAGE_SIZE);
        if (eq(cur.subarray(o, o + PAGE_SIZE), target)) continue;
        if (r.live) r.live.set(target, o);
        else this.machine.writeCode(r.base + BigInt(o), target); // drops stale translations
      }
    }
  }

  /** Digest of memory = base digests + hashes of the differing pages (cheap per checkpoint). */
  digest(d: PageDelta): string {
    const h = createHash('sha256');
    for (const [b, dig] of [...this.baseDigest].sort((x, y) => (x[0] < y[0] ? -1 : 1))) {
      h.update(`${b.toString(16)}:${dig};`);
      const pages = d.get(b);
      if (!pages) continue;
      for (const o of [...pages.keys()].sort((x, y) => x - y)) {
        const p = pages.get(o)!;
        let ph = this.pageHash.get(p);
        if (ph === undefined) this.pageHash.set(p, (ph = createHash('sha256').update(p).digest('hex')));
        h.update(`${o}=${ph};`);
      }
    }
    return h.digest('hex');
  }
}
