// gdb's remote serial protocol framing (gdb manual, "Overview" of Remote Protocol):
// packets are `$data#cs` with a modulo-256 checksum in two hex digits, acknowledged with
// `+`/`-` until QStartNoAckMode; a lone 0x03 byte outside a packet is an interrupt.
// '#', '$', '}' and '*' inside data are escaped as '}' followed by the byte XOR 0x20.

export type Incoming = { kind: 'packet'; data: string } | { kind: 'interrupt' } | { kind: 'bad-checksum' };

const checksum = (s: string): number => {
  let c = 0;
  for (let i = 0; i < s.length; i++) c = (c + s.charCodeAt(i)) & 0xff;
  return c;
};

/** One packet on the wire, escaped, with its checksum. `data` is latin1 (one char per byte). */
export function framePacket(data: string): string {
  const esc = data.replace(/[#$}*]/g, (ch) => `}${String.fromCharCode(ch.charCodeAt(0) ^ 0x20)}`);
  return `$${esc}#${checksum(esc).toString(16).padStart(2, '0')}`;
}

/** Undoes the `}` escapes of binary data (X packets). */
export function unescapeBinary(s: string): string {
  return s.replace(/}(.)/gs, (_, ch: string) => String.fromCharCode(ch.charCodeAt(0) ^ 0x20));
}

/** Splits a byte stream into packets and interrupts; keeps a partial packet for the next chunk. */
export class PacketReader {
  private buf = '';

  push(chunk: string): Incoming[] {
    this.buf += chunk;
    const out: Incoming[] = [];
    for (;;) {
      const i = this.buf.search(/[$\x03]/);
      if (i < 0) {
        this.buf = ''; // acks and noise between packets
        return out;
      }
      if (this.buf[i] === '\x03') {
        out.push({ kind: 'interrupt' });
        this.buf = this.buf.slice(i + 1);
        continue;
      }
      const end = this.buf.indexOf('#', i);
      if (end < 0 || end + 3 > this.buf.length) {
        this.buf = this.buf.slice(i);
        return out;
      }
      const body = this.buf.slice(i + 1, end);
      const cs = parseInt(this.buf.slice(end + 1, end + 3), 16);
      this.buf = this.buf.slice(end + 3);
      // Run-length encoding (`*`) is only used by stubs, never by gdb's requests.
      out.push(cs === checksum(body) ? { kind: 'packet', data: body } : { kind: 'bad-checksum' });
    }
  }
}

/** Bytes as gdb's hex pairs. */
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const fromHex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));

/** A value as `size` little-endian bytes in hex (register contents in g/p replies). */
export function leHex(v: bigint, size: number): string {
  let s = '';
  for (let k = 0; k < size; k++)
    s += Number((v >> BigInt(8 * k)) & 0xffn)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/** Little-endian hex bytes back to a value. */
export function leValue(hex: string): bigint {
  let v = 0n;
  for (let k = hex.length / 2 - 1; k >= 0; k--) v = (v << 8n) | BigInt(parseInt(hex.slice(2 * k, 2 * k + 2), 16));
  return v;
}

/** gdb's text escaping for qXfer: a window of `text` at offset/length, 'm' more or 'l' last. */
export function xferWindow(text: string, offset: number, length: number): string {
  const part = text.slice(offset, offset + length);
  return (offset + length >= text.length ? 'l' : 'm') + part;
}
