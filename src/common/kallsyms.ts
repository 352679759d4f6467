// The model kernel's kallsyms: every kernel function or variable a program names has an
// address derived from its id in the kernel's BTF, so each layer computes the same one
// without a shared table: libbpf writes typeless `__ksym` addresses into ld_imm64 (object
// layer), the verifier does the same for typed ones (BPF_PSEUDO_BTF_ID), and the JITs
// call kfuncs there. The range is the kfunc trap area (layout.ts), in the kernel image
// like real symbols (so the JIT picks the sign-extended imm32 `mov` a real
// 0xffffffff8... address gets); a call there stops as "kfunc X is not modelled".
import { HELPER_STRIDE, KFUNC_BASE, PAGE_SIZE } from './layout.ts';

/** Kernel BTF ids the area covers (vmlinux 6.18 has about 150k types). */
export const KSYM_MAX_BTF_ID = 0x40000;
/** Pages of the kfunc trap area. */
export const KFUNC_TRAP_PAGES = Number((BigInt(KSYM_MAX_BTF_ID) * HELPER_STRIDE) / BigInt(PAGE_SIZE));

/** Address of the kernel symbol whose vmlinux BTF id is `btfId` (FUNC or VAR). */
export function ksymAddress(btfId: number): bigint {
  return KFUNC_BASE + BigInt(btfId % KSYM_MAX_BTF_ID) * HELPER_STRIDE;
}

/** The kernel BTF id of a kfunc-area address, or undefined outside it. */
export function ksymBtfIdAt(addr: bigint): number | undefined {
  const off = addr - KFUNC_BASE;
  if (off < 0n || off >= BigInt(KSYM_MAX_BTF_ID) * HELPER_STRIDE || off % HELPER_STRIDE !== 0n) return undefined;
  return Number(off / HELPER_STRIDE);
}
