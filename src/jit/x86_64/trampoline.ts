// BPF trampolines (arch_prepare_bpf_trampoline) for fentry/fexit/fmod_ret programs attached
// to a BPF function, as 6.12+ builds them: the target's nop5 at bpf_func is poked into
// `call trampoline`. freplace needs no trampoline: bpf_func's nop5 becomes `jmp ext_func`
// (see textPoke.ts). Trampolines are generated at their final address, so the bytes here
// are final (no relocs).
import type { NativeOff } from '../../common/ids.ts';
import type { TrampLink, TrampolineCode, TrampolineSpecBase } from '../trampolineSpec.ts';
import type { Result } from '../../common/diag.ts';
import { patchBytes } from './textPoke.ts';
import { CodeBuf } from './codeBuf.ts';
import { emitJccRel32, emitRel32 } from './emitJump.ts';
import { emitLdx, emitStx } from './emitMem.ts';
import { emitMovImm64, emitMovReg, emitNops } from './emitMov.ts';
import { REG_R9 } from './regs.ts';
import { BPF_DW } from '../../bpf/opcodes.ts';

export type { TrampLink } from '../trampolineSpec.ts';

export interface TrampolineSpec extends TrampolineSpecBase {
  /** `jmp __x86_return_thunk` instead of `ret` (mitigations on), or null. */
  returnThunk: bigint | null;
}

export type Trampoline = TrampolineCode;

/** sizeof(struct bpf_tramp_run_ctx) rounded to 8; bpf_cookie at offset 0 (empty bpf_run_ctx). */
const RUN_CTX_SIZE = 16;
const CTX_COOKIE_OFF = 0;

/** call rel32 to an absolute address (emit_rsb_call without call-depth accounting). */
function callAbs(buf: CodeBuf, base: bigint, target: bigint): void {
  const rel = Number(BigInt.asIntN(32, target - (base + BigInt(buf.off) + 5n)));
  emitRel32(buf, 0xe8, rel); // call target
}

/** lea reg, [rbp - off] (reg code in the ModRM reg field) */
function leaRbp(buf: CodeBuf, regField: number, off: number): void {
  if (-off >= -128)
    buf.emit4(0x48, 0x8d, 0x45 | (regField << 3), -off & 0xff); // lea r, [rbp+disp8]
  else {
    buf.emit3(0x48, 0x8d, 0x85 | (regField << 3)); // lea r, [rbp+disp32]
    buf.imm32(-off);
  }
}

const ARG_REGS = [1, 2, 3, 4, 5, REG_R9];

function saveArgs(buf: CodeBuf, nrArgs: number, stackSize: number): void {
  for (let i = 0; i < nrArgs; i++) emitStx(buf, BPF_DW, 10, ARG_REGS[i]!, -(stackSize - 8 * i)); // mov [rbp-x], argN
}

function restoreRegs(buf: CodeBuf, nrArgs: number, stackSize: number): void {
  for (let i = 0; i < nrArgs; i++) emitLdx(buf, BPF_DW, ARG_REGS[i]!, 10, -(stackSize - 8 * i)); // mov argN, [rbp-x]
}

/** invoke_bpf_prog: enter hook, the program (skipped when enter returns 0), exit hook. */
function invokeProg(buf: CodeBuf, s: TrampolineSpec, l: TrampLink, regsOff: number, runCtxOff: number, saveRet: boolean): void {
  emitMovImm64(buf, 1, l.cookie); // mov rdi, cookie
  emitStx(buf, BPF_DW, 10, 1, -runCtxOff + CTX_COOKIE_OFF); // mov [rbp - run_ctx_off], rdi
  emitMovImm64(buf, 1, l.prog); // mov rdi, prog
  leaRbp(buf, 6, runCtxOff); // lea rsi, [rbp - run_ctx_off]
  callAbs(buf, s.addr, s.progEnter); // call __bpf_prog_enter_recur
  emitMovReg(buf, true, 6, 0); // mov rbx, rax (start time)
  buf.emit3(0x48, 0x85, 0xc0); // test rax, rax
  const je = buf.off;
  emitNops(buf, 2); // becomes je skip
  leaRbp(buf, 7, regsOff); // lea rdi, [rbp - regs_off] (ctx = saved args)
  callAbs(buf, s.addr, l.bpfFunc); // call prog->bpf_func
  if (saveRet) emitStx(buf, BPF_DW, 10, 0, -8); // mov [rbp-8], rax
  buf.bytes[je] = 0x74; // je skip
  buf.bytes[je + 1] = (buf.off - je - 2) & 0xff;
  emitMovImm64(buf, 1, l.prog); // mov rdi, prog
  emitMovReg(buf, true, 2, 6); // mov rsi, rbx
  leaRbp(buf, 2, runCtxOff); // lea rdx, [rbp - run_ctx_off]
  callAbs(buf, s.addr, s.progExit); // call __bpf_prog_exit_recur
}

/** __arch_prepare_bpf_trampoline for a BPF-function target with register arguments only. */
export function buildTrampoline(s: TrampolineSpec): Trampoline {
  if (s.nrArgs > 6) throw new Error('trampoline: stack-passed arguments are not supported');
  const callOrig = s.fexit.length > 0 || s.fmodRet.length > 0;
  const flags = { callOrig, skipFrame: callOrig, restoreRegs: !callOrig, tailCallCtx: s.tailCallCtx };
  const saveRet = callOrig;
  let stackSize = saveRet ? 8 : 0;
  stackSize += s.nrArgs * 8;
  const regsOff = stackSize;
  stackSize += 8;
  const nregsOff = stackSize;
  stackSize += 8;
  const rbxOff = stackSize;
  stackSize += RUN_CTX_SIZE;
  const runCtxOff = stackSize;
  const origCall = s.funcAddr + 5n; // BPF_TRAMP_F_SKIP_FRAME: past the patched call
  const buf = new CodeBuf(false, 1024);
  const t: Trampoline = { code: new Uint8Array(), flags };

  buf.emit1(0x55); // push rbp
  buf.emit3(0x48, 0x89, 0xe5); // mov rbp, rsp
  if (stackSize <= 127)
    buf.emit4(0x48, 0x83, 0xec, stackSize); // sub rsp, imm8
  else {
    buf.emit3(0x48, 0x81, 0xec); // sub rsp, imm32
    buf.imm32(stackSize);
  }
  if (s.tailCallCtx) buf.emit1(0x50); // push rax (tcc_ptr)
  emitStx(buf, BPF_DW, 10, 6, -rbxOff); // mov [rbp - rbx_off], rbx
  emitMovImm64(buf, 0, BigInt(s.nrArgs)); // mov eax, nr_regs
  emitStx(buf, BPF_DW, 10, 0, -nregsOff); // mov [rbp - nregs_off], rax
  saveArgs(buf, s.nrArgs, regsOff);
  if (callOrig) {
    emitMovImm64(buf, 1, s.im); // mov rdi, im
    callAbs(buf, s.addr, s.trampEnter); // call __bpf_tramp_enter
  }
  for (const l of s.fentry) invokeProg(buf, s, l, regsOff, runCtxOff, false);
  const branches: number[] = [];
  if (s.fmodRet.length) {
    emitMovImm64(buf, 0, 0n); // xor eax, eax
    emitStx(buf, BPF_DW, 10, 0, -8); // mov [rbp-8], rax
    for (const l of s.fmodRet) {
      invokeProg(buf, s, l, regsOff, runCtxOff, true);
      buf.emit4(0x48, 0x83, 0x7d, 0xf8); // cmp qword [rbp-8], 0
      buf.emit1(0x00);
      branches.push(buf.off);
      emitNops(buf, 6); // becomes jne do_fexit
    }
  }
  if (callOrig) {
    restoreRegs(buf, s.nrArgs, regsOff);
    if (s.tailCallCtx) {
      buf.emit3(0x48, 0x8b, 0x85); // mov rax, [rbp - round_up(stack_size, 8) - 8]
      buf.imm32(-((stackSize + 7) & ~7) - 8);
    }
    callAbs(buf, s.addr, origCall); // call the original function body
    emitStx(buf, BPF_DW, 10, 0, -8); // mov [rbp-8], rax
    t.ipAfterCall = buf.off as NativeOff;
    emitNops(buf, 5);
  }
  if (s.fmodRet.length) {
    const mis = Number((s.addr + BigInt(buf.off)) % 16n);
    if (mis) emitNops(buf, 16 - mis); // align do_fexit to 16
    const target = buf.off;
    for (const at of branches) {
      const save = buf.pos;
      buf.pos = at;
      emitJccRel32(buf, 0x75, target - (at + 6)); // jne do_fexit
      buf.pos = save;
    }
  }
  for (const l of s.fexit) invokeProg(buf, s, l, regsOff, runCtxOff, false);
  if (flags.restoreRegs) restoreRegs(buf, s.nrArgs, regsOff);
  if (callOrig) {
    t.ipEpilogue = buf.off as NativeOff;
    emitMovImm64(buf, 1, s.im); // mov rdi, im
    callAbs(buf, s.addr, s.trampExit); // call __bpf_tramp_exit
  } else if (s.tailCallCtx) {
    buf.emit3(0x48, 0x8b, 0x85); // mov rax, [rbp - round_up(stack_size, 8) - 8] (tcc_ptr back)
    buf.imm32(-((stackSize + 7) & ~7) - 8);
  }
  if (saveRet) emitLdx(buf, BPF_DW, 0, 10, -8); // mov rax, [rbp-8]
  emitLdx(buf, BPF_DW, 6, 10, -rbxOff); // mov rbx, [rbp - rbx_off]
  buf.emit1(0xc9); // leave
  if (flags.skipFrame) buf.emit4(0x48, 0x83, 0xc4, 8); // add rsp, 8 (skip the traced function's frame)
  if (s.returnThunk !== null) {
    const rel = Number(BigInt.asIntN(32, s.returnThunk - (s.addr + BigInt(buf.off) + 5n)));
    emitRel32(buf, 0xe9, rel); // jmp __x86_return_thunk
  } else buf.emit1(0xc3); // ret
  t.code = buf.code();
  return t;
}

/**
 * Attaching: fentry/fexit/fmod_ret poke the target's nop5 at bpf_func into
 * `call trampoline` (BPF_MOD_CALL); detaching pokes it back to nop5.
 */
export function attachTrampolineBytes(targetBpfFunc: bigint, trampoline: bigint | null): Result<Uint8Array> {
  return patchBytes('call', targetBpfFunc, trampoline);
}

/**
 * freplace (BPF_PROG_TYPE_EXT): no trampoline; the target function's nop5 at bpf_func
 * becomes `jmp ext->bpf_func` (BPF_MOD_JUMP), so the extension runs with the target's
 * caller's frame and returns straight to that caller.
 */
export function freplaceBytes(targetBpfFunc: bigint, extBpfFunc: bigint | null): Result<Uint8Array> {
  return patchBytes('jump', targetBpfFunc, extBpfFunc);
}
