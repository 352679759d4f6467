// Hand-built ProgramImage values for RISC-V JIT tests (no object file needed).
import type { ProgramImage, SubprogInfo } from '../../../src/analysis/types.ts';
import type { Insn } from '../../../src/bpf/insn.ts';
import { insn } from '../../../src/bpf/insn.ts';
import { insnIdx, subprogIdx } from '../../../src/common/ids.ts';
import type { BpfObject, BpfProgram } from '../../../src/object/types.ts';
import type { JitEnv } from '../../../src/jit/types.ts';

export { insn };

export interface FuncSpec {
  name: string;
  insns: Insn[];
  stackDepth?: number;
}

/** Main function first, then subprograms, laid out back to back as libbpf links them. */
export function makeImage(funcs: FuncSpec[], name = 'prog'): ProgramImage {
  const insns: Insn[] = [];
  const subprogs: SubprogInfo[] = [];
  for (const [k, f] of funcs.entries()) {
    const start = insns.length;
    insns.push(...f.insns);
    subprogs.push({
      idx: subprogIdx(k),
      name: f.name,
      start: insnIdx(start),
      end: insnIdx(insns.length),
      stackDepth: f.stackDepth ?? 0,
      hasTailCall: f.insns.some((i) => i.code === 0xf5),
      tailCallReachable: false,
      privStackMode: 'none',
      isAsyncCb: false,
      isGlobal: false,
      hasLdAbs: false,
    });
  }
  const program = { name, section: 'tc', autoload: true, progType: 'sched_cls', insns, funcs: [], lineInfo: [], fileOff: 0 } as unknown as BpfProgram;
  const object = {
    path: `${name}.o`,
    name,
    bytes: new Uint8Array(),
    license: 'GPL',
    littleEndian: true,
    maps: [],
    globals: [],
    programs: [program],
    subprograms: [],
    sources: new Map(),
  } as unknown as BpfObject;
  const tailCallSites = insns.flatMap((i, k) =>
    i.code === 0xf5
      ? [{ insn: insnIdx(k), subprog: subprogIdx(subprogs.findIndex((s) => k >= s.start && k < s.end)), mapIndex: null, key: null, direct: false }]
      : [],
  );
  return {
    object,
    program,
    progType: 'sched_cls',
    insns,
    origInsn: insns.map((_, k) => insnIdx(k)),
    subprogs,
    pokeSites: [],
    tailCallSites,
    tailCallReachable: tailCallSites.length > 0,
    usesPrivStack: false,
    sourceOf: () => undefined,
    notes: [],
  };
}

export const testEnv: JitEnv = {
  mapAddr: (i) => 0xffff888100000000n + BigInt(i) * 0x1000n,
  mapValueAddr: (i) => 0xffffc90000000000n + BigInt(i) * 0x100000n,
  privStackPtr: () => 0n,
  thisCpuOffAddr: 0x1f0e8n,
};

// A few BPF opcodes by rbpf-style name, for readable fixtures.
export const MOV64_IMM = 0xb7,
  MOV64_REG = 0xbf,
  MOV32_IMM = 0xb4,
  ADD64_IMM = 0x07,
  ADD64_REG = 0x0f,
  ADD32_REG = 0x0c;
export const EXIT = 0x95,
  CALL = 0x85,
  TAIL_CALL = 0xf5,
  JA = 0x05,
  JEQ_IMM = 0x15,
  JNE_REG = 0x5d,
  JGT_IMM = 0x25;
export const LD_DW_IMM = 0x18,
  LDX_DW = 0x79,
  LDX_W = 0x61,
  STX_DW = 0x7b,
  ST_DW = 0x7a,
  ST_W = 0x62;

/** `call helper` / `call pc+off` (bpf2bpf). */
export const callHelper = (id: number): Insn => insn(CALL, 0, 0, 0, id);
export const callFunc = (rel: number): Insn => insn(CALL, 0, 1, 0, rel);
export const exit = (): Insn => insn(EXIT);
export const tailCall = (): Insn => insn(TAIL_CALL);

/**
 * Bytes of a sequence of encoder results: 32-bit words end in 0b11, RVC halfwords never
 * do, so each value's width follows from its low bits.
 */
export function seq(...ws: number[]): Uint8Array {
  const out: number[] = [];
  for (const w of ws) {
    out.push(w & 0xff, (w >>> 8) & 0xff);
    if ((w & 3) === 3) out.push((w >>> 16) & 0xff, (w >>> 24) & 0xff);
  }
  return Uint8Array.from(out);
}

/** Byte offset of `needle` in `hay` (at an even offset), or -1. */
export function indexOfSeq(hay: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= hay.length; i += 2) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
