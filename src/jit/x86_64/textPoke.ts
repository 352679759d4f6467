// The 5-byte patch sites of bpf_arch_text_poke / __bpf_arch_text_poke: nop5, `call rel32`
// (fentry/fexit trampolines at bpf_func) or `jmp rel32` (freplace at bpf_func, tail-call
// targets and bypasses). The kernel model writes them while the CPU is stopped.
import { type Result, err, ok } from '../../common/diag.ts';

export const X86_PATCH_SIZE = 5;
/** The kernel's x86_nops[5]: nopl 0x0(%rax,%rax,1). */
export const NOP5: Readonly<Uint8Array> = Uint8Array.of(0x0f, 0x1f, 0x44, 0x00, 0x00);

export type PokeKind = 'call' | 'jump';

/** Bytes for the site at `ip`: nop5 when `target` is null, else E8/E9 rel32 (emit_patch). */
export function patchBytes(kind: PokeKind, ip: bigint, target: bigint | null): Result<Uint8Array> {
  const b = new Uint8Array(X86_PATCH_SIZE);
  if (target === null) {
    b.set(NOP5);
    return ok(b);
  }
  const rel = BigInt.asIntN(64, target - (ip + 5n));
  if (rel < -(1n << 31n) || rel >= 1n << 31n) return err('jit.poke-out-of-range', `target 0x${target.toString(16)} is out of range of 0x${ip.toString(16)}`);
  b[0] = kind === 'call' ? 0xe8 : 0xe9;
  new DataView(b.buffer).setInt32(1, Number(rel), true);
  return ok(b);
}
