// What attaching (attach.ts) needs that is specific to riscv64: the trampoline emitter
// (jit/riscv64/trampoline.ts), bpf_arch_text_poke over the 8-byte patch site (two nops <->
// `auipc t1, hi; jalr t0, lo(t1)` for fentry/fexit/fmod_ret, `... jalr zero, ...` for
// freplace) and the kernel routines a trampoline calls as native RISC-V code. Every check
// and the trampoline bookkeeping stay in attach.ts (the Attacher picks this backend for a
// riscv64 engine).
//
// bpf_arch_text_poke on riscv compares the site with gen_jump_or_nops(old) (-EFAULT when it
// differs; the Attacher reports every mismatch as EBUSY, as for x86-64), and writes only when
// the site does not already hold gen_jump_or_nops(new).
//
// The routines (attachRoutines.ts describes the x86-64 ones): __bpf_prog_enter_recur
// increments the program's prog->active counter and returns 0 (skip the program) unless it
// became 1, else NO_START_TIME (1); __bpf_prog_exit_recur decrements it; __bpf_tramp_enter/
// exit return. The RISC-V engine models no per-CPU base register (tp / __per_cpu_offset), so
// the counters are CPU 0's (perCpuBase(0) + progActiveOff(prog)) whatever CPU runs: a
// program stopped inside a trampoline on one CPU counts as running on every CPU.
import * as E from '../jit/riscv64/encode.ts';
import { RV } from '../jit/riscv64/encode.ts';
import { buildRvTrampoline, decodeRvPatchSite, RV_FENTRY_NBYTES, rvPatchBytes } from '../jit/riscv64/trampoline.ts';
import { rvSchemeOf } from '../jit/riscv64/profiles.ts';
import { PROG_STRUCT_BASE } from '../common/layout.ts';
import { BPF_PROG_STRUCT_SIZE } from '../common/kernelStructs.ts';
import { perCpuBase } from '../kernel/privStack.ts';
import type { TextPoker } from '../kernel/pokes/textPoker.ts';
import type { AttachArch } from './attachArch.ts';
import {
  PROG_ACTIVE_OFF,
  ROUTINE_ENTER as ENTER,
  ROUTINE_EXIT as EXIT,
  ROUTINE_TRAMP_ENTER as TRAMP_ENTER,
  ROUTINE_TRAMP_EXIT as TRAMP_EXIT,
  routineAddrs,
  type RoutineAddrs,
} from './attachRoutines.ts';
import type { JitEngine } from './jitEngine.ts';
import { bytesEqual } from '../common/bytes.ts';

/** Literal pool: PROG_STRUCT_BASE, then the counters' base. */
const LIT = 0x100;
const SHIFT = Math.log2(BPF_PROG_STRUCT_SIZE / 4);

/** t1 = &counter of the prog in a0 (t2 = the routine's own address, for the literal pool). */
function counterAddr(at: number): number[] {
  return [
    E.rv_auipc(RV.T2, 0), // auipc t2, 0
    E.rv_ld(RV.T1, LIT - at, RV.T2), // ld t1, PROG_STRUCT_BASE
    E.rv_sub(RV.T1, RV.A0, RV.T1), // sub t1, a0, t1
    E.rv_srli(RV.T1, RV.T1, SHIFT), // srli t1, t1, SHIFT
    E.rv_ld(RV.T3, LIT + 8 - at, RV.T2), // ld t3, counters
    E.rv_add(RV.T1, RV.T1, RV.T3), // add t1, t1, t3
    E.rv_lw(RV.T3, 0, RV.T1), // lw t3, 0(t1)
  ];
}

const RET = E.rv_jalr(RV.ZERO, RV.RA, 0);

/** The page of RISC-V routines (zero bytes elsewhere: c.unimp) and where each one starts. */
export function rvRoutinesPage(base: bigint, pageSize: number): { bytes: Uint8Array; addrs: RoutineAddrs } {
  const page = new Uint8Array(pageSize);
  const dv = new DataView(page.buffer);
  const put = (at: number, words: number[]): void => words.forEach((w, k) => dv.setUint32(at + 4 * k, w >>> 0, true));
  put(ENTER, [
    ...counterAddr(ENTER),
    E.rv_addiw(RV.T3, RV.T3, 1), // addiw t3, t3, 1
    E.rv_sw(RV.T1, 0, RV.T3), // sw t3, 0(t1)
    E.rv_addi(RV.T2, RV.ZERO, 1), // li t2, 1
    E.rv_bne(RV.T3, RV.T2, 12 >> 1), // bne t3, t2, recursion
    E.rv_addi(RV.A0, RV.ZERO, 1), // li a0, NO_START_TIME
    RET,
    E.rv_addi(RV.A0, RV.ZERO, 0), // recursion: li a0, 0 (the program is skipped)
    RET,
  ]);
  put(EXIT, [
    ...counterAddr(EXIT),
    E.rv_addiw(RV.T3, RV.T3, -1), // addiw t3, t3, -1
    E.rv_sw(RV.T1, 0, RV.T3), // sw t3, 0(t1)
    RET,
  ]);
  put(TRAMP_ENTER, [RET]);
  put(TRAMP_EXIT, [RET]);
  dv.setBigUint64(LIT, PROG_STRUCT_BASE, true);
  dv.setBigUint64(LIT + 8, perCpuBase(0) + BigInt(PROG_ACTIVE_OFF), true);
  return { bytes: page, addrs: routineAddrs(base) };
}

/** bpf_arch_text_poke (riscv): false when the site does not hold the expected old bytes. */
function rvTextPoke(poker: TextPoker, kind: 'call' | 'jump', ip: bigint, oldAddr: bigint | null, newAddr: bigint | null): boolean {
  const before = poker.readText(ip, RV_FENTRY_NBYTES);
  if (!bytesEqual(before, rvPatchBytes(kind, ip, oldAddr))) return false;
  const next = rvPatchBytes(kind, ip, newAddr);
  if (!bytesEqual(before, next)) poker.pokeText(ip, next);
  return true;
}

/** CONFIG_RISCV_ISA_C of the engine's JIT (RiscvEngine.rvc; on by default). */
const rvcOf = (eng: JitEngine): boolean => (eng as JitEngine & { readonly rvc?: boolean }).rvc ?? true;

export const RISCV_ATTACH: AttachArch = {
  patchSize: RV_FENTRY_NBYTES,
  fillByte: 0x00,
  routinesPage: rvRoutinesPage,
  poke: (eng, kind, ip, oldAddr, newAddr) => rvTextPoke(eng.machine, kind, ip, oldAddr, newAddr),
  decode: (ip, bytes) => decodeRvPatchSite(ip, bytes),
  // upstream's trampoline has no BPF_TRAMP_F_TAIL_CALL_CTX handling (every function sets a6 = 33 at bpf_func + 8)
  build: (eng, s) => buildRvTrampoline({ ...s, tailCallCtx: s.tailCallCtx && rvSchemeOf(eng.profile) !== 'upstream', rvc: rvcOf(eng) }),
};
