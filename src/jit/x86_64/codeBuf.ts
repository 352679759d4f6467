// The byte sink every emitter appends to. One buffer serves both kinds of pass the kernel's
// do_jit() runs: sizing passes (the kernel emits each BPF insn into `temp[]` and only counts
// it) and the writing pass (it copies temp[] into the image). A dry CodeBuf keeps only the
// bytes of the instruction being emitted, so a 1M-insn sizing pass needs no large buffer.

export class CodeBuf {
  /** Backing store. In dry mode only the current instruction's bytes live here. */
  bytes: Uint8Array;
  /** Write cursor into `bytes`. */
  pos = 0;
  /** Bytes already emitted and discarded (dry mode) before `bytes[0]`. */
  base = 0;
  readonly dry: boolean;

  constructor(dry: boolean, capacity = 4096) {
    this.dry = dry;
    this.bytes = new Uint8Array(dry ? 512 : Math.max(64, capacity));
  }

  /** Offset of the next byte within the function. */
  get off(): number {
    return this.base + this.pos;
  }

  /** Start of a new BPF instruction: a dry buffer forgets the previous one's bytes. */
  beginInsn(): void {
    if (this.dry) {
      this.base += this.pos;
      this.pos = 0;
    } else if (this.pos + 256 > this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes.subarray(0, this.pos));
      this.bytes = grown;
    }
  }

  reset(): void {
    this.pos = 0;
    this.base = 0;
  }

  /** The function's code (writing pass only). */
  code(): Uint8Array {
    if (this.dry) throw new Error('CodeBuf: a dry buffer keeps no code');
    return this.bytes.slice(0, this.pos);
  }

  /** Last `n` bytes of the current instruction (tests and padding checks). */
  tail(n: number): Uint8Array {
    return this.bytes.subarray(this.pos - n, this.pos);
  }

  emit1(b: number): void {
    this.bytes[this.pos++] = b;
  }
  emit2(b1: number, b2: number): void {
    const p = this.pos;
    this.bytes[p] = b1;
    this.bytes[p + 1] = b2;
    this.pos = p + 2;
  }
  emit3(b1: number, b2: number, b3: number): void {
    const p = this.pos;
    this.bytes[p] = b1;
    this.bytes[p + 1] = b2;
    this.bytes[p + 2] = b3;
    this.pos = p + 3;
  }
  emit4(b1: number, b2: number, b3: number, b4: number): void {
    const p = this.pos;
    this.bytes[p] = b1;
    this.bytes[p + 1] = b2;
    this.bytes[p + 2] = b3;
    this.bytes[p + 3] = b4;
    this.pos = p + 4;
  }
  /** Little-endian 32-bit immediate or displacement (sign does not matter). */
  imm32(v: number): void {
    const p = this.pos;
    this.bytes[p] = v & 0xff;
    this.bytes[p + 1] = (v >>> 8) & 0xff;
    this.bytes[p + 2] = (v >>> 16) & 0xff;
    this.bytes[p + 3] = (v >>> 24) & 0xff;
    this.pos = p + 4;
  }
  imm16(v: number): void {
    this.emit2(v & 0xff, (v >>> 8) & 0xff);
  }
  /** Immediate of 1, 2 or 4 bytes (the kernel's EMIT(imm, bpf_size_to_x86_bytes(size))). */
  immN(v: number, n: number): void {
    if (n === 1) this.emit1(v & 0xff);
    else if (n === 2) this.imm16(v);
    else this.imm32(v);
  }
}
