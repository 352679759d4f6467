// Public API of the analysis layer: what the verifier decides and the JIT depends on.
export * from './types.ts';
export * from './ctxLayout.ts';
