// Memory as a front end reads it (gdb's `m` packet, DAP's readMemory): the bytes from
// `addr` up to the first unmapped page, so a read that runs off the end of a mapping
// returns what exists instead of failing as a whole. Reading never changes the debuggee.
import type { Session } from './session.ts';

const PAGE = 0x1000n;

export function readMapped(s: Session, addr: bigint, size: number): Uint8Array {
  const m = s.target.machine;
  const parts: Uint8Array[] = [];
  let at = addr;
  let left = BigInt(size);
  while (left > 0n) {
    const chunk = (PAGE - (at % PAGE)) < left ? PAGE - (at % PAGE) : left;
    if (!m.isMapped(at, Number(chunk))) break;
    parts.push(m.readMem(at, Number(chunk)));
    at += chunk;
    left -= chunk;
  }
  return new Uint8Array(Buffer.concat(parts));
}
