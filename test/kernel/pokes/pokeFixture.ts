// The worked example of the x86-64 JIT reference (§14, E2 profile): a main program whose
// constant-key tail call sits at bypass 0x42 (`jmp 0x5A`) and target 0x55 (nop5), as the
// JIT emits it (state C). Tests place copies of it at guest addresses.
import type { PokeDescriptor } from '../../../src/jit/types.ts';
import { insnIdx, nativeOff } from '../../../src/common/ids.ts';
import type { PlacedPoke } from '../../../src/kernel/pokes/pokeDescriptor.ts';

export const EXAMPLE_CODE = Uint8Array.from([
  0x0f, 0x1f, 0x44, 0x00, 0x00, 0x48, 0x31, 0xc0, 0x55, 0x48, 0x89, 0xe5, 0x48, 0x81, 0xec, 0x08, 0x00, 0x00, 0x00, 0x48, 0x83, 0xf8, 0x21, 0x77, 0x06, 0x50,
  0x48, 0x89, 0xe0, 0xeb, 0x01, 0x50, 0x50, 0x53, 0x48, 0x89, 0xfb, 0x48, 0x89, 0x5d, 0xf8, 0x48, 0xbe, 0, 0, 0, 0, 0, 0, 0, 0, 0x31, 0xd2, 0x48, 0x8b, 0x85,
  0xe8, 0xff, 0xff, 0xff, 0x48, 0x83, 0x38, 0x21, 0x73, 0x18, 0xe9, 0x13, 0x00, 0x00, 0x00, 0x48, 0x83, 0x00, 0x01, 0x5b, 0x58, 0x58, 0x48, 0x81, 0xc4, 0x08,
  0x00, 0x00, 0x00, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x31, 0xc0, 0x5b, 0xc9, 0xc3,
]);

/** X86_TAIL_CALL_OFFSET of the example's profile (landing after push rbp; mov rbp, rsp). */
export const ADJ_OFF = 12;

export function exampleDescriptor(key = 0, mapIndex = 0): PokeDescriptor {
  return {
    index: 0,
    func: 0,
    insn: insnIdx(5),
    tailcallTarget: nativeOff(0x55),
    tailcallBypass: nativeOff(0x42),
    bypassAddr: nativeOff(0x5a),
    adjOff: ADJ_OFF,
    mapIndex,
    key,
  };
}

export function placed(prog: string, funcAddr: bigint, mapId = 1, key = 0): PlacedPoke {
  return { prog, desc: exampleDescriptor(key), funcAddr, mapId };
}

export const NOP5 = [0x0f, 0x1f, 0x44, 0x00, 0x00];

/** `E9 rel32` bytes of a jump at `site` to `to`. */
export function jmpBytes(site: bigint, to: bigint): number[] {
  const rel = Number(BigInt.asIntN(32, to - (site + 5n)));
  const b = new Uint8Array(5);
  b[0] = 0xe9;
  new DataView(b.buffer).setInt32(1, rel, true);
  return [...b];
}
