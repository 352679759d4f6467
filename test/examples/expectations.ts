// What each bundled example must compute, derived from its C source (not from any
// engine), so every engine is checked against the program's meaning.
const U64 = (v: bigint) => BigInt.asUintN(64, v);
const U32 = (v: bigint) => BigInt.asUintN(32, v);

/** privstack.c: mix() and fold() in 64/32-bit C arithmetic. */
export function privstackResult(): bigint {
  const mix = (seed: bigint) => {
    let acc = 0n;
    for (let i = 0n; i < 12n; i++) acc = U64(acc + (U64(seed * (i + 3n)) ^ (seed >> i)));
    return acc;
  };
  const fold = (seed: bigint) => {
    const w = Array.from({ length: 20 }, (_, i) => U32(U32(seed >> BigInt(i & 31)) + BigInt(i)));
    return mix(U32(w[7]! + w[13]!));
  };
  return U64(fold(7n) + mix(7n));
}

/** subprog_tail.c checksum(): scratch[len & 15] = 1; return scratch[3] + len. */
export const subprogChecksum = (len: number): number => ((len & 15) === 3 ? 1 : 0) + len;

/** A 54-byte IPv4/TCP packet to `dport` (Ethernet + 20-byte IP + 20-byte TCP). */
export function tcpPacket(dport: number): Uint8Array {
  const p = new Uint8Array(54);
  p.set([0x08, 0x00], 12);
  p.set([0x45, 0x00, 0x00, 0x28, 0, 0, 0, 0, 0x40, 0x06, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], 14);
  p.set([0x00, 0x50, dport >> 8, dport & 0xff], 34);
  p[46] = 0x50;
  return p;
}

export interface ExampleCase {
  name: string;
  object: string;
  prog?: string;
  data?: Uint8Array;
  mapUpdates?: { map: string; key: number; prog: string }[];
  retval: number;
  tailCalls?: number;
  globals?: Record<string, bigint>;
}

export const EXAMPLE_CASES: ExampleCase[] = [
  { name: 'tail-call chain, short packet', object: 'tailchain.o', data: new Uint8Array(40), retval: 1, tailCalls: 3, globals: { hops: 3n, bytes_seen: 40n } },
  { name: 'tail-call chain, long packet', object: 'tailchain.o', data: new Uint8Array(100), retval: 2, tailCalls: 3, globals: { hops: 3n, bytes_seen: 100n } },
  { name: 'self tail call stops after 33 hops', object: 'selfloop.o', data: new Uint8Array(14), retval: 34, tailCalls: 33, globals: { runs: 34n } },
  { name: 'subprog tail call, empty table falls through', object: 'subprog_tail.o', data: new Uint8Array(19), retval: subprogChecksum(19) + 3, tailCalls: 0, globals: { calls: 1n, tail_hits: 0n } },
  { name: 'subprog tail call into handler_large', object: 'subprog_tail.o', data: new Uint8Array(64), mapUpdates: [{ map: 'jmp_table', key: 0, prog: 'handler_large' }], retval: 203, tailCalls: 1, globals: { calls: 1n, tail_hits: 1n } },
  { name: 'subprog tail call into handler_small', object: 'subprog_tail.o', data: new Uint8Array(35), mapUpdates: [{ map: 'jmp_table', key: 1, prog: 'handler_small' }], retval: 100 + subprogChecksum(35) + 3, tailCalls: 1, globals: { calls: 1n, tail_hits: 1n } },
  { name: 'xdp drops telnet', object: 'xdp_parse.o', data: tcpPacket(23), retval: 1, globals: { last_dport: 23n } },
  { name: 'xdp passes http', object: 'xdp_parse.o', data: tcpPacket(80), retval: 2, globals: { last_dport: 80n } },
  { name: 'xdp aborts an IPv4 frame cut after the Ethernet header', object: 'xdp_parse.o', data: tcpPacket(80).slice(0, 20), retval: 0 },
  { name: 'xdp passes a non-IP frame', object: 'xdp_parse.o', data: new Uint8Array(60), retval: 2 },
  { name: 'private-stack subprograms compute', object: 'privstack.o', data: undefined, retval: 0, globals: { result: privstackResult() } },
];
