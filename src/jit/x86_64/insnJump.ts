// do_jit's BPF_JMP and BPF_JMP32 cases: gotos, calls, tail calls, the exit, and
// conditional jumps, with the kernel's rel8/rel32 choice and the nop padding of its
// late passes.
import type { Insn } from '../../bpf/insn.ts';
import {
  BPF_CALL,
  BPF_EXIT,
  BPF_JA,
  BPF_JMP,
  BPF_JSET,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_TAIL_CALL,
  BPF_X,
  insnClass as BPF_CLASS,
  jmpOp as BPF_OP,
} from '../../bpf/opcodes.ts';
import { emitCall } from './call.ts';
import { emitCmpImm, emitCmpReg, emitJccRel32, emitJccRel8, emitJmpRel8, emitRel32, emitTestImm, emitTestReg, isImm8JmpOffset, jmpCond } from './emitJump.ts';
import { emitNops } from './emitMov.ts';
import { emitEpilogue } from './epilogue.ts';
import type { InsnState } from './insnState.ts';
import { type EmitCtx, region } from './jitContext.ts';
import { emitTailCallDirect, emitTailCallIndirect } from './tailCall.ts';

/** A JMP or JMP32 insn at local insn k with (possibly remapped) dst and src. */
export function emitJmpInsn(ctx: EmitCtx, st: InsnState, k: number, insn: Insn, dst: number, src: number): number | string {
  const buf = ctx.buf;
  const { code, imm } = insn;
  const insnStart = buf.off;
  const is64 = BPF_CLASS(code) === BPF_JMP;
  const op = BPF_OP(code);
  if (op === BPF_JA) return emitJa(ctx, st, k, is64 ? (insn.off === -1 ? null : insn.off) : imm === -1 ? null : imm, insnStart);
  if (is64 && op === BPF_CALL) return emitCallInsn(ctx, st, k, insn);
  if (is64 && op === BPF_TAIL_CALL) {
    if (imm) {
      const site = st.image.pokeSites[imm - 1];
      if (!site) return `tail call refers to poke descriptor ${imm - 1}, which does not exist`;
      emitTailCallDirect(ctx, site);
    } else emitTailCallIndirect(ctx);
    return 1;
  }
  if (is64 && op === BPF_EXIT) {
    if (st.seenExit) return emitJmpTo(ctx, st, k, ctx.labels.cleanupAddr - st.addrs[k + 1]!, insnStart);
    st.seenExit = true;
    ctx.labels.cleanupAddr = insnStart;
    emitEpilogue(ctx);
    region(ctx, insnStart, 'epilogue', ctx.insn);
    return 1;
  }
  const cond = jmpCond(op);
  if (cond < 0) return `unknown opcode 0x${code.toString(16)}`;
  const isX = (code & BPF_X) !== 0;
  if (op === BPF_JSET) {
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

/** A jump target (local index) must start an instruction of this function. */
const inFunc = (st: InsnState, target: number): boolean => target >= 0 && target < st.addrs.length - 1;

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

/** BPF_CALL: a bpf2bpf call, a kfunc or a helper. */
function emitCallInsn(ctx: EmitCtx, st: InsnState, k: number, insn: Insn): number | string {
  if (insn.src === BPF_PSEUDO_CALL) {
    const func = st.funcAt.get(st.base + k + insn.imm + 1);
    if (func === undefined) return `call target insn ${st.base + k + insn.imm + 1} is not a function`;
    emitCall(ctx, insn, 'func', func, ctx.insn);
  } else if (insn.src === BPF_PSEUDO_KFUNC_CALL) emitCall(ctx, insn, 'kfunc', insn.imm, ctx.insn);
  else {
    if (!insn.imm) return 'helper call with imm 0';
    // The helper id: bpfdbg's analysis keeps it in `imm` (ids above the UAPI range name
    // kernel-internal functions, analysis INTERNAL_HELPER) where the kernel would hold
    // helper_address - __bpf_call_base; linkImage turns the id into an address.
    emitCall(ctx, insn, 'helper', insn.imm, ctx.insn);
  }
  return 1;
}
