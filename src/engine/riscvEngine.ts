// The RISC-V 64 JIT engine (jitEngine.ts holds what it shares with x86-64): compileRiscv
// code under one of the RISC-V profiles, linked with auipc pairs, on Unicorn's riscv64.
// RISC-V has no direct tail calls and no text poking (no poke descriptors in any kernel
// version): a prog_array update is only a store into ptrs[index], which the kernel model
// already makes, so the engine adds nothing to it. Slack between functions is zero
// bytes: `c.unimp`, an illegal instruction.
import type { Result } from '../common/diag.ts';
import type { ProgramImage } from '../analysis/types.ts';
import type { JitEnv, JitImage, JitProfile } from '../jit/types.ts';
import { compileRiscv, RV_UPSTREAM, type RvJitOptions } from '../jit/riscv64/index.ts';
import { KernelModel } from '../kernel/kernelModel.ts';
import { threadInfoAddr } from '../kernel/perCpu.ts';
import { bpfToRv } from '../jit/riscv64/regs.ts';
import { RV_ABI } from '../common/arch.ts';
import { JitEngine, type JitEngineOptions } from './jitEngine.ts';
import { createMachine, type UnicornMachine } from '../machine/unicornMachine.ts';

export interface RiscvEngineOptions extends JitEngineOptions {
  /** RISC-V JIT options (RVC on by default, as distribution kernels). */
  jit?: RvJitOptions;
}

export class RiscvEngine extends JitEngine {
  readonly pokes = null;
  protected readonly fillByte = 0x00;
  /**
   * R0 is a5; the exit copies it into a0 sign-extended from 32 bits (`addiw a0, a5, 0`, the
   * psABI's form of bpf_func's `unsigned int`) and leaves a5 alone, so a5 at the sentinel
   * is the program's full R0 and its low 32 bits are what the kernel's caller gets.
   */
  protected readonly r0Reg = 'a5';

  protected nativeReg(bpfReg: number): string {
    return RV_ABI[bpfToRv(bpfReg)]!;
  }

  /** RISC-V: tp points at the thread_info of the task this CPU runs (per-CPU MOV, smp id). */
  override selectCpu(cpu: number): void {
    super.selectCpu(cpu);
    this.machine.writeReg('tp', threadInfoAddr(cpu));
  }

  protected override returnAddress(): bigint | undefined {
    return this.machine.readReg('ra');
  }

  /** Creates the machine first: the model must allocate its memory from it. */
  static async create(opts: RiscvEngineOptions = {}): Promise<RiscvEngine> {
    const machine = await createMachine('riscv64');
    const { profile, countTailCalls, jit, ...modelOpts } = opts;
    const model = new KernelModel({ ...modelOpts, allocator: machine.allocator() });
    return new RiscvEngine(machine, model, profile ?? RV_UPSTREAM, countTailCalls ?? true, jit ?? {});
  }

  private constructor(
    machine: UnicornMachine,
    model: KernelModel,
    profile: JitProfile,
    countTailCalls: boolean,
    private readonly jitOpts: RvJitOptions,
  ) {
    if (profile.arch !== 'riscv64') throw new Error(`RiscvEngine: profile ${profile.name} is for ${profile.arch}`);
    super(machine, model, profile, countTailCalls);
  }

  /** CONFIG_RISCV_ISA_C of this engine's JIT (trampolines compress like the programs). */
  get rvc(): boolean {
    return this.jitOpts.rvc ?? true;
  }

  protected compile(image: ProgramImage, env: JitEnv): Result<JitImage> {
    return compileRiscv(image, this.profile, env, this.jitOpts);
  }
}
