// Public API of the analysis layer: what the verifier decides and the JIT depends on.
export * from './types.ts';
export * from './ctxLayout.ts';
export { DEFAULT_KERNEL_LAYOUT, kernelLayout, layoutFromBtf, offOf, sizeOf, type KernelLayout } from './kernelLayout.ts';
export { analyzeProgram, DEFAULT_EXCEPTION_CB } from './analyzeProgram.ts';
export { AnCode } from './errors.ts';
export { INTERNAL_HELPER, genLdAbs } from './miscFixups.ts';
export { TAIL_CALL_STACK_LIMIT } from './maxStackDepth.ts';
export { analyzeLoadable } from './analyzeLoadable.ts';
