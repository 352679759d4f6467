// Direct tail-call sites follow their prog_array slot. Kernel: prog_array_map_poke_run()
// (kernel/bpf/arraymap.c) calling bpf_arch_poke_desc_update() (x86, v6.7+; the same
// logic lived in arraymap.c 5.10-6.6), run for every tracked, stable descriptor whose
// map+key match, AFTER the slot pointer was exchanged, under the map's poke_mutex:
//   install (old NULL, new f):  target nop5 -> jmp f+adj (C->D); bypass jmp out -> nop5 (D->B)
//   replace (old f, new f'):    target jmp f -> jmp f' (B->B)
//   delete  (old f, new NULL):  bypass nop5 -> jmp out (B->D); if that wrote bytes,
//                               synchronize_rcu(); then target jmp f -> nop5 (D->C)
//   delete of an empty slot:    both pokes find the new bytes already there: no-ops
// After the JIT, bpf_tail_call_direct_fixup() arms sites whose slot is already populated.
//
// The kernel blocks in synchronize_rcu(); the debugger cannot, since a CPU may sit at a
// breakpoint inside a program for as long as the user likes. So each map has a FIFO of
// steps (pokes and grace-period waits, as poke_mutex serialises them); a wait blocks its
// map's FIFO until every CPU that was inside a BPF program when the wait began has been
// outside one since (RCU: a CPU entering later sees the re-armed bypass and never
// reaches the target). poll() / noteQuiescent() resume the FIFO.
import type { PokeDescriptor } from '../../jit/types.ts';
import { bypassSite, classify, decodeSite, outAddr, targetSite, type PlacedPoke, type PokeState, type PokeView } from './pokeDescriptor.ts';
import { bpfArchTextPoke } from './textPoke.ts';
import type { TextPoker } from './textPoker.ts';
import { hexBytes as hex } from '../../common/hex.ts';
import { X86_PATCH_SIZE } from '../../jit/x86_64/textPoke.ts';

export type PokeReason = 'fixup' | 'install' | 'replace' | 'delete';

/** One 5-byte write that changed a site, with the descriptor state around it. */
export interface PokeEvent {
  prog: string;
  descriptor: PokeDescriptor;
  poke: PlacedPoke;
  site: 'target' | 'bypass';
  addr: bigint;
  from: PokeState;
  to: PokeState;
  before: Uint8Array;
  after: Uint8Array;
  reason: PokeReason;
  mapId: number;
  key: number;
}

/** Who is running BPF code right now (the engine knows; tests fake it). */
export interface CpuActivity {
  /** CPUs currently between entering a BPF program and returning from it. */
  cpusInsideBpf(): number[];
}

export interface PendingGrace {
  mapId: number;
  key: number;
  /** CPUs that must still leave BPF code before the grace period ends. */
  waitingFor: number[];
}

type Step =
  | { kind: 'poke'; poke: PlacedPoke; site: 'target' | 'bypass'; old: bigint | null; new: bigint | null; reason: PokeReason; key: number }
  | { kind: 'grace'; key: number; waiting?: Set<number> };

export class PokeStateMachine {
  private readonly tracked: PlacedPoke[] = [];
  private readonly queues = new Map<number, Step[]>();
  private readonly listeners: ((e: PokeEvent) => void)[] = [];

  constructor(
    private readonly poker: TextPoker,
    private readonly cpus: CpuActivity,
  ) {}

  onEvent(fn: (e: PokeEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Descriptors currently followed (map_poke_track + tailcall_target_stable). */
  pokes(): readonly PlacedPoke[] {
    return this.tracked;
  }

  /** Reads a descriptor's state from the code bytes. */
  view(p: PlacedPoke): PokeView {
    const b = bypassSite(p);
    const t = targetSite(p);
    return classify(decodeSite(b, this.poker.readText(b, X86_PATCH_SIZE)), decodeSite(t, this.poker.readText(t, X86_PATCH_SIZE)));
  }

  /**
   * Starts following a freshly JITed program's sites and performs the kernel's initial
   * fix-up: a site whose slot already holds a program is armed (C->D->B).
   * `slotFunc(mapId, key)` = bpf_func of the program in the slot, or null.
   */
  track(pokes: PlacedPoke[], slotFunc: (mapId: number, key: number) => bigint | null): PokeEvent[] {
    const events: PokeEvent[] = [];
    for (const p of pokes) {
      const f = slotFunc(p.mapId, p.desc.key);
      if (f !== null) {
        this.enqueue(p.mapId, [
          { kind: 'poke', poke: p, site: 'target', old: null, new: f + BigInt(p.desc.adjOff), reason: 'fixup', key: p.desc.key },
          { kind: 'poke', poke: p, site: 'bypass', old: outAddr(p), new: null, reason: 'fixup', key: p.desc.key },
        ]);
      }
      this.tracked.push(p); // tailcall_target_stable = true
      events.push(...this.drain(p.mapId));
    }
    return events;
  }

  /** map_poke_untrack: a freed program's sites are no longer poked (queued steps dropped). */
  untrack(prog: string): void {
    for (let i = this.tracked.length - 1; i >= 0; i--) if (this.tracked[i]!.prog === prog) this.tracked.splice(i, 1);
    for (const q of this.queues.values()) {
      for (let i = q.length - 1; i >= 0; i--) {
        const s = q[i]!;
        if (s.kind === 'poke' && s.poke.prog === prog) q.splice(i, 1);
      }
    }
  }

  /**
   * prog_array_map_poke_run: the kernel model has already exchanged ptrs[key]; old/new are
   * the bpf_func addresses of the programs that left and entered the slot (null = empty).
   * Returns the events that happened now; steps behind a grace period happen later.
   */
  update(mapId: number, key: number, oldFunc: bigint | null, newFunc: bigint | null): PokeEvent[] {
    const steps: Step[] = [];
    for (const p of this.tracked) {
      if (p.mapId !== mapId || p.desc.key !== key) continue;
      const adj = BigInt(p.desc.adjOff);
      const oldT = oldFunc === null ? null : oldFunc + adj;
      const newT = newFunc === null ? null : newFunc + adj;
      if (newFunc !== null) {
        const reason: PokeReason = oldFunc === null ? 'install' : 'replace';
        steps.push({ kind: 'poke', poke: p, site: 'target', old: oldT, new: newT, reason, key });
        if (oldFunc === null) steps.push({ kind: 'poke', poke: p, site: 'bypass', old: outAddr(p), new: null, reason, key });
      } else {
        // old_bypass_addr = old ? NULL : bypass_addr: with an empty slot both pokes are no-ops.
        steps.push({ kind: 'poke', poke: p, site: 'bypass', old: oldFunc === null ? outAddr(p) : null, new: outAddr(p), reason: 'delete', key });
        steps.push({ kind: 'grace', key });
        steps.push({ kind: 'poke', poke: p, site: 'target', old: oldT, new: null, reason: 'delete', key });
      }
    }
    this.enqueue(mapId, steps);
    return this.drain(mapId);
  }

  /** Re-checks pending grace periods (call when a CPU leaves BPF code or stops). */
  poll(): PokeEvent[] {
    const events: PokeEvent[] = [];
    for (const mapId of [...this.queues.keys()]) events.push(...this.drain(mapId));
    return events;
  }

  /** `cpu` passed a quiescent state (returned from its program), even if it re-entered since. */
  noteQuiescent(cpu: number): PokeEvent[] {
    for (const q of this.queues.values()) {
      const head = q[0];
      if (head?.kind === 'grace' && head.waiting) head.waiting.delete(cpu);
    }
    return this.poll();
  }

  /** Grace periods started and not yet over. */
  pendingGrace(): PendingGrace[] {
    const out: PendingGrace[] = [];
    for (const [mapId, q] of this.queues) {
      const head = q[0];
      if (head?.kind === 'grace' && head.waiting) out.push({ mapId, key: head.key, waitingFor: [...head.waiting].sort() });
    }
    return out;
  }

  private enqueue(mapId: number, steps: Step[]): void {
    if (steps.length === 0) return;
    const q = this.queues.get(mapId) ?? [];
    q.push(...steps);
    this.queues.set(mapId, q);
  }

  /** Runs a map's FIFO until it is empty or blocked by a grace period. */
  private drain(mapId: number): PokeEvent[] {
    const q = this.queues.get(mapId);
    const events: PokeEvent[] = [];
    let lastPokeWrote = true;
    while (q && q.length > 0) {
      const s = q[0]!;
      if (s.kind === 'grace') {
        // `if (!ret) synchronize_rcu()`: wait only when the bypass poke changed bytes.
        if (!lastPokeWrote && !s.waiting) {
          q.shift();
          continue;
        }
        if (!s.waiting) s.waiting = new Set(this.cpus.cpusInsideBpf());
        const inside = new Set(this.cpus.cpusInsideBpf());
        for (const c of [...s.waiting]) if (!inside.has(c)) s.waiting.delete(c);
        if (s.waiting.size > 0) break;
        q.shift();
        continue;
      }
      q.shift();
      const ev = this.poke(s);
      lastPokeWrote = ev !== undefined;
      if (ev) events.push(ev);
    }
    if (q && q.length === 0) this.queues.delete(mapId);
    for (const e of events) for (const l of this.listeners) l(e);
    return events;
  }

  private poke(s: Extract<Step, { kind: 'poke' }>): PokeEvent | undefined {
    const p = s.poke;
    const ip = s.site === 'target' ? targetSite(p) : bypassSite(p);
    const from = this.view(p).state;
    const r = bpfArchTextPoke(this.poker, ip, s.old, s.new);
    if (r.ret < 0) {
      // The kernel BUG()s here: the bytes are not what the slot's history implies.
      throw new Error(
        `text poke -EBUSY at ${s.site} 0x${ip.toString(16)} of ${p.prog} poke ${p.desc.index} ` +
          `(found ${hex(r.before)}): code and prog_array slot ${s.key} disagree`,
      );
    }
    if (r.ret === 1) return undefined;
    const to = this.view(p).state;
    if (to === 'A' || from === 'A') throw new Error(`poke ${p.desc.index} of ${p.prog} reached state A (unwind then fall into out)`);
    if (to === 'corrupt' || from === 'corrupt') throw new Error(`poke ${p.desc.index} of ${p.prog}: unrecognised site bytes`);
    return {
      prog: p.prog,
      descriptor: p.desc,
      poke: p,
      site: s.site,
      addr: ip,
      from,
      to,
      before: r.before,
      after: r.after,
      reason: s.reason,
      mapId: p.mapId,
      key: s.key,
    };
  }
}
