// The shadow log of tail calls. A tail call replaces the running program without a new
// frame, so nothing on the stack records it: we watch three kinds of addresses instead —
// the start of every tail-call sequence (JitFunction.regions 'tail call (...)': the attempt,
// with map, key, counter and the outcome the kernel's checks will give), its end (`out`:
// not taken) and every program's landing (bpf_func + tailCallOffset: X86_TAIL_CALL_OFFSET,
// RISC-V past `li a6, 33`: taken). x86-64 counts up (limit 33); RISC-V counts down from 33.
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF, MAX_TAIL_CALL_CNT } from '../common/kernelStructs.ts';
import type { InsnIdx } from '../common/ids.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import type { DebugProgram } from './target/loadedProgram.ts';
import type { MemReader } from './unwind.ts';
import type { DebugStop, TailCallHop } from './view.ts';

export interface TailCallSiteInfo {
  program: DebugProgram;
  funcIdx: number;
  insn: InsnIdx;
  direct: boolean;
  start: bigint;
  out: bigint;
  /** Direct sites: the prog_array and key of the poke descriptor. */
  mapIndex: number | null;
  key: number | null;
}

/** A tail-call attempt: exactly what the View's tail-call stop reason reports. */
export type TailCallEvent = Omit<Extract<DebugStop, { kind: 'tail-call' }>, 'kind'>;

export interface HopRecord extends TailCallHop {
  /** Frame identity the hop happened in (the callee inherits it): rbp; RISC-V the CFA. */
  fp: bigint;
}

interface Pending {
  site: TailCallSiteInfo;
  /** Registers and counter when the sequence began (R2/R3: map and index of an indirect call). */
  regs: { map: bigint; index: bigint };
  tcc: number | null;
}

/** The tracker's state from one instruction count on (hops never mutated in place). */
interface JournalEntry {
  at: number;
  hops: readonly HopRecord[];
  pending: Pending | null;
}

export class TailCallTracker {
  readonly sites = new Map<bigint, TailCallSiteInfo>();
  readonly outs = new Map<bigint, TailCallSiteInfo[]>();
  readonly landings = new Map<bigint, DebugProgram>();
  /** Replaced, never pushed to: journal entries share these arrays. */
  hops: readonly HopRecord[] = [];
  private pending: Pending | null = null;
  /**
   * Where the debuggee is in time (record/ sets it to the tracing machine's instruction
   * count). With a clock, every change of state is journaled by count, so reverse
   * execution can take the log back to any earlier point (rewind): re-execution from a
   * checkpoint runs quietly, past the addresses the tracker watches.
   */
  clock: (() => number) | null = null;
  private journal: JournalEntry[] = [];

  constructor(private readonly target: DebugTarget) {
    this.rebuild();
  }

  /** (Re)reads every program's tail-call sites and landing: objects were loaded or unloaded. */
  rebuild(): void {
    this.sites.clear();
    this.outs.clear();
    this.landings.clear();
    for (const p of this.target.programs) {
      p.jit.funcs.forEach((f, fi) => {
        const base = p.funcBases[fi]!;
        for (const r of f.regions) {
          if (!r.role.startsWith('tail call') || r.insn === undefined) continue;
          const direct = r.role.includes('direct') && !r.role.includes('indirect');
          const poke = direct ? p.jit.pokes.find((d) => d.insn === r.insn) : undefined;
          const site: TailCallSiteInfo = {
            program: p,
            funcIdx: fi,
            insn: r.insn,
            direct,
            start: base + BigInt(r.start),
            out: base + BigInt(r.end),
            mapIndex: poke?.mapIndex ?? null,
            key: poke?.key ?? null,
          };
          this.sites.set(site.start, site);
          const list = this.outs.get(site.out) ?? [];
          list.push(site);
          this.outs.set(site.out, list);
        }
      });
      this.landings.set(p.funcBases[0]! + BigInt(p.jit.funcs[0]!.tailCallOffset), p);
    }
  }

  /** Every address the tracker must see the PC arrive at. */
  addresses(): bigint[] {
    return [...this.sites.keys(), ...this.outs.keys(), ...this.landings.keys()];
  }

  reset(): void {
    this.hops = [];
    this.pending = null;
    this.note();
  }

  /** Journals the current state at the clock's count (dropping entries of a discarded future). */
  private note(): void {
    if (!this.clock) return;
    const at = this.clock();
    this.drop(at);
    this.journal.push({ at, hops: this.hops, pending: this.pending });
  }

  private drop(after: number): void {
    while ((this.journal.at(-1)?.at ?? -1) > after) this.journal.pop();
  }

  /**
   * The debuggee went back to instruction count `at`: the state the log had there (hops
   * taken and a tail-call sequence begun by then). What was journaled after it goes: going
   * forward again tracks the arrivals anew.
   */
  rewind(at: number): void {
    this.drop(at);
    const e = this.journal.at(-1);
    this.hops = e?.hops ?? [];
    this.pending = e?.pending ?? null;
  }

  /**
   * The PC arrived at `pc` (before executing it). Returns the tail call that completed
   * here (taken at a landing, not taken at `out`), if any.
   */
  arrive(pc: bigint, regs: { map: bigint; index: bigint; fp: bigint }, counter: () => number | null, mem: MemReader): TailCallEvent | null {
    let done: TailCallEvent | null = null;
    const pend = this.pending;
    // The outcome is judged when the sequence ends, from the state then: the user may have
    // swapped the slot while the CPU was stopped inside the sequence.
    if (pend && this.outs.get(pc)?.includes(pend.site)) {
      this.pending = null;
      const ev = this.predict(pend.site, pend.regs, pend.tcc, mem);
      // RISC-V has already decremented a6 when the NULL check sends it to `out`.
      const after = this.target.arch === 'riscv64' ? ev.tcc : (pend.tcc ?? 0);
      done = ev.taken ? { ...ev, taken: false, outcome: 'empty-slot', to: null, tcc: after } : ev;
    }
    const landed = this.landings.get(pc);
    if (landed && pend && this.pending === pend) {
      this.pending = null;
      const ev0 = this.predict(pend.site, pend.regs, pend.tcc, mem);
      // At the landing rax hands the counter over (a count, or tcc_ptr): read it there.
      const ev: TailCallEvent = { ...ev0, taken: true, outcome: 'taken', to: this.target.objects.displayName(landed), tcc: counter() ?? ev0.tcc };
      this.hops = [
        ...this.hops,
        {
          program: ev.from.program,
          func: ev.from.func,
          insn: ev.from.insn,
          map: ev.map,
          key: ev.key,
          direct: ev.direct,
          to: ev.to!,
          tcc: ev.tcc,
          fp: regs.fp,
        },
      ];
      done = ev;
    }
    const site = this.sites.get(pc);
    if (site) this.pending = { site, regs: { map: regs.map, index: regs.index }, tcc: counter() };
    if (pend !== this.pending || site) this.note();
    return done;
  }

  /** The kernel's order of checks: index bound, counter limit, empty slot (direct: bypass live). */
  private predict(site: TailCallSiteInfo, regs: { map: bigint; index: bigint }, tcc: number | null, mem: MemReader): TailCallEvent {
    const t = this.target;
    // A direct site's map is its own object's map #mapIndex; an indirect one is R2.
    const map = site.mapIndex !== null ? site.program.kernel.object.maps[site.mapIndex] : t.model.mapAt(regs.map);
    const key = site.key ?? Number(regs.index & 0xffffffffn);
    const from = { program: t.objects.displayName(site.program), func: site.program.jit.funcs[site.funcIdx]!.name, insn: site.insn };
    // RISC-V keeps what is left: `a6 = tcc - 1; if (a6 < 0) goto out`, before the NULL check.
    const down = t.arch === 'riscv64';
    const count = tcc ?? (down ? MAX_TAIL_CALL_CNT : 0);
    const base: TailCallEvent = {
      taken: false,
      outcome: 'taken',
      direct: site.direct,
      from,
      map: map ? t.objects.mapDisplayName(map) : '?',
      key,
      to: null,
      tcc: count,
    };
    const mapAddr = map?.addr ?? regs.map;
    const maxEntries = Number(mem.read(mapAddr + BigInt(BPF_ARRAY_MAX_ENTRIES_OFF), 4) ?? 0n);
    if (key >= maxEntries) return { ...base, outcome: 'index-out-of-range' };
    if (down ? count - 1 < 0 : count >= MAX_TAIL_CALL_CNT) return { ...base, outcome: 'count-exceeded' };
    const next = down ? count - 1 : count + 1;
    const slot = mem.read(mapAddr + BigInt(BPF_ARRAY_PTRS_OFF + 8 * key), 8) ?? 0n;
    // x86 E1 (by value) and RISC-V count before the NULL check; x86 E2 after it.
    const after = down || t.profile.tcc === 'by-value' ? next : count;
    if (slot === 0n) return { ...base, outcome: 'empty-slot', tcc: after };
    const hit = t.programs.find((p) => p.progStruct === slot);
    const to = hit ? t.objects.displayName(hit) : null;
    return { ...base, taken: true, outcome: 'taken', to, tcc: next };
  }

  /** Hops still relevant for frames whose innermost rbp is `fp0` (older frames' hops stay). */
  prune(fp0: bigint): void {
    if (this.hops.some((h) => h.fp < fp0)) this.hops = this.hops.filter((h) => h.fp >= fp0);
  }
}
