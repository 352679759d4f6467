// A poke descriptor placed in guest memory, and its state read back from the code bytes.
// Kernel: struct bpf_jit_poke_descriptor (5.13+): tailcall_target / tailcall_bypass /
// bypass_addr are absolute addresses there; the JIT gives us offsets inside the function
// (JitImage.pokes), so a PlacedPoke adds the function's address. States from the
// "rework pro/epilogue and tailcall handling" commit (v5.10), still current in 6.18:
//   A: bypass nop5,     target nop5    never legal (unwinds, then falls into `out`)
//   B: bypass nop5,     target jmp f   armed: tail call to f
//   C: bypass jmp out,  target nop5    empty slot (as the JIT emits it)
//   D: bypass jmp out,  target jmp f   transient, behaves as empty
import type { PokeDescriptor } from '../../jit/types.ts';
import { NOP5 } from '../../jit/x86_64/textPoke.ts';

const JMP32 = 0xe9;

/** x86 poke descriptor states (bypass, target): A nop5/nop5 (illegal), B nop5/jmp, C jmp out/nop5, D jmp out/jmp. */
export type PokeState = 'A' | 'B' | 'C' | 'D';

export interface PlacedPoke {
  /** Program (entry) whose poke table holds the descriptor. */
  prog: string;
  desc: PokeDescriptor;
  /** Guest address of the JITed function holding the site (poke->aux's image). */
  funcAddr: bigint;
  /** The prog_array this site reads (tail_call.map), as the kernel model identifies maps. */
  mapId: number;
}

export const targetSite = (p: PlacedPoke): bigint => p.funcAddr + BigInt(p.desc.tailcallTarget);
export const bypassSite = (p: PlacedPoke): bigint => p.funcAddr + BigInt(p.desc.tailcallBypass);
/** `out`: where the bypass jumps (tailcall_target + X86_PATCH_SIZE). */
export const outAddr = (p: PlacedPoke): bigint => p.funcAddr + BigInt(p.desc.bypassAddr);

export type SiteBytes = { kind: 'nop' } | { kind: 'jmp'; to: bigint } | { kind: 'other' };

/** Decodes the 5 bytes of a poke site. */
export function decodeSite(ip: bigint, bytes: Uint8Array): SiteBytes {
  if (bytes.length >= 5 && NOP5.every((v, i) => bytes[i] === v)) return { kind: 'nop' };
  if (bytes.length >= 5 && bytes[0] === JMP32) {
    const rel = new DataView(bytes.buffer, bytes.byteOffset, 5).getInt32(1, true);
    return { kind: 'jmp', to: BigInt.asUintN(64, ip + 5n + BigInt(rel)) };
  }
  return { kind: 'other' };
}

export interface PokeView {
  state: PokeState | 'corrupt';
  /** Where the armed target jump goes (target bpf_func + adjOff), for B and D. */
  jumpsTo?: bigint;
}

/** Classifies a descriptor by reading 5 bytes at bypass and at target (§13 "poke view"). */
export function classify(bypass: SiteBytes, target: SiteBytes): PokeView {
  if (bypass.kind === 'other' || target.kind === 'other') return { state: 'corrupt' };
  const armed = target.kind === 'jmp';
  const out: PokeView = { state: bypass.kind === 'nop' ? (armed ? 'B' : 'A') : armed ? 'D' : 'C' };
  if (target.kind === 'jmp') out.jumpsTo = target.to;
  return out;
}
