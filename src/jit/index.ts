// Public API of the JIT layer.
export * from './types.ts';
export { compileX86, buildTrampoline, attachTrampolineBytes, freplaceBytes, patchBytes, NOP5, X86_PATCH_SIZE } from './x86_64/index.ts';
export type { Trampoline, TrampolineSpec, TrampLink, PokeKind } from './x86_64/index.ts';
export { linkImage, layoutPlacement } from './link.ts';
export type { Placement } from './link.ts';
export { X86_PROFILES, DEFAULT_X86_PROFILE, findProfile, analysisOptionsFor, tccModeFor } from './profiles.ts';
export { insnAt } from './insnAt.ts';
