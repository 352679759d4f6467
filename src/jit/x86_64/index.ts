// Public API of the x86-64 JIT.
export { compileX86, doJit, planFunction, newJob, MAX_PASSES, PADDING_PASSES } from './jit.ts';
export type { FuncJob, PassOutput } from './jit.ts';
export { CodeBuf } from './codeBuf.ts';
export { REG_MAP, x86Name } from './regs.ts';
export { frameLayoutOf } from './frameLayout.ts';
export type { FuncPlan } from './frameLayout.ts';
export { buildTrampoline, attachTrampolineBytes, freplaceBytes } from './trampoline.ts';
export type { Trampoline, TrampolineSpec, TrampLink } from './trampoline.ts';
export { patchBytes, NOP5, X86_PATCH_SIZE } from './textPoke.ts';
export type { PokeKind } from './textPoke.ts';
