// machine/: the emulator, the only layer touching native code (Unicorn via koffi, Capstone via
// wasm). The engines that run JITed programs on it are in engine/.
export * from './machine.ts';
export { createMachine, UnicornMachine } from './unicornMachine.ts';
export { hostAllocator } from './hostMemory.ts';
export { disasm, formatInsn, insnLength, loadCapstone, capstoneLoaded, type DisasmArch, type DisasmInsn } from './capstone.ts';
export { argRegs, pcReg, retReg, spReg, regId, X86_GPRS } from './regs.ts';
