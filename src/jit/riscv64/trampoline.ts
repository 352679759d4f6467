// BPF trampolines on riscv64 (arch/riscv/net/bpf_jit_comp64.c, __arch_prepare_bpf_trampoline
// and invoke_bpf_prog, as in torvalds/linux master read 2026-11), for fentry/fexit/fmod_ret
// programs attached to a BPF function, plus the patch-site bytes of bpf_arch_text_poke.
//  - Patch site: the two 4-byte nops at bpf_func (prologue.ts, RV_FENTRY_NINSNS = 2).
//    gen_jump_or_nops() fills them with emit_jump_and_link(is_call ? t0 : zero, target - ip,
//    fixed_addr = false), i.e. always the pair `auipc t1, hi; jalr t0|zero, lo(t1)`: the
//    call form leaves the traced function's return point (bpf_func + 8) in t0 and keeps ra
//    (the parent's return address) intact; the jump form (freplace, BPF_MOD_JUMP) goes to the
//    extension without linking. Detach writes the two nops back. (The kernel's helper uses t1
//    as the auipc base, not t0 as some descriptions say.)
//  - Frame (trampoline called from function entry): a 16-byte frame holding the parent's ra
//    and fp, then the trampoline frame holding t0 (return into the traced function) and the
//    traced function's fp, then retval (a0 and a5 = BPF R0, 16 bytes, when the original is
//    called), the u64 args array (ctx of the attached programs), nr_args, bpf_tramp_run_ctx,
//    the saved s1 (start time across prog_exit).
//  - BPF_TRAMP_F_SKIP_FRAME (fexit/fmod_ret): the original body is called at bpf_func + 8,
//    past the patch site, and the trampoline returns to the parent (`jalr zero, ra`);
//    otherwise (fentry only, BPF_TRAMP_F_RESTORE_REGS) it restores a0.. and returns into the
//    traced function (`jalr zero, t0`), which goes on at bpf_func + 8.
//  - TCC: upstream's trampoline has no BPF_TRAMP_F_TAIL_CALL_CTX handling at all; none is
//    needed there, because every upstream function re-initialises a6 = 33 at bpf_func + 8,
//    where both return paths land. The mixing series (Pu Lehui, modelled by tcc-on-stack;
//    see /work/shared/reference/riscv64-arm64-jit.md, "BPF trampolines with the
//    tail-call-context flag save a6 in their frame and reload it before calling the original
//    program and before returning") preserves a6 when the target is tail-call reachable:
//    there subprogs do not re-initialise a6, so the counter must survive the attached
//    programs (which set a6 = 33 themselves and call helpers that clobber it). The same
//    rule is applied to tcc-a6-passthrough (unmerged; a6 is its only carrier of the count).
//    The slot is refreshed with the a6 the original body returns, so the reload before
//    returning hands the caller the count after the body's tail calls: a6-passthrough's
//    count flows back from callees; under tcc-on-stack callers reload a6 from their own
//    slot after a call, so the refresh changes nothing there.
// Trampolines are generated at their final address, so the bytes are final (no relocs).
import type { TrampLink, TrampolineCode, TrampolineSpecBase } from '../trampolineSpec.ts';
import * as E from './encode.ts';
import { RV } from './encode.ts';
import { emit, type RvCtx } from './ctx.ts';
import { emit_addi, emit_imm, emit_jalr, emit_jump_and_link, emit_ld, emit_li, emit_mv, emit_sd } from './emitBase.ts';
import { RV_FENTRY_NINSNS } from './prologue.ts';
import { RV_REG_TCC, bpfToRv } from './regs.ts';

/** RV_FENTRY_NBYTES: size of the patch site. */
export const RV_FENTRY_NBYTES = RV_FENTRY_NINSNS * 4;
const STACK_ALIGN = 16;
/** RV_MAX_REG_ARGS */
const RV_MAX_REG_ARGS = 8;

export type RvTrampLink = TrampLink;

export interface RvTrampolineSpec extends TrampolineSpecBase {
  /** CONFIG_RISCV_ISA_C: the emit_* helpers compress like the JIT's. */
  rvc: boolean;
}

export type RvTrampoline = TrampolineCode;

/** sizeof(struct bpf_tramp_run_ctx) rounded to 8; bpf_cookie at offset 0. */
const RUN_CTX_SIZE = 16;
const CTX_COOKIE_OFF = 0;

const roundUp = (v: number, a: number): number => Math.ceil(v / a) * a;

/** emitBase's helpers only read ctx.rvc and append to ctx.code: a bare context is enough. */
function bareCtx(rvc: boolean): RvCtx {
  return { rvc, code: [] as number[] } as unknown as RvCtx;
}

const here = (ctx: RvCtx, base: bigint): bigint => base + BigInt(ctx.code.length * 2);

/** emit_call(addr, fixed_addr = true): `jal ra` within ±1 MiB, else `auipc t1; jalr ra`. */
function emitCall(ctx: RvCtx, base: bigint, target: bigint): void {
  emit_jump_and_link(ctx, RV.RA, Number(target - here(ctx, base)), true);
}

/** A 4-byte nop whose halfword index is returned, to be replaced by a branch later. */
function reserveNop(ctx: RvCtx): number {
  const at = ctx.code.length;
  emit(ctx, E.rv_nop());
  return at;
}

function patchWord(ctx: RvCtx, at: number, word: number): void {
  ctx.code[at] = word & 0xffff;
  ctx.code[at + 1] = (word >>> 16) & 0xffff;
}

function storeArgs(ctx: RvCtx, n: number, argsOff: number): void {
  for (let i = 0; i < n; i++) emit_sd(ctx, RV.FP, -(argsOff - 8 * i), RV.A0 + i);
}

function restoreArgs(ctx: RvCtx, n: number, argsOff: number): void {
  for (let i = 0; i < n; i++) emit_ld(ctx, RV.A0 + i, -(argsOff - 8 * i), RV.FP);
}

interface Offs {
  argsOff: number;
  retvalOff: number;
  runCtxOff: number;
}

/** invoke_bpf_prog: enter hook, the program (skipped when enter returns 0), exit hook. */
function invokeProg(ctx: RvCtx, s: RvTrampolineSpec, l: RvTrampLink, o: Offs, saveRet: boolean): void {
  if (l.cookie) {
    emit_imm(ctx, RV.T1, l.cookie);
    emit_sd(ctx, RV.FP, -o.runCtxOff + CTX_COOKIE_OFF, RV.T1);
  } else emit_sd(ctx, RV.FP, -o.runCtxOff + CTX_COOKIE_OFF, RV.ZERO);
  emit_imm(ctx, RV.A0, l.prog); // arg1: prog
  emit_addi(ctx, RV.A1, RV.FP, -o.runCtxOff); // arg2: &run_ctx
  emitCall(ctx, s.addr, s.progEnter);
  emit_mv(ctx, RV.S1, RV.A0); // start time
  const branch = reserveNop(ctx); // becomes beqz a0, skip
  emit_addi(ctx, RV.A0, RV.FP, -o.argsOff); // arg1: the u64 args array
  emitCall(ctx, s.addr, l.bpfFunc);
  if (saveRet) {
    emit_sd(ctx, RV.FP, -o.retvalOff, RV.A0);
    emit_sd(ctx, RV.FP, -(o.retvalOff - 8), bpfToRv(0));
  }
  patchWord(ctx, branch, E.rv_beq(RV.A0, RV.ZERO, ((ctx.code.length - branch) * 2) >> 1));
  emit_imm(ctx, RV.A0, l.prog); // arg1: prog
  emit_mv(ctx, RV.A1, RV.S1); // arg2: start time
  emit_addi(ctx, RV.A2, RV.FP, -o.runCtxOff); // arg3: &run_ctx
  emitCall(ctx, s.addr, s.progExit);
}

/** __arch_prepare_bpf_trampoline for a BPF-function target (called from its entry). */
export function buildRvTrampoline(s: RvTrampolineSpec): RvTrampoline {
  if (s.nrArgs > RV_MAX_REG_ARGS) throw new Error('trampoline: stack-passed arguments are not supported');
  const callOrig = s.fexit.length > 0 || s.fmodRet.length > 0;
  const flags = { callOrig, skipFrame: callOrig, restoreRegs: !callOrig, tailCallCtx: s.tailCallCtx };
  const saveRet = callOrig;

  let stackSize = 16; // t0 and fp of the traced function
  let retvalOff = 0;
  if (saveRet) {
    stackSize += 16; // a0 and a5 (BPF R0)
    retvalOff = stackSize;
  }
  stackSize += s.nrArgs * 8;
  const argsOff = stackSize;
  stackSize += 8;
  const nregsOff = stackSize;
  stackSize += RUN_CTX_SIZE;
  const runCtxOff = stackSize;
  stackSize += 8;
  const sregOff = stackSize;
  let tccOff = 0;
  if (s.tailCallCtx) {
    stackSize += 8;
    tccOff = stackSize;
  }
  stackSize = roundUp(stackSize, STACK_ALIGN);
  const o: Offs = { argsOff, retvalOff, runCtxOff };
  const ctx = bareCtx(s.rvc);
  const t: RvTrampoline = { code: new Uint8Array(), flags };

  // the parent's frame record, then the trampoline's (t0 = return into the traced function)
  emit_addi(ctx, RV.SP, RV.SP, -16);
  emit_sd(ctx, RV.SP, 8, RV.RA);
  emit_sd(ctx, RV.SP, 0, RV.FP);
  emit_addi(ctx, RV.FP, RV.SP, 16);
  emit_addi(ctx, RV.SP, RV.SP, -stackSize);
  emit_sd(ctx, RV.SP, stackSize - 8, RV.T0);
  emit_sd(ctx, RV.SP, stackSize - 16, RV.FP);
  emit_addi(ctx, RV.FP, RV.SP, stackSize);

  emit_sd(ctx, RV.FP, -sregOff, RV.S1);
  if (s.tailCallCtx) emit_sd(ctx, RV.FP, -tccOff, RV_REG_TCC);
  emit_li(ctx, RV.T1, s.nrArgs);
  emit_sd(ctx, RV.FP, -nregsOff, RV.T1);
  storeArgs(ctx, s.nrArgs, argsOff);

  const origCall = s.funcAddr + BigInt(RV_FENTRY_NBYTES); // BPF_TRAMP_F_SKIP_FRAME
  if (callOrig) {
    emit_imm(ctx, RV.A0, s.im);
    emitCall(ctx, s.addr, s.trampEnter);
  }
  for (const l of s.fentry) invokeProg(ctx, s, l, o, false);
  const branches: number[] = [];
  if (s.fmodRet.length) {
    emit_sd(ctx, RV.FP, -retvalOff, RV.ZERO);
    for (const l of s.fmodRet) {
      invokeProg(ctx, s, l, o, true);
      emit_ld(ctx, RV.T1, -retvalOff, RV.FP);
      branches.push(reserveNop(ctx)); // becomes bnez t1, do_fexit
    }
  }
  if (callOrig) {
    restoreArgs(ctx, Math.min(s.nrArgs, RV_MAX_REG_ARGS), argsOff);
    if (s.tailCallCtx) emit_ld(ctx, RV_REG_TCC, -tccOff, RV.FP);
    emitCall(ctx, s.addr, origCall);
    emit_sd(ctx, RV.FP, -retvalOff, RV.A0);
    emit_sd(ctx, RV.FP, -(retvalOff - 8), bpfToRv(0));
    if (s.tailCallCtx) emit_sd(ctx, RV.FP, -tccOff, RV_REG_TCC); // the count the body handed back
    t.ipAfterCall = ctx.code.length * 2;
    emit(ctx, E.rv_nop()); // reserved for auipc+jalr
    emit(ctx, E.rv_nop());
  }
  for (const at of branches) patchWord(ctx, at, E.rv_bne(RV.T1, RV.ZERO, ((ctx.code.length - at) * 2) >> 1));
  for (const l of s.fexit) invokeProg(ctx, s, l, o, false);
  if (callOrig) {
    t.ipEpilogue = ctx.code.length * 2;
    emit_imm(ctx, RV.A0, s.im);
    emitCall(ctx, s.addr, s.trampExit);
  }
  if (flags.restoreRegs) restoreArgs(ctx, Math.min(s.nrArgs, RV_MAX_REG_ARGS), argsOff);
  if (saveRet) {
    emit_ld(ctx, RV.A0, -retvalOff, RV.FP);
    emit_ld(ctx, bpfToRv(0), -(retvalOff - 8), RV.FP);
  }
  if (s.tailCallCtx) emit_ld(ctx, RV_REG_TCC, -tccOff, RV.FP);
  emit_ld(ctx, RV.S1, -sregOff, RV.FP);
  emit_ld(ctx, RV.T0, stackSize - 8, RV.SP);
  emit_ld(ctx, RV.FP, stackSize - 16, RV.SP);
  emit_addi(ctx, RV.SP, RV.SP, stackSize);
  emit_ld(ctx, RV.RA, 8, RV.SP);
  emit_ld(ctx, RV.FP, 0, RV.SP);
  emit_addi(ctx, RV.SP, RV.SP, 16);
  // SKIP_FRAME: return to the parent; else into the traced function at bpf_func + 8
  emit_jalr(ctx, RV.ZERO, flags.skipFrame ? RV.RA : RV.T0, 0);
  t.code = halfwordsToBytes(ctx.code);
  return t;
}

function halfwordsToBytes(code: readonly number[]): Uint8Array {
  const out = new Uint8Array(code.length * 2);
  code.forEach((h, k) => {
    out[2 * k] = h & 0xff;
    out[2 * k + 1] = h >> 8;
  });
  return out;
}

/**
 * gen_jump_or_nops: the 8 bytes of the patch site at `ip`. null target: two nops; call:
 * `auipc t1, hi; jalr t0, lo(t1)`; jump: `auipc t1, hi; jalr zero, lo(t1)`.
 */
export function rvPatchBytes(kind: 'call' | 'jump', ip: bigint, target: bigint | null): Uint8Array {
  const ctx = bareCtx(false);
  if (target === null) {
    emit(ctx, E.rv_nop());
    emit(ctx, E.rv_nop());
  } else emit_jump_and_link(ctx, kind === 'call' ? RV.T0 : RV.ZERO, Number(BigInt.asIntN(64, target - ip)), false);
  return halfwordsToBytes(ctx.code);
}

/** What the 8 bytes of a patch site hold (the inverse of rvPatchBytes). */
export function decodeRvPatchSite(ip: bigint, b: Uint8Array): { kind: 'nop' } | { kind: 'call' | 'jmp'; to: bigint } | { kind: 'other'; bytes: Uint8Array } {
  const dv = new DataView(b.buffer, b.byteOffset, RV_FENTRY_NBYTES);
  const w0 = dv.getUint32(0, true);
  const w1 = dv.getUint32(4, true);
  const nop = E.rv_nop() >>> 0;
  if (w0 === nop && w1 === nop) return { kind: 'nop' };
  const auipcT1 = (w0 & 0xfff) === ((RV.T1 << 7) | 0x17);
  const jalrFromT1 = (w1 & 0x707f) === 0x67 && ((w1 >>> 15) & 0x1f) === RV.T1;
  const rd = (w1 >>> 7) & 0x1f;
  if (auipcT1 && jalrFromT1 && (rd === RV.T0 || rd === RV.ZERO)) {
    const hi = BigInt((w0 | 0) >> 12) << 12n;
    const lo = BigInt((w1 | 0) >> 20);
    return { kind: rd === RV.T0 ? 'call' : 'jmp', to: BigInt.asUintN(64, ip + hi + lo) };
  }
  return { kind: 'other', bytes: b };
}
