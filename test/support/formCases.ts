// One tiny program per instruction form and operand pair: r1 = A; r2 = B; <op>; r0 = r1 (or
// the flag of a jump); exit. Differential tests run each on every engine.
import { insn, type Insn } from '../../src/bpf/insn.ts';
import { fileOff, insnIdx } from '../../src/common/ids.ts';
import type { BpfObject } from '../../src/object/types.ts';
import type { GeneratedCase } from './randomProgram.ts';

export const EDGE_VALUES: bigint[] = [
  0n,
  1n,
  2n,
  7n,
  31n,
  32n,
  63n,
  64n,
  0x7fn,
  0x80n,
  0xffn,
  0x7fffn,
  0x8000n,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  0x7fffffffffffffffn,
  0x8000000000000000n,
  0xffffffffffffffffn,
  0xfffffffffffffffen,
  0x123456789abcdef0n,
  0xfedcba9876543210n,
  0x80000001n,
  0xffffffff80000000n,
];

const ldImm64 = (dst: number, v: bigint): Insn[] => [
  insn(0x18, dst, 0, 0, Number(BigInt.asIntN(32, v & 0xffffffffn))),
  insn(0, 0, 0, 0, Number(BigInt.asIntN(32, v >> 32n))),
];

export interface FormCase extends GeneratedCase {
  label: string;
}

function wrap(label: string, body: Insn[], seed: number): FormCase {
  const insns = [...body, insn(0x95)];
  const object: BpfObject = {
    path: `<form ${label}>`,
    name: 'form',
    bytes: new Uint8Array(0),
    license: 'GPL',
    littleEndian: true,
    maps: [],
    globals: [],
    subprograms: [],
    sources: new Map(),
    programs: [
      {
        name: 'entry',
        section: 'tc',
        autoload: true,
        progType: 'sched_cls',
        insns,
        funcs: [{ name: 'entry', start: insnIdx(0), len: insns.length, section: 'tc', sectionInsn: 0, global: true }],
        lineInfo: [],
        fileOff: fileOff(0),
      },
    ],
  };
  return { object, entry: 'entry', data: new Uint8Array(14), seed, label };
}

const ALU_OPS: [number, string, number][] = [
  [0x00, 'add', 0],
  [0x10, 'sub', 0],
  [0x20, 'mul', 0],
  [0x30, 'div', 0],
  [0x30, 'sdiv', 1],
  [0x40, 'or', 0],
  [0x50, 'and', 0],
  [0x60, 'lsh', 0],
  [0x70, 'rsh', 0],
  [0x90, 'mod', 0],
  [0x90, 'smod', 1],
  [0xa0, 'xor', 0],
  [0xb0, 'mov', 0],
  [0xc0, 'arsh', 0],
];
const JMP_OPS: [number, string][] = [
  [0x10, 'jeq'],
  [0x20, 'jgt'],
  [0x30, 'jge'],
  [0x40, 'jset'],
  [0x50, 'jne'],
  [0x60, 'jsgt'],
  [0x70, 'jsge'],
  [0xa0, 'jlt'],
  [0xb0, 'jle'],
  [0xc0, 'jslt'],
  [0xd0, 'jsle'],
];

/** Every ALU/ALU64 op (K and X), unary form and conditional jump over `values`. */
export function formCases(values: bigint[] = EDGE_VALUES): FormCase[] {
  const out: FormCase[] = [];
  let seed = 0;
  const imms = values.map((v) => Number(BigInt.asIntN(32, v)));
  for (const [cls, w] of [
    [0x07, '64'],
    [0x04, '32'],
  ] as const) {
    for (const [op, name, off] of ALU_OPS) {
      for (const a of values)
        for (const b of values) {
          if ((op === 0x60 || op === 0x70 || op === 0xc0) && b > 200n) continue;
          out.push(
            wrap(
              `${name}${w} r1=0x${a.toString(16)} r2=0x${b.toString(16)}`,
              [...ldImm64(1, a), ...ldImm64(2, b), insn(cls | op | 0x08, 1, 2, off, 0), insn(0xbf, 0, 1)],
              seed++,
            ),
          );
        }
      for (const a of values)
        for (const k of imms) {
          if ((op === 0x30 || op === 0x90) && k === 0) continue; // rejected by the verifier
          if ((op === 0x60 || op === 0x70 || op === 0xc0) && (k < 0 || k >= (w === '64' ? 64 : 32))) continue;
          out.push(wrap(`${name}${w} r1=0x${a.toString(16)} imm=${k}`, [...ldImm64(1, a), insn(cls | op, 1, 0, off, k), insn(0xbf, 0, 1)], seed++));
        }
    }
    for (const a of values) {
      out.push(wrap(`neg${w} 0x${a.toString(16)}`, [...ldImm64(1, a), insn(cls | 0x80, 1), insn(0xbf, 0, 1)], seed++));
      for (const width of [16, 32, 64]) {
        out.push(wrap(`le${width} 0x${a.toString(16)}`, [...ldImm64(1, a), insn(0xd4, 1, 0, 0, width), insn(0xbf, 0, 1)], seed++));
        out.push(wrap(`be${width} 0x${a.toString(16)}`, [...ldImm64(1, a), insn(0xdc, 1, 0, 0, width), insn(0xbf, 0, 1)], seed++));
        out.push(wrap(`bswap${width} 0x${a.toString(16)}`, [...ldImm64(1, a), insn(0xd7, 1, 0, 0, width), insn(0xbf, 0, 1)], seed++));
      }
      for (const sx of w === '64' ? [8, 16, 32] : [8, 16])
        out.push(wrap(`movsx${w}/${sx} 0x${a.toString(16)}`, [...ldImm64(2, a), insn(cls | 0xb0 | 0x08, 1, 2, sx, 0), insn(0xbf, 0, 1)], seed++));
    }
  }
  for (const [cls, w] of [
    [0x05, '64'],
    [0x06, '32'],
  ] as const)
    for (const [op, name] of JMP_OPS)
      for (const a of values)
        for (const b of values) {
          // r0 = 1; if r1 OP r2 goto +1; r0 = 0
          out.push(
            wrap(
              `${name}${w} 0x${a.toString(16)},0x${b.toString(16)}`,
              [...ldImm64(1, a), ...ldImm64(2, b), insn(0xb7, 0, 0, 0, 1), insn(cls | op | 0x08, 1, 2, 1, 0), insn(0xb7, 0, 0, 0, 0)],
              seed++,
            ),
          );
          const k = Number(BigInt.asIntN(32, b));
          out.push(
            wrap(
              `${name}${w} 0x${a.toString(16)},imm ${k}`,
              [...ldImm64(1, a), insn(0xb7, 0, 0, 0, 1), insn(cls | op, 1, 0, 1, k), insn(0xb7, 0, 0, 0, 0)],
              seed++,
            ),
          );
        }
  return out;
}
