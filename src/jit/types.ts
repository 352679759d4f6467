// ProgramImage -> JitImage. Pure data: bytes per function, BPF<->native tables, frame
// layouts for unwinding, poke descriptors, and the address-bearing fields (relocs) that
// the machine layer fills once it knows where things live.
import type { InsnIdx, NativeOff, SubprogIdx } from '../common/ids.ts';
import type { ProgramImage } from '../analysis/types.ts';

import type { Arch } from '../common/arch.ts';
export type { Arch };

/**
 * A JIT profile names the kernel behaviour it models.
 * x86-64 profiles: 'linux-6.18' (default: TCC by pointer, private stack adaptive,
 * return thunk), 'tcc-by-value' (5.10-6.11), 'tcc-by-pointer' (6.12), 'priv-stack-off',
 * 'priv-stack-forced', 'plain-ret'. RISC-V profiles: 'upstream', 'tcc-on-stack',
 * 'tcc-a6-passthrough'.
 */
export interface JitProfile {
  name: string;
  arch: Arch;
  /** One-line description naming the kernel behaviour modelled. */
  describes: string;
  /** x86-64: where the tail-call counter lives. */
  tcc?: 'by-value' | 'by-pointer';
  /** RISC-V: how a6 (TCC) travels across calls. */
  rvTcc?: 'upstream' | 'on-stack' | 'a6-passthrough';
  privStack: 'off' | 'adaptive' | 'forced';
  /** x86-64: `jmp __x86_return_thunk` instead of `ret` (mitigations on). */
  retThunk: boolean;
  /**
   * x86-64: indirect jumps (the indirect tail call) through `jmp __x86_indirect_thunk_rcx`
   * rel32 (X86_FEATURE_RETPOLINE) instead of `jmp rcx`. Defaults to `retThunk`.
   */
  indirectThunk?: boolean;
  /**
   * x86-64: how an indirect jump is emitted when it does not go through a thunk
   * (emit_indirect_jump, 6.18): 'jmp' (`jmp rcx`), 'jmp-int3' (`jmp rcx; int3`: kernels built
   * with CONFIG_MITIGATION_RETPOLINE or _SLS on a CPU that needs no retpoline, e.g. eIBRS),
   * 'lfence-jmp' (X86_FEATURE_RETPOLINE_LFENCE: `lfence; jmp rcx`). Default 'jmp'.
   */
  indirectPlain?: 'jmp' | 'jmp-int3' | 'lfence-jmp';
  /**
   * The kernel BTF CO-RE relocations resolve against: 'host' = the running kernel's
   * /sys/kernel/btf/vmlinux; default the BTF shipped for Linux 6.18.44.
   */
  kernelBtf?: 'host' | 'shipped';
  /** Kernel generation the verifier analysis models ('6.1', '6.12', '6.18'); default from tcc and name. */
  kernel?: '6.1' | '6.12' | '6.18';
  /** x86-64: the CPU has BMI2, so shifts by a register use shlx/shrx/sarx. Default false. */
  bmi2?: boolean;
  /**
   * x86-64: largest forward displacement encoded as rel8. 123 since the 6.13 convergence fix
   * (is_imm8_jmp_offset), 127 before (is_imm8). Default 123.
   */
  shortJumpMax?: number;
}

/** Addresses the JIT must know before emitting (their size can change the code). */
export interface JitEnv {
  /** Guest address of map `index`'s `struct bpf_map` (LD_IMM64 PSEUDO_MAP_FD). */
  mapAddr(index: number): bigint;
  /** Guest address of element 0's value of map `index` (PSEUDO_MAP_VALUE base). */
  mapValueAddr(index: number): bigint;
  /** Per-CPU offset form of function `func`'s private frame pointer (x86 `mov r9, imm`). */
  privStackPtr(func: number): bigint;
  /** Address of the per-CPU variable this_cpu_off (x86 `add r9, gs:[disp32]`). */
  thisCpuOffAddr: bigint;
}

/** A field whose bytes depend on where code and helpers are placed (filled by linkImage). */
export type Reloc =
  | { kind: 'helperCall'; at: NativeOff; helperId: number; insn: InsnIdx } // rel32 of `call`
  | { kind: 'kfuncCall'; at: NativeOff; btfId: number; insn: InsnIdx }
  | { kind: 'funcCall'; at: NativeOff; func: number; insn: InsnIdx } // bpf2bpf call rel32 / auipc+jalr
  | { kind: 'funcAddr'; at: NativeOff; func: number; insn: InsnIdx; width: number } // PSEUDO_FUNC address
  | { kind: 'retThunk'; at: NativeOff } // `jmp __x86_return_thunk` rel32
  | { kind: 'indirectThunk'; at: NativeOff; reg: string } // `jmp __x86_indirect_thunk_<reg>` rel32
  | { kind: 'mapAddr'; at: NativeOff; width: number; insn: InsnIdx } // already resolved via JitEnv; listed for masking
  | { kind: 'perCpu'; at: NativeOff; width: number } // per-CPU offsets, this_cpu_off disp32
  | { kind: 'ksymAddr'; at: NativeOff; addr: bigint }; // RISC-V emit_addr (auipc+addi) of a kernel symbol

/** Where things live in one function's frame, for unwinding and `info frame`. */
export interface FrameLayout {
  /** round_up(stack_depth, 8) on the kernel stack (0 when the private stack is used). */
  stackSize: number;
  /** Tail-call counter slots, as offsets from the frame pointer (rbp / s5 / fp). */
  tccSlots: { name: string; fpOff: number; size: number }[];
  /** Callee-saved registers pushed/stored by the prologue, in order, with their fp offsets. */
  saved: { reg: string; fpOff: number }[];
  /** Private stack: size of the BPF area and the guard words around it. */
  privStack?: { size: number; guard: bigint; guardSize: number };
  /** Native register that holds BPF R10 (rbp, r9, s5). */
  fpReg: string;
  /** Register the fpOff values above are relative to, when not fpReg (RISC-V: 's0', the CFA). */
  offBase?: string;
  /** Register holding the tail-call counter while this function runs (RISC-V: 'a6' or 's6'). */
  tccReg?: string;
}

/** struct bpf_jit_poke_descriptor, per direct tail-call site. Offsets are within the function. */
export interface PokeDescriptor {
  /** Index in the program's poke table (PokeSite.index). */
  index: number;
  /** Function whose code holds the site (poke->aux). */
  func: number;
  insn: InsnIdx;
  /** The 5-byte site at the end of the sequence: nop5, or `jmp target+adjOff`. */
  tailcallTarget: NativeOff;
  /** The 5-byte site after the limit check: `jmp out`, or nop5 when armed. */
  tailcallBypass: NativeOff;
  /** `out` = tailcallTarget + 5. */
  bypassAddr: NativeOff;
  /** X86_TAIL_CALL_OFFSET (added to the target's bpf_func). */
  adjOff: number;
  mapIndex: number;
  key: number;
}

export interface JitFunction {
  name: string;
  subprog: SubprogIdx;
  /** First xlated instruction of this function in ProgramImage.insns. */
  insnStart: InsnIdx;
  insnCount: number;
  /** Final bytes; reloc fields hold zeros (or JitEnv-resolved values for mapAddr/perCpu). */
  code: Uint8Array;
  /**
   * addrs[k] = native offset where local insn k starts; addrs[insnCount] = code end of
   * the last insn. (The kernel's addrs[] shifted by one; LD_IMM64 second slots repeat.)
   */
  addrs: NativeOff[];
  frame: FrameLayout;
  relocs: Reloc[];
  /** Offset a tail call jumps to (X86_TAIL_CALL_OFFSET; RISC-V: past the TCC init). */
  tailCallOffset: number;
  /** Native offset ranges with a role, for annotation (prologue, epilogue, tail call...). */
  regions: CodeRegion[];
}

/** A native offset range of a JITed function with its role (prologue, epilogue, tail call, extable...). */
export interface CodeRegion {
  start: NativeOff;
  end: NativeOff;
  role: string;
  insn?: InsnIdx;
}

/** What a call instruction targets: a helper id, a kfunc BTF id, or a function index. */
export type CallKind = 'helper' | 'kfunc' | 'func';

export interface JitImage {
  arch: Arch;
  profile: JitProfile;
  image: ProgramImage;
  /** Kernel layout order: the main function first, then its subprograms. */
  funcs: JitFunction[];
  pokes: PokeDescriptor[];
  /** Passes until convergence (for benchmarks and curiosity). */
  passes: number;
}
