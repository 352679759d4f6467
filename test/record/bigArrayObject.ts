// A BPF object whose guest memory is large (bench/record.ts, test/record/guestMemory.test.ts): one tc
// program that stores into a few elements of a 24 MiB array map (3,145,728 u64 values),
// built in memory as clang would lay it out (a BTF-defined map in `.maps`).
import { BtfWriter } from '../object/btfWriter.ts';
import { insnBytes, writeElf, type WSection, type WSymbol } from '../object/elfWriter.ts';

export const BIG_ENTRIES = 3 * 1024 * 1024;

export function bigArrayObject(entries = BIG_ENTRIES): Uint8Array {
  const b = new BtfWriter();
  const int = b.int('int', 4, 1);
  const idx = b.int('__ARRAY_SIZE_TYPE__', 4);
  const field = (n: number): number => b.ptr(b.array(int, idx, n));
  const st = b.struct('', 32, [
    { name: 'type', type: field(2), bitOffset: 0 }, // BPF_MAP_TYPE_ARRAY
    { name: 'max_entries', type: field(entries), bitOffset: 64 },
    { name: 'key_size', type: field(4), bitOffset: 128 },
    { name: 'value_size', type: field(8), bitOffset: 192 },
  ]);
  const v = b.variable('big', st, 1);
  b.datasec('.maps', [{ type: v, offset: 0, size: 32 }], 32);
  // for (i = 0; i < 16; i++) { key = i * 65536; p = lookup(&big, &key); if (p) *p += i; }
  const code = insnBytes([
    [0xb7, 0x06, 0, 0], // r6 = 0
    [0xbf, 0x07, 0, 0], // r7 = r6 (key)
    [0x67, 0x07, 0, 16], // r7 <<= 16
    [0x63, 0x7a, -4, 0], // *(u32 *)(r10 - 4) = r7
    [0xbf, 0xa2, 0, 0], // r2 = r10
    [0x07, 0x02, 0, -4], // r2 += -4
    [0x18, 0x11, 0, 0],
    [0, 0, 0, 0], // r1 = &big
    [0x85, 0, 0, 1], // call bpf_map_lookup_elem
    [0x15, 0x00, 3, 0], // if r0 == 0 goto +3
    [0x79, 0x01, 0, 0], // r1 = *(u64 *)(r0 + 0)
    [0x0f, 0x61, 0, 0], // r1 += r6
    [0x7b, 0x10, 0, 0], // *(u64 *)(r0 + 0) = r1
    [0x07, 0x06, 0, 1], // r6 += 1
    [0xa5, 0x06, -14, 16], // if r6 < 16 goto -14
    [0xb7, 0x00, 0, 0], // r0 = 0
    [0x95, 0, 0, 0], // exit
  ]);
  const rel = new Uint8Array(16);
  const dv = new DataView(rel.buffer);
  dv.setBigUint64(0, 6n * 8n, true); // the LD_IMM64
  dv.setUint32(8, 1, true); // R_BPF_64_64
  dv.setUint32(12, 2, true); // symbol 'big'
  const secs: WSection[] = [
    { name: 'tc', type: 1, flags: 0x6, data: code },
    { name: '.maps', type: 1, flags: 3, data: new Uint8Array(32) },
    { name: '.reltc', type: 9, data: rel, entsize: 16, info: 1, link: 7 },
    { name: '.BTF', type: 1, data: b.bytes() },
    { name: 'license', type: 1, flags: 3, data: new TextEncoder().encode('GPL\0') },
  ];
  const syms: WSymbol[] = [
    { name: 'prog', info: (1 << 4) | 2, shndx: 1, size: code.length },
    { name: 'big', info: (1 << 4) | 1, shndx: 2, size: 32 },
  ];
  return writeElf(secs, syms);
}
