// Poke descriptors and the state machine that keeps direct tail-call sites in step with
// their prog_array slots (x86-64 JIT; the RISC-V JIT has no direct tail calls).
export * from './textPoker.ts';
export * from './pokeDescriptor.ts';
export * from './textPoke.ts';
export * from './pokeStateMachine.ts';
