// engine/: the engines that compose jit + kernel + machine: a JIT's image loaded into an
// emulated machine with the kernel model's helpers, maps and pokes, and BPF trampolines
// attached to it (fentry/fexit/freplace).
export { JitEngine, describeStop, type JitedProgram, type JitEngineOptions, type CodeLocation, type EngineLoadOptions } from './jitEngine.ts';
export { X86Engine, type X86EngineOptions } from './x86Engine.ts';
export { RiscvEngine, type RiscvEngineOptions } from './riscvEngine.ts';
export { Attacher, type AttachKind, type AttachTarget, type TraceKind, type TracingLink, type TrampolineImage } from './attach.ts';
export type { PatchSite } from './attachArch.ts';
