// The x86-64 JIT engine (jitEngine.ts holds what it shares with RISC-V): compileX86 code
// with int3 slack, per-CPU areas and private stacks with gs base and this_cpu_off set for
// the CPU that runs, and direct tail-call sites armed after JIT when their slot is
// populated (bpf_tail_call_direct_fixup), following every later prog_array update through
// the poke state machine.
import { BpfdbgError, type Diag, type Result } from '../common/diag.ts';
import type { ProgramImage } from '../analysis/types.ts';
import type { JitEnv, JitImage } from '../jit/types.ts';
import { compileX86 } from '../jit/x86_64/index.ts';
import { x86Name } from '../jit/x86_64/regs.ts';
import { DEFAULT_X86_PROFILE } from '../jit/profiles.ts';
import { KernelModel, type LoadedObject, type KernelProgram } from '../kernel/kernelModel.ts';
import { ProgArrayMap } from '../kernel/maps/progArray.ts';
import { PokeStateMachine } from '../kernel/pokes/pokeStateMachine.ts';
import type { PlacedPoke } from '../kernel/pokes/pokeDescriptor.ts';
import { JitEngine, type JitedProgram, type JitEngineOptions } from './jitEngine.ts';
import { createMachine, type UnicornMachine } from '../machine/unicornMachine.ts';
import type { JitProfile } from '../jit/types.ts';

export type X86EngineOptions = JitEngineOptions;

const noBoundary = (place: Diag['place']): BpfdbgError =>
  new BpfdbgError({ code: 'machine.no-exception-boundary', message: 'bpf_throw: no BPF program with an exception callback on the stack', place });

export class X86Engine extends JitEngine {
  readonly pokes: PokeStateMachine;
  protected readonly fillByte = 0xcc; // int3
  protected readonly r0Reg = 'rax';

  protected nativeReg(bpfReg: number): string {
    return x86Name(bpfReg);
  }

  protected override returnAddress(): bigint | undefined {
    try {
      const b = this.machine.readMem(this.machine.readReg('rsp'), 8);
      return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
    } catch {
      return undefined; // rsp itself is bad: no caller to name
    }
  }

  /**
   * bpf_throw (arch_bpf_stack_walk + bpf_stack_walker): from the trap's return address, walk
   * the rbp chain through subprogram frames to the first frame of a main program (a tail-call
   * target is one); then, as bpf_throw calls aux->bpf_exception_cb(cookie, sp, bp), the
   * trap's `ret` goes to the callback with rdi = cookie, rsi = that frame's rsp at its call,
   * rdx = its rbp.
   */
  protected override throwToBoundary(cookie: bigint): bigint {
    const m = this.machine;
    const rsp = m.readReg('rsp');
    let ip = m.readU64(rsp);
    let sp = rsp + 8n;
    let bp = m.readReg('rbp');
    for (;;) {
      const loc = this.locate(ip - 1n);
      if (!loc) throw noBoundary(this.callSitePlace()); // not called from BPF code
      if (loc.func === 0) {
        const cb = loc.prog.jit.funcs.findIndex((f) => loc.prog.jit.image.subprogs[f.subprog]?.isExceptionCb);
        if (cb < 0) throw noBoundary(this.callSitePlace());
        m.writeRegs({ rdi: cookie, rsi: sp, rdx: bp });
        m.writeU64(rsp, loc.prog.funcBases[cb]!);
        return 0n;
      }
      ip = m.readU64(bp + 8n);
      sp = bp + 16n;
      bp = m.readU64(bp);
    }
  }

  /** Creates the machine first: the model must allocate its memory from it. */
  static async create(opts: X86EngineOptions = {}): Promise<X86Engine> {
    const machine = await createMachine('x86_64');
    const { profile, countTailCalls, ...modelOpts } = opts;
    const model = new KernelModel({ ...modelOpts, allocator: machine.allocator() });
    return new X86Engine(machine, model, profile ?? DEFAULT_X86_PROFILE, countTailCalls ?? true);
  }

  private constructor(machine: UnicornMachine, model: KernelModel, profile: JitProfile, countTailCalls: boolean) {
    super(machine, model, profile, countTailCalls);
    this.pokes = new PokeStateMachine(machine, { cpusInsideBpf: () => [...this.inside] });
    model.onProgArrayChange((_idx, key, oldP, newP, map) => {
      this.pokes.update(map.id, key, this.bpfFuncOf(oldP), this.bpfFuncOf(newP));
    });
  }

  protected compile(image: ProgramImage, env: JitEnv): Result<JitImage> {
    return compileX86(image, this.profile, env);
  }

  /** Arms the direct tail-call sites whose slots are populated, then follows updates. */
  protected override afterLoad(loaded: LoadedObject, placedProgs: readonly JitedProgram[]): void {
    const placed: PlacedPoke[] = [];
    for (const p of placedProgs) {
      for (const d of p.jit.pokes) {
        const map = loaded.maps[d.mapIndex];
        if (map) placed.push({ prog: p.kernel.name, desc: d, funcAddr: p.funcBases[d.func]!, mapId: map.id });
      }
    }
    this.pokes.track(placed, (mapId, key) => {
      const map = loaded.maps.find((q) => q?.id === mapId);
      return map instanceof ProgArrayMap ? this.bpfFuncOf((map as ProgArrayMap<KernelProgram>).get(key)) : null;
    });
  }

  /** Deferred pokes may complete once every CPU left BPF code. */
  protected override onQuiescent(cpu: number): void {
    this.pokes.noteQuiescent(cpu);
  }
}
