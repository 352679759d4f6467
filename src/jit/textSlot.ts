// Where a program's JITed functions sit in its text slot (TEXT_BASE + slot * TEXT_SLOT):
// each function at a BPF_PROG_CHUNK_SIZE-aligned offset, as bpf_prog_pack hands out chunks.
// The debugger's engines and `dump --jited` place programs the same way.
import { type Result, err, ok } from '../common/diag.ts';
import { TEXT_BASE, TEXT_SLOT } from '../common/layout.ts';
import { BPF_PROG_CHUNK_SIZE } from '../common/kernelLimits.ts';

const CHUNK = BigInt(BPF_PROG_CHUNK_SIZE);

export interface SlotPlacement {
  /** The slot's first address. */
  base: bigint;
  /** Each function's address, in the image's function order. */
  funcAddrs: bigint[];
  /** Bytes the functions take, chunk-rounded. */
  bytes: bigint;
}

/** Text slot `slot`'s address. */
export const textSlotBase = (slot: number): bigint => TEXT_BASE + BigInt(slot) * TEXT_SLOT;

/** Places `funcs` in text slot `slot`; code that does not fit the slot is refused, naming `program`. */
export function placeInTextSlot(funcs: readonly { code: Uint8Array }[], slot: number, program: string): Result<SlotPlacement> {
  const base = textSlotBase(slot);
  const funcAddrs: bigint[] = [];
  let bytes = 0n;
  for (const f of funcs) {
    funcAddrs.push(base + bytes);
    bytes += (BigInt(f.code.length) + CHUNK - 1n) & ~(CHUNK - 1n);
  }
  if (bytes > TEXT_SLOT) return err('jit.text-slot', `${program}: JITed code (${bytes} bytes) exceeds its text slot`, { program });
  return ok({ base, funcAddrs, bytes });
}
