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
import { bytesEqual } from '../common/bytes.ts';
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

/** A Buffer view of `a` (no copy), for offset compares without a view per page. */
const view = (a: Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.length);

export class GuestMemory {
  private readonly base = new Map<bigint, Uint8Array>();
  private readonly pageHash = new WeakMap<Uint8Array, string>();
  private baseDigest = new Map<bigint, string>();
  /** Buffer views of the base copies (one per region, not one per page compare). */
  private readonly baseView = new Map<bigint, Buffer>();
  /** The last delta computed: its pages are reused when equal, so digests find their hashes cached. */
  private lastDelta: PageDelta | null = null;
  /** The last digest and the delta it was computed over (same pages by identity: same digest). */
  private lastDigest: { d: PageDelta; regions: number; hex: string } | null = null;
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
    const differ = this.knownDiffer(r);
    if (differ) return differ;
    const all: number[] = [];
    for (let o = 0; o < r.size; o += PAGE_SIZE) all.push(o);
    return all;
  }

  /** Text pages known to differ from the base at the current code generation (a delta found them). */
  private knownDiffer(r: Tracked): number[] | undefined {
    const t = r.live ? undefined : this.text.get(r.base);
    return t?.differ && t.gen === this.machine.codeGeneration ? t.differ : undefined;
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
      this.baseView.set(r.base, view(copy));
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
    const last = this.lastDelta;
    for (const r of this.adopt()) {
      const cur = view(this.bytesOf(r));
      const base = this.baseView.get(r.base)!;
      const before = prev?.get(r.base);
      const recent = last?.get(r.base);
      let pages: Map<number, Uint8Array> | undefined;
      // A region compared whole (not tracked by written page) that equals its base has no
      // differing page: one memcmp instead of one a page.
      const whole = !this.written.has(r.base) && !this.knownDiffer(r);
      if (!whole || cur.length !== base.length || cur.compare(base) !== 0) {
        for (const o of this.candidates(r)) {
          const end = Math.min(o + PAGE_SIZE, cur.length);
          if (end === Math.min(o + PAGE_SIZE, base.length) && cur.compare(base, o, end, o, end) === 0) continue;
          (pages ??= new Map()).set(o, this.reuse(cur, o, end, before?.get(o), recent?.get(o)));
        }
      }
      const t = r.live ? undefined : this.text.get(r.base);
      if (t && t.gen === this.machine.codeGeneration) t.differ = [...(pages?.keys() ?? [])];
      if (pages) out.set(r.base, pages);
    }
    this.lastDelta = out;
    return out;
  }

  /** The page cur[o, end) as an earlier delta's copy when equal to it, or a new copy. */
  private reuse(cur: Buffer, o: number, end: number, ...olds: (Uint8Array | undefined)[]): Uint8Array {
    for (const old of olds) if (old && old.length === end - o && cur.compare(view(old), 0, old.length, o, end) === 0) return old;
    // A copy (Buffer#slice would be a view of live memory).
    return new Uint8Array(cur.buffer, cur.byteOffset + o, end - o).slice();
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
      for (const o of new Set([...this.candidates(r), ...(want?.keys() ?? [])])) {
        const target = want?.get(o) ?? base.subarray(o, o + PAGE_SIZE);
        const now = r.live ? r.live.subarray(o, o + PAGE_SIZE) : this.machine.readMem(r.base + BigInt(o), Math.min(PAGE_SIZE, r.size - o));
        if (bytesEqual(now, target)) continue;
        written?.add(o);
        if (r.live) r.live.set(target, o);
        else this.machine.writeCode(r.base + BigInt(o), target); // drops stale translations
      }
    }
  }

  /** Digest of memory = base digests + hashes of the differing pages (cheap per checkpoint). */
  digest(d: PageDelta): string {
    const memo = this.lastDigest;
    if (memo && memo.regions === this.baseDigest.size && samePages(memo.d, d)) return memo.hex;
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
    const hex = h.digest('hex');
    this.lastDigest = { d, regions: this.baseDigest.size, hex };
    return hex;
  }
}

/** The same regions and offsets holding the same page objects (pages are never written in place). */
function samePages(a: PageDelta, b: PageDelta): boolean {
  if (a === b) return true;
  if (a.size !== b.size) return false;
  for (const [base, pa] of a) {
    const pb = b.get(base);
    if (!pb || pb.size !== pa.size) return false;
    for (const [o, p] of pa) if (pb.get(o) !== p) return false;
  }
  return true;
}
