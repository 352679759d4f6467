// machine/: the only layer touching native code (Unicorn via koffi, Capstone via wasm).
export * from './machine.ts';
export { createMachine, UnicornMachine } from './unicornMachine.ts';
export { hostAllocator } from './hostMemory.ts';
export { disasm, formatInsn, insnLength, loadCapstone, capstoneLoaded, type DisasmArch, type DisasmInsn } from './capstone.ts';
export { argRegs, pcReg, retReg, spReg, regId, X86_GPRS, RV_ABI } from './regs.ts';
export { JitEngine, describeStop, type JitedProgram, type JitEngineOptions, type CodeLocation, type LoadOptions } from './jitEngine.ts';
export { X86Engine, type X86EngineOptions } from './x86Engine.ts';
export { RiscvEngine, type RiscvEngineOptions } from './riscvEngine.ts';
export { Attacher, type AttachKind, type AttachTarget, type PatchSite, type TraceKind, type TracingLink, type TrampolineImage } from './attach.ts';
