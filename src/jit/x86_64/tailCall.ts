// BPF_JMP|BPF_TAIL_CALL: emit_bpf_tail_call_indirect / emit_bpf_tail_call_direct.
// Every site of one kind in a function has the same length, so the `out` label is one
// per-function offset from the start of the sequence, taken from the previous pass.
import type { NativeOff } from '../../common/ids.ts';
import { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF, BPF_PROG_BPF_FUNC_OFF, MAX_TAIL_CALL_CNT } from '../../common/kernelStructs.ts';
import type { PokeSite } from '../../analysis/types.ts';
import { emitNops } from './emitMov.ts';
import { X86_JAE, X86_JBE, X86_JE, emitJmpReg, emitRel32 } from './emitJump.ts';
import { emitPopCalleeRegs } from './epilogue.ts';
import { roundUp8, tccPtrOff, tccValueOff } from './frameLayout.ts';
import { type EmitCtx, reloc, region } from './jitContext.ts';

/** Short jump to the sequence's `out`, displacement from the previous pass's label. */
function jccOut(ctx: EmitCtx, cond: number, start: number, label: number): void {
  const rel = label - (ctx.buf.off + 2 - start);
  ctx.buf.emit2(cond, rel & 0xff); // jcc out
}

/** mov rax, [rbp + tcc_ptr_off] (LOAD_TAIL_CALL_CNT_PTR) */
function emitLoadTccPtr(ctx: EmitCtx): void {
  ctx.buf.emit3(0x48, 0x8b, 0x85); // mov rax, qword [rbp + disp32]
  ctx.buf.imm32(tccPtrOff(ctx.plan));
}

/** E1 (5.10-6.11): load, check and store back the count (before the slot's NULL check). */
function emitCountByValue(ctx: EmitCtx, start: number, label: number): void {
  const buf = ctx.buf;
  buf.emit2(0x8b, 0x85); // mov eax, dword [rbp + tcc_off]
  buf.imm32(tccValueOff(ctx.plan));
  buf.emit3(0x83, 0xf8, MAX_TAIL_CALL_CNT); // cmp eax, MAX_TAIL_CALL_CNT
  jccOut(ctx, X86_JAE, start, label); // jae out
  buf.emit3(0x83, 0xc0, 0x01); // add eax, 1
  buf.emit2(0x89, 0x85); // mov dword [rbp + tcc_off], eax
  buf.imm32(tccValueOff(ctx.plan));
}

/** Unwind this function's frame down to the caller-built part: pops, TCC slots, BPF stack. */
function emitUnwind(ctx: EmitCtx): void {
  const { buf, plan } = ctx;
  emitPopCalleeRegs(buf, plan.calleeRegs);
  buf.emit1(0x58); // pop rax (E2: tcc_ptr; E1: the count qword)
  if (!plan.byValue) buf.emit1(0x58); // pop rax (count if main, tcc_ptr copy if subprog)
  if (plan.stackDepth) {
    buf.emit3(0x48, 0x81, 0xc4); // add rsp, rsd
    buf.imm32(roundUp8(plan.stackDepth));
  }
}

/**
 * Indirect tail call: rdi = ctx, rsi = struct bpf_array *, rdx = index. Checks, in kernel
 * order: index < max_entries, counter < MAX_TAIL_CALL_CNT, ptrs[index] != NULL; only then
 * (E2/E3) the counter is incremented, the frame unwound, and the target entered at
 * bpf_func + X86_TAIL_CALL_OFFSET. Any failed check falls through to `out`.
 */
export function emitTailCallIndirect(ctx: EmitCtx): void {
  const { buf, plan } = ctx;
  const start = buf.off;
  const label = ctx.labels.tailCallIndirectLabel;
  buf.emit2(0x89, 0xd2); // mov edx, edx (index is u32)
  buf.emit3(0x39, 0x56, BPF_ARRAY_MAX_ENTRIES_OFF); // cmp dword [rsi + max_entries], edx
  jccOut(ctx, X86_JBE, start, label); // jbe out
  if (plan.byValue) emitCountByValue(ctx, start, label);
  else {
    emitLoadTccPtr(ctx); // mov rax, [rbp - rsd - 16]
    ctx.buf.emit4(0x48, 0x83, 0x38, MAX_TAIL_CALL_CNT); // cmp qword [rax], MAX_TAIL_CALL_CNT
    jccOut(ctx, X86_JAE, start, label); // jae out
  }
  buf.emit4(0x48, 0x8b, 0x8c, 0xd6); // mov rcx, [rsi + rdx*8 + ptrs]
  buf.imm32(BPF_ARRAY_PTRS_OFF);
  buf.emit3(0x48, 0x85, 0xc9); // test rcx, rcx
  jccOut(ctx, X86_JE, start, label); // je out
  if (!plan.byValue) buf.emit4(0x48, 0x83, 0x00, 0x01); // add qword [rax], 1 (slot populated)
  emitUnwind(ctx);
  buf.emit4(0x48, 0x8b, 0x49, BPF_PROG_BPF_FUNC_OFF); // mov rcx, [rcx + bpf_func]
  buf.emit4(0x48, 0x83, 0xc1, plan.tailCallOffset); // add rcx, X86_TAIL_CALL_OFFSET
  if (plan.indirectThunk) {
    emitRel32(buf, 0xe9, 0); // jmp __x86_indirect_thunk_rcx
    if (ctx.writing) reloc(ctx, { kind: 'indirectThunk', at: (buf.off - 4) as NativeOff, reg: 'rcx' });
  } else {
    if (plan.indirectPlain === 'lfence-jmp') buf.emit3(0x0f, 0xae, 0xe8); // lfence
    emitJmpReg(buf, 1); // jmp rcx
    if (plan.indirectPlain === 'jmp-int3') buf.emit1(0xcc); // int3 (CONFIG_MITIGATION_RETPOLINE/SLS)
  }
  ctx.labels.tailCallIndirectLabel = buf.off - start;
  region(ctx, start, 'tail call (indirect)', ctx.insn);
}

/**
 * Direct tail call (constant map and key): poke sites instead of loads. tailcall_bypass
 * is emitted as `jmp out` and tailcall_target as nop5 (state C, "empty slot"); the kernel
 * model arms them through the PokeDescriptor.
 */
export function emitTailCallDirect(ctx: EmitCtx, site: PokeSite): void {
  const { buf, plan } = ctx;
  const start = buf.off;
  const label = ctx.labels.tailCallDirectLabel;
  if (plan.byValue)
    emitCountByValue(ctx, start, label); // E1 counts even an empty slot
  else {
    emitLoadTccPtr(ctx); // mov rax, [rbp - rsd - 16]
    buf.emit4(0x48, 0x83, 0x38, MAX_TAIL_CALL_CNT); // cmp qword [rax], MAX_TAIL_CALL_CNT
    jccOut(ctx, X86_JAE, start, label); // jae out
  }
  const bypass = buf.off;
  const target = start + label - 5;
  emitRel32(buf, 0xe9, target + 5 - (bypass + 5)); // jmp out (tailcall_bypass)
  if (!plan.byValue) buf.emit4(0x48, 0x83, 0x00, 0x01); // add qword [rax], 1
  emitUnwind(ctx);
  const targetSite = buf.off;
  emitNops(buf, 5); // nop5 (tailcall_target)
  ctx.labels.tailCallDirectLabel = buf.off - start;
  if (ctx.writing) {
    ctx.pokes.push({
      index: site.index,
      func: plan.func,
      insn: ctx.insn,
      tailcallTarget: targetSite as NativeOff,
      tailcallBypass: bypass as NativeOff,
      bypassAddr: (targetSite + 5) as NativeOff,
      adjOff: plan.tailCallOffset,
      mapIndex: site.mapIndex,
      key: site.key,
    });
  }
  region(ctx, start, 'tail call (direct)', ctx.insn);
}
