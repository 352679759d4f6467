// bpf_arch_text_poke / __bpf_arch_text_poke (arch/x86/net/bpf_jit_comp.c), JUMP kind:
// expected-old = nop5 if old is NULL else `jmp old`; new likewise. Under text_mutex:
// bytes != expected-old -> -EBUSY; bytes == new -> 1 (nothing written); else write -> 0.
// The kernel writes with the int3 cross-modification protocol; for an emulator whose
// CPU is stopped, one 5-byte write plus dropping translated blocks is equivalent.
import type { TextPoker } from './textPoker.ts';
import { patchBytes, X86_PATCH_SIZE } from '../../jit/x86_64/textPoke.ts';
import { bytesEqual } from '../../common/bytes.ts';

export const EBUSY = 16;

export type TextPokeResult = 0 | 1 | -16;

export interface TextPokeOutcome {
  ret: TextPokeResult;
  before: Uint8Array;
  after: Uint8Array;
}

/** emit_patch() at `ip`; a target out of rel32 range is the caller's bug (the kernel's -ERANGE WARN). */
function sitePatch(kind: 'jump' | 'call', ip: bigint, target: bigint | null): Uint8Array {
  const r = patchBytes(kind, ip, target);
  if (!r.ok) throw new Error(`poke ${r.error.message}`);
  return r.value;
}

export function bpfArchTextPoke(poker: TextPoker, ip: bigint, oldAddr: bigint | null, newAddr: bigint | null, kind: 'jump' | 'call' = 'jump'): TextPokeOutcome {
  const oldInsn = sitePatch(kind, ip, oldAddr);
  const newInsn = sitePatch(kind, ip, newAddr);
  const before = poker.readText(ip, X86_PATCH_SIZE);
  if (!bytesEqual(before, oldInsn)) return { ret: -EBUSY as -16, before, after: before };
  if (bytesEqual(before, newInsn)) return { ret: 1, before, after: before };
  poker.pokeText(ip, newInsn);
  return { ret: 0, before, after: newInsn };
}
