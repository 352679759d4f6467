// View.objects, View.links and View.pins: the session's objects, its attached programs
// with the patch site at each target's entry as the code bytes say now (`call
// bpf_trampoline_...` for fentry/fexit/fmod_ret, `jmp PROG` for freplace, nops when
// nothing is attached), and the BPF file system's pins.
import type { DebugTarget } from './target/debugTarget.ts';
import { symbolize } from './pokesView.ts';
import { hex64, type LinkView, type ObjectView, type PinView } from './view.ts';
import { hexBytes } from '../common/hex.ts';

export function buildObjects(t: DebugTarget): ObjectView[] {
  const o = t.objects;
  return o.objects.map((so, i) => ({
    name: so.name,
    path: so.path,
    main: i === 0,
    programs: so.programs.map((p) => p.name),
    maps: so.loaded.maps.filter((m) => m !== undefined).map((m) => m.name),
  }));
}

/** The bytes at a function entry's patch site and what they do. */
export function patchSiteView(t: DebugTarget, addr: bigint): LinkView['site'] {
  const att = t.objects.attacher;
  const bytes = t.machine.readMem(addr, att.arch.patchSize);
  const d = att.patchSite(addr);
  const asm =
    d.kind === 'nop' ? (att.arch.patchSize === 5 ? 'nop5' : 'nop; nop') : d.kind === 'other' ? '(unexpected bytes)' : `${d.kind} ${symbolize(t, d.to)}`;
  return { addr: hex64(addr), bytes: hexBytes(bytes), asm };
}

export function buildLinks(t: DebugTarget): LinkView[] {
  const o = t.objects;
  return o.links.map((l) => {
    const tr = l.kind === 'freplace' ? null : o.liveTrampoline(l.target);
    return {
      id: l.id,
      program: o.displayName(l.prog),
      object: l.prog.object,
      kind: l.kind as LinkView['kind'],
      target: { program: o.displayName(l.target.prog), func: l.target.func, addr: hex64(l.target.addr) },
      site: patchSiteView(t, l.target.addr),
      trampoline: tr && { addr: hex64(tr.addr), symbol: tr.symbol, size: tr.size, fentry: tr.fentry, fexit: tr.fexit, fmodRet: tr.fmodRet },
    };
  });
}

export function buildPins(t: DebugTarget): PinView[] {
  return [...t.objects.pins].map(([path, m]) => ({ path, map: t.objects.mapDisplayName(m) }));
}
