// The one opcode switch: one BPF instruction -> x86-64 bytes (the body of do_jit's loop),
// grouped by class in the order of src/bpf/opcodes.ts. Returns how many instruction slots
// it consumed (2 for LD_IMM64), or a Diag-worthy message for an instruction the x86-64 JIT
// cannot take (the kernel's -EINVAL/-EFAULT).
import type { Insn } from '../../bpf/insn.ts';
import type { NativeOff } from '../../common/ids.ts';
import { TEXT_BASE } from '../../common/layout.ts';
import { ksymAddress } from '../../common/kallsyms.ts';
import type { ProgramImage } from '../../analysis/types.ts';
import type { JitEnv } from '../types.ts';
import {
  emitAluImm,
  emitAluReg,
  emitBswap,
  emitDivMod,
  emitMulImm,
  emitMulReg,
  emitNeg,
  emitShiftImm,
  emitShiftReg,
  emitShiftx,
  emitToLe,
  maybeEmitMod,
  simpleAluOpcode,
} from './emitAlu.ts';
import { emitCall } from './call.ts';
import { emitCmpImm, emitCmpReg, emitJccRel32, emitJccRel8, emitJmpRel8, emitRel32, emitTestImm, emitTestReg, isImm8JmpOffset, jmpCond } from './emitJump.ts';
import { emitAtomic, emitLdsx, emitLdx, emitSt, emitStx } from './emitMem.ts';
import { emitProbeLoad } from './emitProbeMem.ts';
import { emitMovImm32, emitMovImm64, emitMovReg, emitMovsxReg, emitNops } from './emitMov.ts';
import { emitEpilogue } from './epilogue.ts';
import { type EmitCtx, region, reloc } from './jitContext.ts';
import { REG_AUX, REG_AX, REG_R9, add1mod, add2reg } from './regs.ts';
import { emitTailCallDirect, emitTailCallIndirect } from './tailCall.ts';
import {
  BPF_ADD,
  BPF_ADDR_PERCPU,
  BPF_ADDR_SPACE_CAST,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ARSH,
  BPF_ATOMIC,
  BPF_CMPXCHG,
  BPF_DIV,
  BPF_END,
  BPF_FETCH,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_RSH,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_SUB,
  BPF_XOR,
  LD_DW_IMM,
  BPF_DW,
  BPF_PROBE_MEM,
  BPF_PROBE_MEMSX,
} from '../../bpf/opcodes.ts';

/** Per-pass loop state do_jit keeps in locals. */
export interface InsnState {
  image: ProgramImage;
  env: JitEnv;
  /** kernel addrs[]: addrs[k] = start of local insn k (end of k-1). Mixed passes, see doJit. */
  addrs: Int32Array;
  padding: boolean;
  seenExit: boolean;
  /** Global index of the function's first insn. */
  base: number;
  /** First insn -> function index, for bpf2bpf call targets. */
  funcAt: Map<number, number>;
}

/** Emits local insn k; returns slots consumed, or an error message. */
export function emitInsn(ctx: EmitCtx, st: InsnState, k: number, insn: Insn, next: Insn | undefined): number | string {
  const buf = ctx.buf;
  const plan = ctx.plan;
  const code = insn.code;
  let dst = insn.dst;
  let src = insn.src;
  const imm = insn.imm;
  if (plan.privFramePtr !== null) {
    // 6.13+: BPF R10 lives in r9 when this function has a private stack.
    if (src === 10) src = REG_R9;
    if (dst === 10) dst = REG_R9;
  }
  const cls = code & 0x07;
  const insnStart = buf.off;
  switch (cls) {
    case BPF_ALU:
    case BPF_ALU64: {
      const is64 = cls === BPF_ALU64;
      const op = code & 0xf0;
      const isX = (code & 0x08) !== 0;
      switch (op) {
        case BPF_ADD:
        case BPF_SUB:
        case BPF_OR:
        case BPF_AND:
        case BPF_XOR:
          if (isX) emitAluReg(buf, op, is64, dst, src);
          else emitAluImm(buf, op, is64, dst, imm);
          return 1;
        case BPF_MOV:
          if (!isX) {
            emitMovImm32(buf, is64, dst, imm);
            return 1;
          }
          if (is64 && insn.off === BPF_ADDR_SPACE_CAST) return 'arena address-space casts are not supported';
          if (is64 && insn.off === BPF_ADDR_PERCPU) {
            // BPF_MOV64_PERCPU_REG (inlined per-CPU helpers): dst = src + this CPU's offset.
            // Encoded as the kernel does: REX.B (add_1mod) although dst sits in ModRM.reg, so
            // only rax..rdi encode correctly; the verifier only ever emits it with R0.
            emitMovReg(buf, true, dst, src);
            buf.emit2(0x65, add1mod(0x48, dst)); // gs REX.W
            buf.emit3(0x03, add2reg(0x04, 0, dst), 0x25); // add dst, [disp32]
            buf.imm32(Number(BigInt.asUintN(32, plan.thisCpuOff)) | 0);
            if (ctx.writing) reloc(ctx, { kind: 'perCpu', at: (buf.off - 4) as NativeOff, width: 4 });
            return 1;
          }
          if (insn.off === 0) emitMovReg(buf, is64, dst, src);
          else emitMovsxReg(buf, insn.off, is64, dst, src);
          return 1;
        case BPF_NEG:
          emitNeg(buf, is64, dst);
          return 1;
        case BPF_MUL:
          if (isX) emitMulReg(buf, is64, dst, src);
          else emitMulImm(buf, is64, dst, imm);
          return 1;
        case BPF_DIV:
        case BPF_MOD:
          emitDivMod(buf, op, is64, insn.off === 1, dst, isX ? src : null, imm);
          return 1;
        case BPF_LSH:
        case BPF_RSH:
        case BPF_ARSH:
          if (!isX) emitShiftImm(buf, op, is64, dst, imm);
          else if (plan.bmi2 && src !== 4) emitShiftx(buf, op, is64, dst, src);
          else emitShiftReg(buf, op, is64, dst, src);
          return 1;
        case BPF_END:
          if (is64 ? !isX : isX)
            emitBswap(buf, dst, imm); // ALU|END|TO_BE, ALU64|END (bswap)
          else if (!is64) emitToLe(buf, dst, imm);
          else return 'unknown opcode 0xdf';
          return 1;
      }
      return `unknown opcode 0x${code.toString(16)}`;
    }
    case BPF_LD: {
      if (code !== LD_DW_IMM || !next) return `unknown opcode 0x${code.toString(16)} (LD_ABS/LD_IND must be rewritten by the verifier)`;
      let value: bigint;
      let kind: 'map' | 'func' | 'none' = 'none';
      switch (src) {
        case 0:
          value = (BigInt(next.imm >>> 0) << 32n) | BigInt(imm >>> 0);
          break;
        case BPF_PSEUDO_MAP_FD:
        case BPF_PSEUDO_MAP_IDX:
          value = st.env.mapAddr(imm);
          kind = 'map';
          break;
        case BPF_PSEUDO_MAP_VALUE:
        case BPF_PSEUDO_MAP_IDX_VALUE:
          value = st.env.mapValueAddr(imm) + BigInt(next.imm >>> 0);
          kind = 'map';
          break;
        case BPF_PSEUDO_FUNC: // a callback's address; size it as a text address (fits s32)
          value = TEXT_BASE;
          kind = 'func';
          break;
        case BPF_PSEUDO_BTF_ID: // the verifier puts the kernel symbol's address in imm (check_pseudo_btf_id)
          value = ksymAddress(imm);
          break;
        default:
          return `ld_imm64 with src ${src} is not a pseudo form the verifier knows`;
      }
      const w = emitMovImm64(buf, dst, value);
      if (kind === 'map' && ctx.writing) reloc(ctx, { kind: 'mapAddr', at: (buf.off - w) as NativeOff, width: w, insn: ctx.insn });
      else if (kind === 'func') {
        const func = st.funcAt.get(st.base + k + imm + 1);
        if (func === undefined) return `ld_imm64 pseudo func target insn ${st.base + k + imm + 1} is not a function`;
        if (ctx.writing) reloc(ctx, { kind: 'funcAddr', at: (buf.off - w) as NativeOff, func, insn: ctx.insn, width: w });
      }
      return 2;
    }
    case BPF_LDX: {
      const mode = code & 0xe0;
      const size = code & 0x18;
      if (mode === 0x60) emitLdx(buf, size, dst, src, insn.off);
      else if (mode === 0x80 && size !== BPF_DW) emitLdsx(buf, size, dst, src, insn.off);
      else if (mode === BPF_PROBE_MEM || (mode === BPF_PROBE_MEMSX && size !== BPF_DW)) {
        // BPF_PROBE_MEM(SX): the load is an exception-table site (region 'extable').
        const ld = emitProbeLoad(buf, mode === BPF_PROBE_MEMSX, size, dst, src, insn.off);
        if (ctx.writing) ctx.regions.push({ start: ld.start as NativeOff, end: ld.end as NativeOff, role: 'extable', insn: ctx.insn });
      } else return `unsupported load opcode 0x${code.toString(16)} (PROBE_MEM/arena)`;
      return 1;
    }
    case BPF_ST: {
      if (code === 0xc2) {
        buf.emit3(0x0f, 0xae, 0xe8); // lfence (BPF_ST|BPF_NOSPEC)
        return 1;
      }
      if ((code & 0xe0) !== 0x60) return `unsupported store opcode 0x${code.toString(16)}`;
      emitSt(buf, code & 0x18, dst, insn.off, imm);
      return 1;
    }
    case BPF_STX: {
      const mode = code & 0xe0;
      const size = code & 0x18;
      if (mode === 0x60) {
        emitStx(buf, size, dst, src, insn.off);
        return 1;
      }
      if (mode !== BPF_ATOMIC) return `unsupported store opcode 0x${code.toString(16)}`;
      if (imm === BPF_LOAD_ACQ)
        emitLdx(buf, size, dst, src, insn.off); // x86 is TSO: plain mov
      else if (imm === BPF_STORE_REL) emitStx(buf, size, dst, src, insn.off);
      else if (size !== 0x00 && size !== BPF_DW) return '1- and 2-byte RMW atomics are not supported';
      else if (imm === (BPF_AND | BPF_FETCH) || imm === (BPF_OR | BPF_FETCH) || imm === (BPF_XOR | BPF_FETCH)) {
        emitFetchLoop(ctx, insn, dst, src, size);
      } else if (!emitAtomic(buf, imm, dst, src, insn.off, size)) return `unknown atomic opcode 0x${imm.toString(16)}`;
      return 1;
    }
    case BPF_JMP:
    case BPF_JMP32: {
      const is64 = cls === BPF_JMP;
      const op = code & 0xf0;
      if (op === 0x00) return emitJa(ctx, st, k, is64 ? (insn.off === -1 ? null : insn.off) : imm === -1 ? null : imm, insnStart);
      if (is64 && op === 0x80) return emitCallInsn(ctx, st, k, insn);
      if (is64 && op === 0xf0) {
        // TAIL_CALL
        if (imm) {
          const site = st.image.pokeSites[imm - 1];
          if (!site) return `tail call refers to poke descriptor ${imm - 1}, which does not exist`;
          emitTailCallDirect(ctx, site);
        } else emitTailCallIndirect(ctx);
        return 1;
      }
      if (is64 && op === 0x90) {
        // EXIT
        if (st.seenExit) return emitJmpTo(ctx, st, k, ctx.labels.cleanupAddr - st.addrs[k + 1]!, insnStart);
        st.seenExit = true;
        ctx.labels.cleanupAddr = insnStart;
        emitEpilogue(ctx);
        region(ctx, insnStart, 'epilogue', ctx.insn);
        return 1;
      }
      const cond = jmpCond(op);
      if (cond < 0) return `unknown opcode 0x${code.toString(16)}`;
      const isX = (code & 0x08) !== 0;
      if (op === 0x40) {
        // JSET
        if (isX) emitTestReg(buf, is64, dst, src);
        else emitTestImm(buf, is64, dst, imm);
      } else if (isX) emitCmpReg(buf, is64, dst, src);
      else if (imm === 0)
        emitTestReg(buf, is64, dst, dst); // test r, r saves a byte
      else emitCmpImm(buf, is64, dst, imm);
      if (!inFunc(st, k + 1 + insn.off)) return `jump to insn ${st.base + k + 1 + insn.off} leaves the function`;
      const rel = st.addrs[k + 1 + insn.off]! - st.addrs[k + 1]!;
      if (isImm8JmpOffset(rel, ctx.plan.shortJumpMax)) {
        if (st.padding) {
          const nops = st.addrs[k + 1]! - st.addrs[k]! - (buf.off - insnStart) - 2;
          if (nops !== 0 && nops !== 4) return `unexpected jmp_cond padding: ${nops} bytes`;
          emitNops(buf, nops);
        }
        emitJccRel8(buf, cond, rel);
      } else emitJccRel32(buf, cond, rel);
      return 1;
    }
  }
  return `unknown opcode 0x${code.toString(16)}`;
}

/** A jump target (local index) must start an instruction of this function. */
const inFunc = (st: InsnState, target: number): boolean => target >= 0 && target < st.addrs.length - 1;

/** AND/OR/XOR | FETCH: no single x86 instruction, so a lock cmpxchg loop through rax. */
function emitFetchLoop(ctx: EmitCtx, insn: Insn, dst: number, src: number, size: number): void {
  const buf = ctx.buf;
  const is64 = size === BPF_DW;
  emitMovReg(buf, true, REG_AX, 0); // mov r10, rax (cmpxchg needs rax)
  const realSrc = src === 0 ? REG_AX : src;
  const realDst = dst === 0 ? REG_AX : dst;
  const loop = buf.off;
  emitLdx(buf, size, 0, realDst, insn.off); // mov rax, [dst+off]
  emitMovReg(buf, is64, REG_AUX, 0); // mov r11, rax
  maybeEmitMod(buf, REG_AUX, realSrc, is64);
  buf.emit2(simpleAluOpcode(insn.imm & 0xf0), add2reg(0xc0, REG_AUX, realSrc)); // op r11, src
  emitAtomic(buf, BPF_CMPXCHG, realDst, REG_AUX, insn.off, size); // lock cmpxchg [dst+off], r11
  buf.emit2(0x75, (-(buf.off - loop) - 2) & 0xff); // jne loop
  emitMovReg(buf, is64, realSrc, 0); // mov src, rax (old value)
  emitMovReg(buf, true, 0, REG_AX); // mov rax, r10
}

/** BPF_JA: offset null means `ja -1` (always 2 bytes back). */
function emitJa(ctx: EmitCtx, st: InsnState, k: number, off: number | null, insnStart: number): number | string {
  if (off !== null && !inFunc(st, k + 1 + off)) return `jump to insn ${st.base + k + 1 + off} leaves the function`;
  const rel = off === null ? -2 : st.addrs[k + 1 + off]! - st.addrs[k + 1]!;
  if (rel === 0) {
    // A jump to the next insn is dropped; with padding on it keeps its previous size.
    if (st.padding) {
      const nops = st.addrs[k + 1]! - st.addrs[k]! - (ctx.buf.off - insnStart);
      if (nops !== 0 && nops !== 2 && nops !== 5) return `unexpected nop jump padding: ${nops} bytes`;
      emitNops(ctx.buf, nops);
    }
    return 1;
  }
  return emitJmpTo(ctx, st, k, rel, insnStart);
}

/** emit_jmp: rel8 (padded to the previous rel32 size when padding) or rel32. */
function emitJmpTo(ctx: EmitCtx, st: InsnState, k: number, rel: number, insnStart: number): number | string {
  const buf = ctx.buf;
  if (isImm8JmpOffset(rel, ctx.plan.shortJumpMax)) {
    if (st.padding) {
      const nops = st.addrs[k + 1]! - st.addrs[k]! - (buf.off - insnStart) - 2;
      if (nops !== 0 && nops !== 3) return `unexpected jump padding: ${nops} bytes`;
      emitNops(buf, nops);
    }
    emitJmpRel8(buf, rel);
  } else emitRel32(buf, 0xe9, rel);
  return 1;
}

function emitCallInsn(ctx: EmitCtx, st: InsnState, k: number, insn: Insn): number | string {
  if (insn.src === 1) {
    const func = st.funcAt.get(st.base + k + insn.imm + 1);
    if (func === undefined) return `call target insn ${st.base + k + insn.imm + 1} is not a function`;
    emitCall(ctx, insn, 'func', func, ctx.insn);
  } else if (insn.src === 2) emitCall(ctx, insn, 'kfunc', insn.imm, ctx.insn);
  else {
    if (!insn.imm) return 'helper call with imm 0';
    emitCall(ctx, insn, 'helper', helperIdOf(insn.imm), ctx.insn);
  }
  return 1;
}

/**
 * Helper id of a xlated helper call. bpfdbg's analysis keeps the helper id in `imm` (ids
 * above the UAPI range name kernel-internal functions, analysis INTERNAL_HELPER); the kernel
 * would hold helper_address - __bpf_call_base there. linkImage turns the id into an address.
 */
export function helperIdOf(imm: number): number {
  return imm;
}
