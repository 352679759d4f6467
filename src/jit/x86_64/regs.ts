// BPF -> x86-64 register map (arch/x86/net/bpf_jit_comp.c reg2hex[]), one reason per row.
// Indices 0..10 are BPF R0..R10; 11..14 are registers the JIT uses internally.

/** Internal register numbers beyond BPF R10 (kernel: BPF_REG_AX, AUX_REG, X86_REG_R9/R12). */
export const REG_AX = 11;
export const REG_AUX = 12;
export const REG_R9 = 13;
export const REG_R12 = 14;

interface RegRow {
  /** x86-64 register name. */
  x86: string;
  /** Low 3 bits of the register number (ModRM/SIB field). */
  hex: number;
  /** Needs REX.B/R (r8..r15). */
  ereg: boolean;
  why: string;
}

export const REG_MAP: readonly RegRow[] = [
  { x86: 'rax', hex: 0, ereg: false, why: 'R0 is the return value, and rax is the SysV return register' },
  { x86: 'rdi', hex: 7, ereg: false, why: 'R1 = arg1/ctx; SysV arg1, so helpers are called with a bare call' },
  { x86: 'rsi', hex: 6, ereg: false, why: 'R2 = arg2 = SysV arg2' },
  { x86: 'rdx', hex: 2, ereg: false, why: 'R3 = arg3 = SysV arg3' },
  { x86: 'rcx', hex: 1, ereg: false, why: 'R4 = arg4 = SysV arg4 (also the shift-count register)' },
  { x86: 'r8', hex: 0, ereg: true, why: 'R5 = arg5 = SysV arg5' },
  { x86: 'rbx', hex: 3, ereg: false, why: 'R6 callee-saved in BPF and SysV: survives helper calls' },
  { x86: 'r13', hex: 5, ereg: true, why: 'R7 callee-saved; r12 is skipped because as a base it needs a SIB byte' },
  { x86: 'r14', hex: 6, ereg: true, why: 'R8 callee-saved' },
  { x86: 'r15', hex: 7, ereg: true, why: 'R9 callee-saved' },
  { x86: 'rbp', hex: 5, ereg: false, why: 'R10 frame pointer: rbp after push rbp; mov rbp,rsp (read-only in BPF)' },
  { x86: 'r10', hex: 2, ereg: true, why: 'BPF_REG_AX: constant blinding, cmpxchg-loop save of rax' },
  { x86: 'r11', hex: 3, ereg: true, why: 'AUX_REG: JIT temp for div/mod, shifts, cmpxchg loops' },
  { x86: 'r9', hex: 1, ereg: true, why: 'X86_REG_R9: 6th SysV arg in trampolines; 6.13+ private frame pointer' },
  { x86: 'r12', hex: 4, ereg: true, why: 'X86_REG_R12: arena base (6.9+), saved on exception boundaries' },
];

const HEX = Int8Array.from(REG_MAP.map((r) => r.hex));
const EREG = Uint8Array.from(REG_MAP.map((r) => (r.ereg ? 1 : 0)));

/** Register needs a REX extension bit (kernel is_ereg). */
export const isEreg = (r: number): boolean => EREG[r] === 1;
/** Byte access needs a REX prefix: r8+, or dil/sil/bpl (kernel is_ereg_8l). */
export const isEreg8l = (r: number): boolean => EREG[r] === 1 || r === 1 || r === 2 || r === 10;
/** Low three register bits. */
export const hex = (r: number): number => HEX[r]!;
/** Name of the x86 register backing BPF/internal register r. */
export const x86Name = (r: number): string => REG_MAP[r]!.x86;

/** REX with B set when `reg` is extended (kernel add_1mod). */
export const add1mod = (byte: number, reg: number): number => (EREG[reg] ? byte | 1 : byte);
/** REX with B for r1 (rm/base) and R for r2 (reg field) (kernel add_2mod). */
export const add2mod = (byte: number, r1: number, r2: number): number => byte | (EREG[r1] ? 1 : 0) | (EREG[r2] ? 4 : 0);
/** REX with B (base), X (index), R (reg) (kernel add_3mod). */
export const add3mod = (byte: number, r1: number, r2: number, index: number): number => byte | (EREG[r1] ? 1 : 0) | (EREG[index] ? 2 : 0) | (EREG[r2] ? 4 : 0);
/** Opcode/ModRM + rm register (kernel add_1reg). */
export const add1reg = (byte: number, dst: number): number => byte + HEX[dst]!;
/** ModRM with rm = dst, reg = src (kernel add_2reg). */
export const add2reg = (byte: number, dst: number, src: number): number => byte + HEX[dst]! + (HEX[src]! << 3);
