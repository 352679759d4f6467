// Hand-built ProgramImage values for JIT tests (no loader or analysis involved).
import type { Insn } from '../../../src/bpf/insn.ts';
import type { InsnIdx, SubprogIdx } from '../../../src/common/ids.ts';
import type { PokeSite, PrivStackMode, ProgramImage, SubprogInfo } from '../../../src/analysis/types.ts';
import type { BpfObject, BpfProgram } from '../../../src/object/types.ts';
import type { JitEnv } from '../../../src/jit/types.ts';

export interface FuncSpec {
  name: string;
  insns: Insn[];
  stackDepth?: number;
  tcr?: boolean;
  privStack?: PrivStackMode;
}

/** Lays functions out back to back, the first being the entry program. */
export function makeImage(funcs: FuncSpec[], pokeSites: Omit<PokeSite, 'subprog'>[] = []): ProgramImage {
  const insns: Insn[] = [];
  const subprogs: SubprogInfo[] = [];
  funcs.forEach((f, idx) => {
    const start = insns.length;
    insns.push(...f.insns);
    subprogs.push({
      idx: idx as SubprogIdx,
      name: f.name,
      start: start as InsnIdx,
      end: insns.length as InsnIdx,
      stackDepth: f.stackDepth ?? 0,
      hasTailCall: f.insns.some((i) => i.code === 0xf5),
      tailCallReachable: f.tcr ?? false,
      privStackMode: f.privStack ?? 'none',
      isAsyncCb: false,
      isGlobal: false,
      hasLdAbs: false,
    });
  });
  const program = {
    name: funcs[0]!.name,
    section: 'tc',
    autoload: true,
    progType: 'sched_cls',
    insns,
    funcs: [],
    lineInfo: [],
    fileOff: 0,
  } as unknown as BpfProgram;
  const object = {
    path: 'hand.o',
    name: 'hand',
    bytes: new Uint8Array(),
    license: 'GPL',
    littleEndian: true,
    maps: [],
    globals: [],
    programs: [program],
    subprograms: [],
    sources: new Map(),
  } as unknown as BpfObject;
  const sites: PokeSite[] = pokeSites.map((p) => ({
    ...p,
    subprog: subprogs.findIndex((s) => p.insn >= s.start && p.insn < s.end) as SubprogIdx,
  }));
  return {
    object,
    program,
    progType: 'sched_cls',
    insns,
    origInsn: insns.map((_, i) => i as InsnIdx),
    subprogs,
    pokeSites: sites,
    tailCallSites: [],
    tailCallReachable: subprogs[0]!.tailCallReachable,
    usesPrivStack: subprogs.some((s) => s.privStackMode === 'adaptive'),
    sourceOf: () => undefined,
    notes: [],
  };
}

/** Kernel-like addresses: struct bpf_map in the direct map (needs movabs), like 6.18's. */
export const testEnv: JitEnv = {
  mapAddr: (i) => 0xffff88811c708400n + BigInt(i) * 0x200n,
  mapValueAddr: (i) => 0xffffc90001993000n + BigInt(i) * 0x100000n,
  privStackPtr: (f) => 0x60795baffa88n + BigInt(f) * 0x100n,
  thisCpuOffAddr: 0xffffffff83b0e028n,
};

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Hex string with spaces/comments stripped: `h('48 89 e5 // mov rbp,rsp')`. */
export const h = (s: string): string =>
  s
    .replace(/\/\/[^\n]*/g, '')
    .replace(/[^0-9a-fA-F]/g, '')
    .toLowerCase();

import { compileX86 } from '../../../src/jit/x86_64/index.ts';
import { findProfile } from '../../../src/jit/profiles.ts';
import type { JitImage } from '../../../src/jit/types.ts';

/** Compiles under a named profile, failing the test on a Diag. */
export function jit(image: ProgramImage, profile: string): JitImage {
  const p = findProfile(profile);
  if (!p) throw new Error(`no profile ${profile}`);
  const r = compileX86(image, p, testEnv);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
