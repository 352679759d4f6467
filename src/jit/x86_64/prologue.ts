// emit_prologue(): the fixed-length head every function shares (so a tail call can skip it
// without knowing its target), then the variable part a tail call does run.
import type { CodeBuf } from './codeBuf.ts';
import { emitNops } from './emitMov.ts';
import { emitPopCalleeRegs } from './epilogue.ts';
import { type FuncPlan, roundUp8, savedCalleeRegs } from './frameLayout.ts';
import { type EmitCtx, region } from './jitContext.ts';
import { emitPrivFramePtr } from './privStack.ts';

/** push rbx / r13 / r14 / r15, each only when the function uses R6 / R7 / R8 / R9. */
export function emitPushCalleeRegs(buf: CodeBuf, used: readonly boolean[]): void {
  if (used[0]) buf.emit1(0x53); // push rbx
  if (used[1]) buf.emit2(0x41, 0x55); // push r13
  if (used[2]) buf.emit2(0x41, 0x56); // push r14
  if (used[3]) buf.emit2(0x41, 0x57); // push r15
}

/**
 * E2/E3 (6.12+) TCC block (emit_prologue_tail_call). A main program's rax is 0 on entry, a
 * count (<= 33) when tail-called from a main program, or tcc_ptr (a kernel pointer, so
 * > 33 unsigned) when tail-called from a subprogram; a subprogram always gets tcc_ptr.
 */
export function emitPrologueTailCall(buf: CodeBuf, isSubprog: boolean): void {
  if (!isSubprog) {
    buf.emit4(0x48, 0x83, 0xf8, 0x21); // cmp rax, MAX_TAIL_CALL_CNT
    buf.emit2(0x77, 6); // ja +6 (rax is a pointer)
    buf.emit1(0x50); // push rax (the count)
    buf.emit3(0x48, 0x89, 0xe0); // mov rax, rsp (rax = &count)
    buf.emit2(0xeb, 1); // jmp +1
    buf.emit1(0x50); // push rax (pointer case: filler slot)
    buf.emit1(0x50); // push rax (tcc_ptr)
  } else {
    buf.emit1(0x50); // push rax (tcc_ptr copy)
    buf.emit1(0x50); // push rax (tcc_ptr)
  }
}

/** The whole prologue; returns nothing, the caller records addrs[0] = buf.off. */
export function emitPrologue(ctx: EmitCtx): void {
  const { buf, plan } = ctx;
  const start = buf.off;
  emitHead(buf, plan);
  if (plan.stackDepth) {
    buf.emit3(0x48, 0x81, 0xec); // sub rsp, rsd (always imm32)
    buf.imm32(roundUp8(plan.stackDepth));
  }
  if (plan.tcr) {
    if (plan.byValue)
      buf.emit1(0x50); // E1: push rax (count << 32, or 0)
    else emitPrologueTailCall(buf, plan.isSubprog);
  }
  // 6.7+: an exception boundary also saves r12 (not a BPF register, but bpf_throw runs
  // kernel code that may change it), first, then every callee-saved register.
  if (plan.exceptionBoundary) buf.emit2(0x41, 0x54); // push r12
  emitPushCalleeRegs(buf, savedCalleeRegs(plan));
  if (plan.privFramePtr !== null) emitPrivFramePtr(ctx, plan.privFramePtr, plan.thisCpuOff);
  region(ctx, start, 'prologue');
}

/**
 * a..e of the prologue, X86_TAIL_CALL_OFFSET bytes long: nop5 (fentry/freplace patch
 * site), the TCC init or a same-length nop ("keep the same instruction layout"),
 * push rbp; mov rbp, rsp.
 */
export function emitHead(buf: CodeBuf, plan: FuncPlan): void {
  emitNops(buf, 5); // nop5
  const init = plan.tcr && !plan.isSubprog;
  if (plan.byValue) {
    if (init)
      buf.emit2(0x31, 0xc0); // E1: xor eax, eax
    else emitNops(buf, 2); // nop2
  } else if (init)
    buf.emit3(0x48, 0x31, 0xc0); // E2/E3: xor rax, rax
  else emitNops(buf, 3); // nop3
  if (plan.exceptionCb) {
    // 6.7+: bpf_throw calls the callback with (cookie, sp, bp) of the boundary's frame: it
    // restores the registers the boundary saved and takes the frame over, so its `leave;
    // ret` returns from the boundary to the boundary's caller.
    buf.emit3(0x48, 0x89, 0xf4); // mov rsp, rsi
    buf.emit3(0x48, 0x89, 0xd5); // mov rbp, rdx
    emitPopCalleeRegs(buf, [true, true, true, true]);
    buf.emit2(0x41, 0x5c); // pop r12
    buf.emit3(0x48, 0x89, 0xec); // mov rsp, rbp
    return;
  }
  buf.emit1(0x55); // push rbp
  buf.emit3(0x48, 0x89, 0xe5); // mov rbp, rsp
}
