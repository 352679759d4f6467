// A growable little-endian byte buffer for the ELF and DWARF writers (elfExport.ts).
export class ByteSink {
  private buf = new Uint8Array(256);
  length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): this {
    this.room(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }

  u16(v: number): this {
    return this.u8(v).u8(v >> 8);
  }

  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }

  u64(v: bigint): this {
    const x = BigInt.asUintN(64, v);
    return this.u32(Number(x & 0xffffffffn)).u32(Number(x >> 32n));
  }

  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }

  /** NUL-terminated UTF-8. */
  cstr(s: string): this {
    return this.bytes(Buffer.from(s, 'utf8')).u8(0);
  }

  uleb(v: number | bigint): this {
    let x = BigInt(v);
    do {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      this.u8(x === 0n ? b : b | 0x80);
    } while (x !== 0n);
    return this;
  }

  sleb(v: number | bigint): this {
    let x = BigInt(v);
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n; // arithmetic shift on bigint
      const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
      this.u8(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  /** Zero bytes up to a multiple of `n`. */
  align(n: number): this {
    while (this.length % n) this.u8(0);
    return this;
  }

  /** Overwrites a u32 written earlier (lengths known only at the end). */
  patchU32(at: number, v: number): void {
    this.buf[at] = v & 0xff;
    this.buf[at + 1] = (v >> 8) & 0xff;
    this.buf[at + 2] = (v >> 16) & 0xff;
    this.buf[at + 3] = (v >>> 24) & 0xff;
  }

  done(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
