// `info pokes` / View.pokes: each poke descriptor with its state read from the code bytes
// (A/B/C/D), the bytes and meaning of both sites, the slot's program, the last transition
// and a grace period still pending (a delete waiting for this CPU to leave BPF code).
import { bypassSite, decodeSite, outAddr, targetSite, type PlacedPoke } from '../kernel/pokes/pokeDescriptor.ts';
import { ProgArrayMap, type KernelProgram } from '../kernel/index.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import { hex64, type Poke, type PokeSiteCode, type PokeState, type PokeTransition } from './view.ts';
import { hexBytes } from '../common/hex.ts';
import { X86_PATCH_SIZE } from '../jit/x86_64/textPoke.ts';

/** `prog_b+0xc` for a code address, or the hex address. */
export function symbolize(t: DebugTarget, addr: bigint): string {
  const pos = t.index.lookup(addr);
  if (!pos) {
    const tr = t.trampolineAt(addr);
    return tr ? `${tr.symbol}+0x${(addr - tr.addr).toString(16)}` : hex64(addr);
  }
  return `${pos.func.name}+0x${pos.off.toString(16)}`;
}

function site(t: DebugTarget, p: PlacedPoke, ip: bigint): PokeSiteCode {
  const b = t.machine.readMem(ip, X86_PATCH_SIZE);
  const d = decodeSite(ip, b);
  const asm =
    d.kind === 'nop' ? 'nop5' : d.kind === 'jmp' ? (d.to === outAddr(p) ? `jmp ${hex64(d.to)} (out)` : `jmp ${symbolize(t, d.to)}`) : '(unexpected bytes)';
  return { addr: hex64(ip), bytes: hexBytes(b), asm };
}

export const pokeKey = (p: PlacedPoke): string => `${p.prog}#${p.desc.index}`;

export function buildPokes(t: DebugTarget, last: Map<string, PokeTransition>, prev: readonly Poke[]): Poke[] {
  const psm = t.pokes;
  if (!psm) return [];
  const pending = psm.pendingGrace();
  return psm.pokes().map((p) => {
    // Program names repeat across objects: the site's address says whose it is.
    const prog = t.index.lookup(p.funcAddr)?.program ?? t.programs.find((q) => q.name === p.prog)!;
    const map = prog.kernel.object.maps[p.desc.mapIndex]!;
    const slot = map instanceof ProgArrayMap ? (map as ProgArrayMap<KernelProgram>).get(p.desc.key) : null;
    const v = psm.view(p);
    const state: PokeState = v.state === 'corrupt' ? 'A' : v.state;
    const to = v.jumpsTo === undefined ? undefined : t.programs.find((q) => q.funcBases[0]! + BigInt(p.desc.adjOff) === v.jumpsTo);
    const jumpsTo = v.jumpsTo === undefined ? null : to ? t.objects.displayName(to) : hex64(v.jumpsTo);
    const g = pending.find((x) => x.mapId === p.mapId && x.key === p.desc.key);
    const name = t.objects.displayName(prog);
    const before = prev.find((x) => x.program === name && x.index === p.desc.index);
    return {
      index: p.desc.index,
      program: name,
      func: prog.jit.funcs[p.desc.func]!.name,
      insn: p.desc.insn,
      map: t.objects.mapDisplayName(map),
      mapIndex: p.desc.mapIndex,
      key: p.desc.key,
      slotProgram: slot ? (t.objects.dbgOf(slot) ? t.objects.displayName(t.objects.dbgOf(slot)!) : slot.name) : null,
      jumpsTo,
      state,
      bypass: site(t, p, bypassSite(p)),
      target: site(t, p, targetSite(p)),
      bypassAddr: hex64(outAddr(p)),
      adjOff: p.desc.adjOff,
      pendingGracePeriod: g ? { waitingFor: g.waitingFor.map((c) => `cpu${c}`).join(', ') + ' to leave BPF code' } : null,
      lastTransition: last.get(pokeKey(p)) ?? null,
      changed: before !== undefined && before.state !== state,
    };
  });
}
