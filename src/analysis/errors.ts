// Named Diag factories for everything the analysis (our stand-in for the kernel verifier)
// rejects. Codes are stable; messages use the kernel verifier's wording (v6.13-6.18
// kernel/bpf/verifier.c) so a user can search for them.
import type { Diag, Place } from '../common/diag.ts';
import { insnIdx, srcLine } from '../common/ids.ts';
import type { BpfObject, BpfProgram } from '../object/types.ts';

export const AnCode = {
  unknownOpcode: 'verifier.unknown-opcode',
  badRegister: 'verifier.bad-register',
  fpReadOnly: 'verifier.frame-pointer-read-only',
  badLdImm64: 'verifier.bad-ld-imm64',
  jumpIntoLdImm64: 'verifier.jump-into-ld-imm64',
  jumpOutOfRange: 'verifier.jump-out-of-range',
  callOutOfRange: 'verifier.call-to-invalid-destination',
  lastInsnNotExit: 'verifier.last-insn-not-exit',
  unreachable: 'verifier.unreachable-insn',
  tooManySubprogs: 'verifier.too-many-subprogs',
  callStackTooDeep: 'verifier.call-stack-too-deep',
  combinedStackTooLarge: 'verifier.combined-stack-too-large',
  privStackTooLarge: 'verifier.priv-stack-too-large',
  tailCallStackTooLarge: 'verifier.tail-call-stack-too-large',
  tailCallWithSubprogs: 'verifier.tail-call-with-bpf2bpf',
  invalidStackAccess: 'verifier.invalid-stack-access',
  badCtxAccess: 'verifier.invalid-ctx-access',
  ldAbsNotAllowed: 'verifier.ld-abs-not-allowed',
  ldAbsNoCtx: 'verifier.ld-abs-r6-not-ctx',
  badMapRef: 'verifier.bad-map-reference',
  invalidShift: 'verifier.invalid-shift',
  divByZero: 'verifier.div-by-zero',
  invalidFunc: 'verifier.invalid-func',
  regNotInit: 'verifier.reg-not-init',
  mapFuncIncompatible: 'verifier.map-func-incompatible',
  infiniteLoop: 'verifier.infinite-loop',
  tooComplex: 'verifier.program-too-large',
  unsupported: 'analysis.unsupported',
  jitNoExceptions: 'verifier.jit-no-exceptions',
} as const;

/** Where an instruction is, with its source line (kernel find_linfo rule). */
export function insnPlace(obj: BpfObject | undefined, prog: BpfProgram, insn: number): Place {
  const place: Place = { program: prog.name, section: prog.section, insn: insnIdx(insn) };
  if (obj) place.file = obj.path;
  let rec;
  for (const r of prog.lineInfo) {
    if (r.insn <= insn) rec = r;
    else break;
  }
  if (rec) {
    place.srcFile = rec.file;
    place.line = srcLine(rec.line);
  }
  return place;
}

export interface ProgWhere {
  obj?: BpfObject;
  prog: BpfProgram;
}
const at = (w: ProgWhere, insn: number): Place => insnPlace(w.obj, w.prog, insn);
const progPlace = (w: ProgWhere): Place => {
  const p: Place = { program: w.prog.name, section: w.prog.section };
  if (w.obj) p.file = w.obj.path;
  return p;
};
const d = (code: string, message: string, place: Place): Diag => ({ code, message, place });

export const unknownOpcode = (w: ProgWhere, i: number, code: number): Diag =>
  d(AnCode.unknownOpcode, `unknown opcode ${code.toString(16).padStart(2, '0')}`, at(w, i));
export const badRegister = (w: ProgWhere, i: number, reg: number): Diag => d(AnCode.badRegister, `R${reg} is invalid`, at(w, i));
export const fpReadOnly = (w: ProgWhere, i: number): Diag => d(AnCode.fpReadOnly, 'frame pointer is read only', at(w, i));
export const badLdImm64 = (w: ProgWhere, i: number): Diag => d(AnCode.badLdImm64, 'invalid bpf_ld_imm64 insn', at(w, i));
export const jumpIntoLdImm64 = (w: ProgWhere, from: number, to: number): Diag =>
  d(AnCode.jumpIntoLdImm64, `jump into the middle of ldimm64 insn ${to - 1}`, at(w, from));
export const jumpOutOfRange = (w: ProgWhere, from: number, to: number): Diag =>
  d(AnCode.jumpOutOfRange, `jump out of range from insn ${from} to ${to}`, at(w, from));
export const callOutOfRange = (w: ProgWhere, from: number, to: number): Diag =>
  d(AnCode.callOutOfRange, `call to invalid destination (insn ${from} calls insn ${to})`, at(w, from));
export const lastInsnNotExit = (w: ProgWhere, last: number): Diag => d(AnCode.lastInsnNotExit, 'last insn is not an exit or jmp', at(w, last));
export const unreachableInsn = (w: ProgWhere, i: number): Diag => d(AnCode.unreachable, `unreachable insn ${i}`, at(w, i));
export const tooManySubprogs = (w: ProgWhere): Diag => d(AnCode.tooManySubprogs, 'too many subprograms (BPF_MAX_SUBPROGS is 256)', progPlace(w));
/**
 * A call chain deeper than MAX_CALL_FRAMES. Symbolic execution (check_func_call) says
 * "the call stack of 9 frames is too deep" when it follows static calls (recursion too);
 * check_max_stack_depth, which also follows global calls, adds " !".
 */
export const callStackTooDeep = (w: ProgWhere, i: number, frames: number, how: 'do_check' | 'max_stack' | 'recursion'): Diag =>
  d(
    AnCode.callStackTooDeep,
    `the call stack of ${frames} frames is too deep${how === 'max_stack' ? ' !' : how === 'recursion' ? ' (recursive bpf2bpf call)' : ''}`,
    at(w, i),
  );
export const combinedStackTooLarge = (w: ProgWhere, i: number, calls: number, depth: number): Diag =>
  d(AnCode.combinedStackTooLarge, `combined stack size of ${calls} calls is ${depth}. Too large`, at(w, i));
export const privStackTooLarge = (w: ProgWhere, i: number, subprog: number, depth: number): Diag =>
  d(AnCode.privStackTooLarge, `stack size of subprog ${subprog} is ${depth}. Too large`, at(w, i));
export const tailCallStackTooLarge = (w: ProgWhere, i: number, depth: number): Diag =>
  d(AnCode.tailCallStackTooLarge, `tail_calls are not allowed when call stack of previous frames is ${depth} bytes. Too large`, at(w, i));
export const tailCallWithSubprogs = (w: ProgWhere, i: number): Diag =>
  d(AnCode.tailCallWithSubprogs, 'tail_calls are not allowed in programs with bpf-to-bpf calls', at(w, i));
/** check_stack_access_within_bounds: `extra` is ' write to', ' read from' or ' indirect access to'. */
export const invalidStackAccess = (w: ProgWhere, i: number, extra: string, reg: number, off: number, size: number): Diag =>
  d(AnCode.invalidStackAccess, `invalid${extra} stack R${reg} off=${off} size=${size}`, at(w, i));
export const badCtxAccess = (w: ProgWhere, i: number, off: number, size: number): Diag =>
  d(AnCode.badCtxAccess, `invalid bpf_context access off=${off} size=${size}`, at(w, i));
export const atomicIntoCtx = (w: ProgWhere, i: number, reg: number): Diag =>
  d(AnCode.badCtxAccess, `BPF_ATOMIC stores into R${reg} ctx is not allowed`, at(w, i));
export const ldAbsNotAllowed = (w: ProgWhere, i: number): Diag =>
  d(AnCode.ldAbsNotAllowed, 'BPF_LD_[ABS|IND] instructions not allowed for this program type', at(w, i));
export const ldAbsNoCtx = (w: ProgWhere, i: number): Diag => d(AnCode.ldAbsNoCtx, 'at the time of BPF_LD_ABS|IND R6 != pointer to skb', at(w, i));
export const badMapRef = (w: ProgWhere, i: number, idx: number): Diag => d(AnCode.badMapRef, `fd ${idx} is not pointing to valid bpf_map`, at(w, i));
/** check_alu_op: an immediate shift amount outside [0, operand width). */
export const invalidShift = (w: ProgWhere, i: number, imm: number): Diag => d(AnCode.invalidShift, `invalid shift ${imm}`, at(w, i));
/** check_alu_op: DIV/MOD by an immediate zero (a register divisor is patched at runtime). */
export const divByZero = (w: ProgWhere, i: number): Diag => d(AnCode.divByZero, 'div by zero', at(w, i));
/** check_helper_call: an id outside enum bpf_func_id (func_id_name says "unknown"). */
export const invalidFunc = (w: ProgWhere, i: number, id: number): Diag => d(AnCode.invalidFunc, `invalid func unknown#${id}`, at(w, i));
/** check_reg_arg(SRC_OP) on a NOT_INIT register. */
export const regNotInit = (w: ProgWhere, i: number, reg: number): Diag => d(AnCode.regNotInit, `R${reg} !read_ok`, at(w, i));
/** check_map_func_compatibility. */
export const mapFuncIncompatible = (w: ProgWhere, i: number, mapType: number, func: string, id: number): Diag =>
  d(AnCode.mapFuncIncompatible, `cannot pass map_type ${mapType} into func ${func}#${id}`, at(w, i));
/** is_state_visited: the state at a loop head repeats exactly on the current path. */
export const infiniteLoop = (w: ProgWhere, i: number): Diag => d(AnCode.infiniteLoop, `infinite loop detected at insn ${i}`, at(w, i));
/** do_check: more than BPF_COMPLEXITY_LIMIT_INSNS (1M) instructions processed. */
export const tooComplex = (w: ProgWhere, i: number, processed: number): Diag =>
  d(AnCode.tooComplex, `BPF program is too large. Processed ${processed} insn`, at(w, i));
export const unsupported = (w: ProgWhere, i: number, what: string): Diag => d(AnCode.unsupported, `bpfdbg does not model ${what}`, at(w, i));
/** check_kfunc_call: bpf_throw needs bpf_jit_supports_exceptions() (not the RISC-V JIT). */
export const jitNoExceptions = (w: ProgWhere, i: number, id: number): Diag =>
  d(AnCode.jitNoExceptions, `JIT does not support calling kfunc bpf_throw#${id}`, at(w, i));
