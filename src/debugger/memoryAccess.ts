// Memory as a front end reads and writes it (gdb's m/M packets, DAP's readMemory and
// writeMemory). A read returns the bytes from `addr` up to the first unmapped page, so a
// read running off the end of a mapping returns what exists instead of failing as a
// whole; reading never changes the debuggee. A write is a list of `set` commands, so it
// is recorded and replayed like any other change.
import type { CommandContext } from './commandContext.ts';

const PAGE = 0x1000n;

export function readMapped(s: CommandContext, addr: bigint, size: number): Uint8Array {
  const m = s.target.machine;
  const parts: Uint8Array[] = [];
  let at = addr;
  let left = BigInt(size);
  while (left > 0n) {
    const chunk = PAGE - (at % PAGE) < left ? PAGE - (at % PAGE) : left;
    if (!m.isMapped(at, Number(chunk))) break;
    parts.push(m.readMem(at, Number(chunk)));
    at += chunk;
    left -= chunk;
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** `set *(uN *)ADDR = V` commands writing `bytes` at `addr`, widest units first. */
export function memoryWriteCommands(addr: bigint, bytes: Uint8Array): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const size = [8, 4, 2, 1].find((n) => n <= bytes.length - i)!;
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[i + k]!);
    out.push(`set *(u${size * 8} *)0x${(addr + BigInt(i)).toString(16)} = 0x${v.toString(16)}`);
    i += size;
  }
  return out;
}
