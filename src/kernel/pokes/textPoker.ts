// What the poke state machine needs from whoever holds the code bytes: the machine
// (stop, write, drop translated blocks, resume) or a plain byte array in tests.
// Kernel counterpart: text_poke_bp / smp_text_poke_single under text_mutex; a single
// 5-byte write while the CPU is stopped is equivalent for an emulator.

export interface TextPoker {
  /** Reads `len` bytes of text at a guest address. */
  readText(addr: bigint, len: number): Uint8Array;
  /** Writes text while no CPU is running and invalidates any cached translation of it. */
  pokeText(addr: bigint, bytes: Uint8Array): void;
}

/** A TextPoker over plain byte arrays placed at guest addresses (tests, dry runs). */
export class ArrayTextPoker implements TextPoker {
  private readonly areas: { base: bigint; bytes: Uint8Array }[] = [];
  /** Every write, in order, for assertions. */
  readonly writes: { addr: bigint; bytes: Uint8Array }[] = [];

  place(base: bigint, bytes: Uint8Array): void {
    this.areas.push({ base, bytes });
  }

  private locate(addr: bigint, len: number): { bytes: Uint8Array; off: number } {
    for (const a of this.areas) {
      const off = addr - a.base;
      if (off >= 0n && off + BigInt(len) <= BigInt(a.bytes.length)) return { bytes: a.bytes, off: Number(off) };
    }
    throw new Error(`text 0x${addr.toString(16)}+${len} is not placed`);
  }

  readText(addr: bigint, len: number): Uint8Array {
    const { bytes, off } = this.locate(addr, len);
    return bytes.slice(off, off + len);
  }

  pokeText(addr: bigint, bytes: Uint8Array): void {
    const { bytes: dst, off } = this.locate(addr, bytes.length);
    dst.set(bytes, off);
    this.writes.push({ addr, bytes: bytes.slice() });
  }
}
