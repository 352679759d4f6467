// Guest memory as checkpoints see it: the kernel model's regions (host buffers the CPU
// maps with zero copy, so JS reads them directly) plus the JIT text the machine owns
// (changed only by text pokes). A checkpoint keeps the pages that differ from a base
// image taken when recording began, so it costs "memory written since", not a full copy.
// Finding those pages is a comparison with the base: of every page for small regions, and
// for big ones (TRACK_MIN) of the pages written since the base image only — guest stores
// reported by the machine (trackWrites), JS writes by the kernel model's address space
// (onWrite), and this class's own restores. A 24 MiB map then costs what its written pages
// cost, per state hash and per checkpoint (bench/record.ts), and the hash means the same.
import { createHash } from 'node:crypto';
import { PAGE_SIZE } from '../common/layout.ts';
import type { Machine } from '../machine/machine.ts';
import { PERM_X } from '../machine/machine.ts';
import type { GuestRegion, WriteListener } from '../kernel/addressSpace.ts';

/** Model regions this big or bigger are compared by written page; smaller ones whole (a 1 MiB memcmp is ~0.1 ms). */
export const TRACK_MIN = 1 << 20;

interface Tracked {
  base: bigint;
  size: number;
  /** Live bytes for shared regions; null for emulator-owned text (read on demand). */
  live: Uint8Array | null;
  exec: boolean;
}

/** Subscribes to the kernel model's JS writes (AddressSpace.onWrite); returns the unsubscribe. */
export type ModelWrites = (fn: WriteListener) => () => void;

/** Pages (offset -> bytes) that differ from the base image, per region base. */
export type PageDelta = Map<bigint, Map<number, Uint8Array>>;

const eq = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

export class GuestMemory {
  private readonly base = new Map<bigint, Uint8Array>();
  private readonly pageHash = new WeakMap<Uint8Array, string>();
  private baseDigest = new Map<bigint, string>();
  /** Big regions: offsets of the pages written since the base image (all others equal it). */
  private readonly written = new Map<bigint, Set<number>>();
  private readonly trackers: number[] = [];
  private readonly unsubscribe: (() => void) | undefined;
  /**
   * Emulator-owned text (JIT images, trap pages) at a code generation (Machine.codeGeneration):
   * its bytes and the pages differing from the base stay what they were until it moves.
   */
  private readonly text = new Map<bigint, { gen: number; bytes: Uint8Array; differ?: number[] }>();

  /** Without `modelWrites` every region is compared whole. */
  constructor(
    private readonly machine: Machine,
    private readonly modelRegions: () => readonly GuestRegion[],
    modelWrites?: ModelWrites,
  ) {
    this.unsubscribe = modelWrites?.((r, off, len) => this.mark(r.base, off, len));
    this.adopt();
  }

  /** Stops tracking writes (the machine must still be open). */
  dispose(): void {
    this.unsubscribe?.();
    for (const id of this.trackers) this.machine.untrackWrites(id);
    this.trackers.length = 0;
  }

  private mark(base: bigint, off: number, len: number): void {
    const pages = this.written.get(base);
    if (!pages) return;
    const last = Math.floor((off + Math.max(len, 1) - 1) / PAGE_SIZE);
    for (let p = Math.floor(off / PAGE_SIZE); p <= last; p++) pages.add(p * PAGE_SIZE);
  }

  /** Offsets of the pages of `r` that may differ from its base: the written ones, or all. */
  private candidates(r: Tracked): Iterable<number> {
    const pages = this.written.get(r.base);
    if (pages) return [...pages].sort((a, b) => a - b);
    const t = r.live ? undefined : this.text.get(r.base);
    if (t?.differ && t.gen === this.machine.codeGeneration) return t.differ;
    const all: number[] = [];
    for (let o = 0; o < r.size; o += PAGE_SIZE) all.push(o);
    return all;
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
    if (r.live) return r.live.subarray(0, r.size);
    const gen = this.machine.codeGeneration;
    const t = this.text.get(r.base);
    if (t && t.gen === gen && t.bytes.length === r.size) return t.bytes;
    const bytes = this.machine.readMem(r.base, r.size);
    this.text.set(r.base, { gen, bytes });
    return bytes;
  }

  /** Takes a base copy of every region not seen before (deterministic: same launch, same bases). */
  private adopt(): Tracked[] {
    const rs = this.regions();
    for (const r of rs) {
      if (this.base.has(r.base)) continue;
      const copy = this.bytesOf(r).slice();
      this.base.set(r.base, copy);
      if (r.live && this.unsubscribe && r.size >= TRACK_MIN) {
        this.written.set(r.base, new Set());
        this.trackers.push(this.machine.trackWrites(r.base, r.base + BigInt(r.size) - 1n, (a, n) => this.mark(r.base, Number(a - r.base), n)));
      }
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
      for (const o of this.candidates(r)) {
        const page = cur.subarray(o, o + PAGE_SIZE);
        if (eq(page, base.subarray(o, o + PAGE_SIZE))) continue;
        const old = before?.get(o);
        (pages ??= new Map()).set(o, old && eq(old, page) ? old : page.slice());
      }
      const t = r.live ? undefined : this.text.get(r.base);
      if (t && t.gen === this.machine.codeGeneration) t.differ = [...(pages?.keys() ?? [])];
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
      // Text is compared with the bytes there now, page by page, never with a cached copy:
      // a stale copy made a restore skip rewriting a poked site (going back before a
      // prog_array delete came forward again with poke B).
      const written = this.written.get(r.base);
      const offs = written ? new Set([...written, ...(want?.keys() ?? [])]) : new Set([...this.candidates(r), ...(want?.keys() ?? [])]);
      for (const o of offs) {
        const target = want?.get(o) ?? base.subarray(o, o + PAGE_SIZE);
        const now = r.live ? r.live.subarray(o, o + PAGE_SIZE) : this.machine.readMem(r.base + BigInt(o), Math.min(PAGE_SIZE, r.size - o));
        if (eq(now, target)) continue;
        written?.add(o);
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
