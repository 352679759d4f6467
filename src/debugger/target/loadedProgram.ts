// A program as the debugger sees it once loaded into a machine: its analysis, its JIT
// image, where each JITed function lives in guest memory, and the object it came from.
import type { ProgramImage } from '../../analysis/types.ts';
import type { InsnIdx } from '../../common/ids.ts';
import type { JitFunction, JitImage } from '../../jit/types.ts';
import type { KernelProgram } from '../../kernel/index.ts';

export interface DebugProgram {
  name: string;
  /** Session name of its object (the qualifier of `OBJ:NAME`). */
  object: string;
  /** The kernel model's program. */
  kernel: KernelProgram;
  image: ProgramImage;
  jit: JitImage;
  /** Guest address of each function's first byte, in JitImage.funcs order (funcBases[0] = bpf_func). */
  funcBases: bigint[];
  /** Guest address of the synthesized struct bpf_prog (what prog_array slots point to). */
  progStruct: bigint;
}

export interface CodePosition {
  program: DebugProgram;
  funcIdx: number;
  func: JitFunction;
  /** Byte offset inside the function's code. */
  off: number;
  /** Xlated BPF insn index in the program image, or null in glue before insn 0. */
  insn: InsnIdx | null;
  /** The PC is the first native byte of `insn`. */
  atInsnStart: boolean;
  /** Region role ('prologue', 'tail-call', 'epilogue', ...) covering the PC, if any. */
  region: string | null;
}
