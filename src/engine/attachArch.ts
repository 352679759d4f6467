// The arch half of attaching (arch_prepare_bpf_trampoline, bpf_arch_text_poke): its own file so
// the arches (attach.ts's X86_ATTACH, attachRiscv.ts) and the Attacher import it without a cycle.
import type { TrampolineCode, TrampolineSpecBase } from '../jit/trampolineSpec.ts';
import type { RoutineAddrs } from './attachRoutines.ts';
import type { JitEngine } from './jitEngine.ts';

/** What the bytes at a patch site hold. */
export type PatchSite = { kind: 'nop' } | { kind: 'call' | 'jmp'; to: bigint } | { kind: 'other'; bytes: Uint8Array };

/** The trampoline inputs every arch takes (arch_prepare_bpf_trampoline's). */
export type TrampolineInputs = TrampolineSpecBase;

/** The arch code of attaching. */
export interface AttachArch {
  /** Bytes of the patch site at bpf_func. */
  patchSize: number;
  /** Trapping byte that fills trampoline pages. */
  fillByte: number;
  routinesPage(base: bigint, pageSize: number): { bytes: Uint8Array; addrs: RoutineAddrs };
  /** bpf_arch_text_poke at a function entry; false when the site does not hold the expected old bytes. */
  poke(eng: JitEngine, kind: 'call' | 'jump', ip: bigint, oldAddr: bigint | null, newAddr: bigint | null): boolean;
  decode(ip: bigint, bytes: Uint8Array): PatchSite;
  build(eng: JitEngine, s: TrampolineInputs): TrampolineCode;
}
