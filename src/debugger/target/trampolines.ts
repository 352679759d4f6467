// Every BPF trampoline image the session's Attacher built, with what it was built for, so
// the unwinders and views can name an address inside one. Old images stay mapped (the
// kernel frees them after an RCU-tasks grace period; a CPU stopped inside one may still
// return through it) and pages are never reused, so the list only grows: reverse
// execution does not rewind it.
import type { Attacher, AttachKind } from '../../engine/attach.ts';
import type { TrampolineCode } from '../../jit/trampolineSpec.ts';
import type { DebugProgram } from './loadedProgram.ts';

/** A traced function: function `funcIdx` (named `func`) of `prog`, its entry at `addr`. */
export interface TraceTarget {
  prog: DebugProgram;
  funcIdx: number;
  func: string;
  addr: bigint;
}

/** A trampoline image ever built. */
export interface TrampolineInfo {
  addr: bigint;
  size: number;
  target: TraceTarget;
  code: TrampolineCode;
  /** Attached programs when it was built, by kind. */
  fentry: string[];
  fexit: string[];
  fmodRet: string[];
  /** kallsyms name: bpf_trampoline_<key>. */
  symbol: string;
}

/** bpf_trampoline_compute_key: (tgt_prog->aux->id << 32) | btf_id of the traced function. */
export function trampolineSymbol(t: TraceTarget): string {
  const btfId = t.prog.kernel.program.funcs.find((f) => f.name === t.func)?.btfFuncId ?? t.funcIdx;
  return `bpf_trampoline_${(BigInt(t.prog.kernel.id) << 32n) | BigInt(btfId)}`;
}

export class TrampolineImages {
  private readonly images: TrampolineInfo[] = [];

  constructor(private readonly attacher: Attacher) {}

  private live(t: TraceTarget): { addr: bigint; code: Uint8Array; tramp: TrampolineCode } | undefined {
    return this.attacher.trampolineOf({ prog: t.prog.kernel, func: t.funcIdx, name: t.func, addr: t.addr, nrArgs: 0 });
  }

  /** Records the image the Attacher now has for `target` (if new), with the programs linked there. */
  note(target: TraceTarget, linked: readonly { kind: AttachKind; name: string }[]): void {
    const img = this.live(target);
    if (!img || this.images.some((i) => i.addr === img.addr)) return;
    const names = (k: AttachKind): string[] => linked.filter((l) => l.kind === k).map((l) => l.name);
    this.images.push({
      addr: img.addr,
      size: img.code.length,
      target,
      code: img.tramp,
      fentry: names('fentry'),
      fexit: names('fexit'),
      fmodRet: names('fmod_ret'),
      symbol: trampolineSymbol(target),
    });
  }

  /** The image holding `addr`, if any. */
  at(addr: bigint): TrampolineInfo | null {
    for (let i = this.images.length - 1; i >= 0; i--) {
      const t = this.images[i]!;
      if (addr >= t.addr && addr < t.addr + BigInt(t.size)) return t;
    }
    return null;
  }

  /** The live trampoline of a traced function, if programs are attached there. */
  liveOf(target: TraceTarget): TrampolineInfo | null {
    const img = this.live(target);
    return img ? this.at(img.addr) : null;
  }
}
