// BPF_LD (imm64), BPF_LDX, BPF_ST, BPF_STX and atomics. Offsets that do not fit 12 bits
// go through t1 (t2 for ST, whose value is in t1). Atomics use the A extension: amo*.w/.d
// for RMW, lr/sc for cmpxchg (no Zacas in Unicorn 2.0.1, nor in the v6.16 JIT).
import type { Insn } from '../../bpf/insn.ts';
import { ldImm64Value } from '../../bpf/insn.ts';
import * as E from './encode.ts';
import { RV } from './encode.ts';
import { byteOff, emit, ninsnsRvoff, region, type RvCtx } from './ctx.ts';
import { emit_add, emit_addi, emit_addiw, emit_addr, emit_imm, emit_ld, emit_mv, emit_sd, emit_sw, emit_zextw } from './emitBase.ts';
import {
  BPF_ADD,
  BPF_AND,
  BPF_B,
  BPF_CMPXCHG,
  BPF_DW,
  BPF_FETCH,
  BPF_H,
  BPF_LOAD_ACQ,
  BPF_MEMSX,
  memMode as BPF_MODE,
  BPF_OR,
  BPF_PROBE_MEM,
  BPF_PROBE_MEMSX,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_VALUE,
  memSize as BPF_SIZE,
  BPF_STORE_REL,
  BPF_W,
  BPF_XCHG,
  BPF_XOR,
} from '../../bpf/opcodes.ts';
import { bpfToRv } from './regs.ts';
import { insnIdx } from '../../common/ids.ts';
import { fail } from '../../common/diag.ts';
import { ksymAddress } from '../../common/kallsyms.ts';

/**
 * BPF_LD | BPF_IMM | BPF_DW. Map pseudo loads become the emit_imm sequence of the address
 * JitEnv gives (the loader has replaced fds with addresses); BPF_PSEUDO_FUNC becomes the
 * fixed-size `auipc rd, hi; addi rd, rd, lo` (emit_addr) patched by the linker.
 */
export function emitLdImm64(ctx: RvCtx, insn: Insn, next: Insn, rd: number, absIdx: number): void {
  const at = byteOff(ctx);
  if (insn.src === BPF_PSEUDO_FUNC) {
    emit_addr(ctx, rd);
    const func = ctx.image.subprogs.findIndex((s) => s.start === absIdx + insn.imm + 1);
    if (func < 0)
      fail('jit.riscv.bad-func-addr', `ld_imm64 of insn ${absIdx + insn.imm + 1}, which starts no function`, {
        program: ctx.image.program.name,
        insn: insnIdx(absIdx),
      });
    ctx.relocs.push({ kind: 'funcAddr', at, func, insn: insnIdx(absIdx), width: 8 });
    return;
  }
  let value: bigint;
  if (insn.src === BPF_PSEUDO_MAP_FD) value = ctx.env.mapAddr(insn.imm);
  else if (insn.src === BPF_PSEUDO_MAP_VALUE) value = ctx.env.mapValueAddr(insn.imm) + BigInt(next.imm >>> 0);
  // PSEUDO_BTF_ID (__ksym): the verifier puts the kernel symbol's address there (check_pseudo_btf_id).
  else if (insn.src === BPF_PSEUDO_BTF_ID) value = ksymAddress(insn.imm);
  else value = ldImm64Value(insn, next);
  emit_imm(ctx, rd, value);
  if (insn.src === BPF_PSEUDO_MAP_FD || insn.src === BPF_PSEUDO_MAP_VALUE) {
    ctx.relocs.push({ kind: 'mapAddr', at, width: byteOff(ctx) - at, insn: insnIdx(absIdx) });
  }
}

/**
 * Load of `size` at rs+off into rd (emit_ldx); large offsets via t1. A PROBE_MEM(SX) load
 * is the same instruction with an exception-table entry (region 'extable' at insn `absIdx`).
 */
export function emitLdx(ctx: RvCtx, insn: Insn, rd: number, rs: number, absIdx?: number): void {
  const size = BPF_SIZE(insn.code);
  const mode = BPF_MODE(insn.code);
  const signExt = mode === BPF_MEMSX || mode === BPF_PROBE_MEMSX;
  let off = insn.off;
  if (!E.is_12b_int(off)) {
    emit_imm(ctx, RV.T1, off);
    emit_add(ctx, RV.T1, RV.T1, rs);
    rs = RV.T1;
    off = 0;
  }
  const load = (): void => {
    if (size === BPF_B) emit(ctx, signExt ? E.rv_lb(rd, off, rs) : E.rv_lbu(rd, off, rs));
    else if (size === BPF_H) emit(ctx, signExt ? E.rv_lh(rd, off, rs) : E.rv_lhu(rd, off, rs));
    else if (size === BPF_W) emit(ctx, signExt ? E.rv_lw(rd, off, rs) : E.rv_lwu(rd, off, rs));
    else emit_ld(ctx, rd, off, rs);
  };
  if (mode === BPF_PROBE_MEM || mode === BPF_PROBE_MEMSX) region(ctx, 'extable', absIdx, load);
  else load();
}

function emitStore(ctx: RvCtx, size: number, base: number, off: number, val: number): void {
  if (size === BPF_B) emit(ctx, E.rv_sb(base, off, val));
  else if (size === BPF_H) emit(ctx, E.rv_sh(base, off, val));
  else if (size === BPF_W) emit_sw(ctx, base, off, val);
  else emit_sd(ctx, base, off, val);
}

/** BPF_ST: `li t1, imm` then the store; a large offset builds the address in t2. */
export function emitSt(ctx: RvCtx, insn: Insn, rd: number): void {
  emit_imm(ctx, RV.T1, insn.imm);
  if (E.is_12b_int(insn.off)) {
    emitStore(ctx, BPF_SIZE(insn.code), rd, insn.off, RV.T1);
    return;
  }
  emit_imm(ctx, RV.T2, insn.off);
  emit_add(ctx, RV.T2, RV.T2, rd);
  emitStore(ctx, BPF_SIZE(insn.code), RV.T2, 0, RV.T1);
}

/** BPF_STX | BPF_MEM; a large offset builds the address in t1. */
export function emitStx(ctx: RvCtx, insn: Insn, rd: number, rs: number): void {
  if (E.is_12b_int(insn.off)) {
    emitStore(ctx, BPF_SIZE(insn.code), rd, insn.off, rs);
    return;
  }
  emit_imm(ctx, RV.T1, insn.off);
  emit_add(ctx, RV.T1, RV.T1, rd);
  emitStore(ctx, BPF_SIZE(insn.code), RV.T1, 0, rs);
}

/**
 * BPF_STX | BPF_ATOMIC (W and DW). Returns false for an unsupported imm/size
 * (the kernel rejects B/H read-modify-write atomics on RISC-V).
 */
export function emitAtomic(ctx: RvCtx, insn: Insn, rd: number, rs: number): boolean {
  const size = BPF_SIZE(insn.code);
  const imm = insn.imm;
  if (imm === BPF_LOAD_ACQ) {
    emitLdx(ctx, { ...insn, code: (insn.code & ~0xe0) | 0x60 }, rd, rs);
    emit(ctx, E.rv_fence(2, 3)); // fence r, rw
    return true;
  }
  if (imm === BPF_STORE_REL) {
    emit(ctx, E.rv_fence(3, 1)); // fence rw, w
    emitStx(ctx, insn, rd, rs);
    return true;
  }
  if (size !== BPF_W && size !== BPF_DW) return false;
  const is64 = size === BPF_DW;
  const w = is64 ? 3 : 2;
  let addr = rd;
  if (insn.off) {
    if (E.is_12b_int(insn.off)) emit_addi(ctx, RV.T1, rd, insn.off);
    else {
      emit_imm(ctx, RV.T1, insn.off);
      emit_add(ctx, RV.T1, RV.T1, rd);
    }
    addr = RV.T1;
  }
  const rmw: Record<number, E.AmoOp> = { [BPF_ADD]: 'add', [BPF_AND]: 'and', [BPF_OR]: 'or', [BPF_XOR]: 'xor' };
  const op = rmw[imm & ~BPF_FETCH];
  if (op && !(imm & BPF_FETCH)) {
    emit(ctx, E.rv_amo(op, w, RV.ZERO, rs, addr, 0, 0));
    return true;
  }
  if (op || imm === BPF_XCHG) {
    // Fetch forms and xchg are fully ordered (.aqrl, 2024 ordering fix).
    emit(ctx, E.rv_amo(op ?? 'swap', w, rs, rs, addr, 1, 1));
    if (!is64) emit_zextw(ctx, rs, rs);
    return true;
  }
  if (imm === BPF_CMPXCHG) {
    const r0 = bpfToRv(0);
    if (is64) emit_mv(ctx, RV.T2, r0);
    else emit_addiw(ctx, RV.T2, r0, 0);
    emit(ctx, is64 ? E.rv_lr_d(r0, addr, 0, 0) : E.rv_lr_w(r0, addr, 0, 0));
    emit(ctx, E.rv_bne(RV.T2, r0, ninsnsRvoff(8) >> 1)); // mismatch: skip sc, bne, fence
    emit(ctx, is64 ? E.rv_sc_d(RV.T3, rs, addr, 0, 1) : E.rv_sc_w(RV.T3, rs, addr, 0, 1));
    emit(ctx, E.rv_bne(RV.T3, RV.ZERO, ninsnsRvoff(-6) >> 1)); // sc failed: retry from lr
    emit(ctx, E.rv_fence(3, 3));
    // The kernel relies on the verifier's zext of R0 after a 32-bit cmpxchg; bpfdbg's
    // analysis inserts none (verifier_zext false), so the JIT zero-extends here.
    if (!is64 && !ctx.verifierZext) emit_zextw(ctx, r0, r0);
    return true;
  }
  return false;
}
