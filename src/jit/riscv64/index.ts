// Public API of the RISC-V 64 JIT.
export { compileRiscv, type RvJitOptions } from './jit.ts';
export { RV_PROFILES, RV_UPSTREAM, RV_TCC_ON_STACK, RV_TCC_A6_PASSTHROUGH, rvProfileByName, type RvTccScheme } from './profiles.ts';
export { RV_TAILCALL_OFFSET } from './prologue.ts';
export { REG_MAP, RV_REG_TCC, RV_REG_TCC_SAVED } from './regs.ts';
export { patchAuipcPair } from './reloc.ts';
