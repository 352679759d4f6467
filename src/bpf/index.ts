// Public API of the ISA layer.
export * from './insn.ts';
export * from './opcodes.ts';
export * from './disasm.ts';
export * from './asm.ts';
export * from './semantics.ts';
export * from './interpreter.ts';
export * from './helperIds.ts';
export * from './bpfThrow.ts';
