// The reference interpreter: the semantics oracle every JIT is tested against. It runs a
// program's xlated instructions (ProgramImage.insns: tail calls as 0xf5) against an
// injected environment (guest memory, helpers, maps, prog lookup) so that bpf/ needs nothing
// from kernel/. One `switch` in opcodes.ts order; state is explicit so the debugger can
// single-step it (step()) and look at pc, frames and registers.
//
// Tail-call counting (reference §4.6). Default 'by-pointer' = the x86-64 JIT since 6.10
// (the kernel whose selftests expect counts 34/68 and __retval(33)): ONE counter for the
// whole call/tail-call hierarchy of an invocation, incremented only when the slot is
// populated. 'by-value' = the x86-64 JIT of 5.10-6.11: each bpf2bpf callee gets a copy
// of its caller's counter (the caller's own is unaffected by the callee's tail calls),
// and the counter is incremented before the empty-slot check.
import { BpfThrow } from './bpfThrow.ts';
import type { Insn } from './insn.ts';
import * as opcodes from './opcodes.ts';
import { BPF_FUNC } from './helperIds.ts';
import * as semantics from './semantics.ts';
import * as kstructs from '../common/kernelStructs.ts';
import { BpfdbgError, type Diag } from '../common/diag.ts';
import { insnIdx } from '../common/ids.ts';
import { ksymAddress } from '../common/kallsyms.ts';
import { BPF_MAX_LOOPS, MAX_BPF_STACK, MAX_CALL_FRAMES } from '../common/kernelLimits.ts';

// Bound once as module constants: property reads through an import binding cost a getter
// call per access under some ESM-to-CJS loaders (tsx), which dominated the interpreter loop.
const {
  BPF_ADDR_PERCPU,
  BPF_MOV,
  BPF_NEG,
  BPF_ADD,
  BPF_ALU,
  BPF_ALU64,
  BPF_AND,
  BPF_ATOMIC,
  BPF_CALL,
  BPF_CMPXCHG,
  BPF_END,
  BPF_EXIT,
  BPF_FETCH,
  BPF_FUNC_tail_call,
  BPF_IND,
  BPF_JA,
  BPF_JCOND,
  BPF_JMP,
  BPF_JMP32,
  BPF_LD,
  BPF_LDX,
  BPF_LOAD_ACQ,
  BPF_MEM,
  BPF_MEMSX,
  BPF_OR,
  BPF_PROBE_MEM,
  BPF_PROBE_MEMSX,
  BPF_PSEUDO_BTF_ID,
  BPF_PSEUDO_CALL,
  BPF_PSEUDO_FUNC,
  BPF_PSEUDO_KFUNC_CALL,
  BPF_PSEUDO_MAP_FD,
  BPF_PSEUDO_MAP_IDX,
  BPF_PSEUDO_MAP_IDX_VALUE,
  BPF_PSEUDO_MAP_VALUE,
  BPF_ST,
  BPF_STORE_REL,
  BPF_STX,
  BPF_TAIL_CALL,
  BPF_XCHG,
  BPF_XOR,
  LD_DW_IMM,
  aluOp,
  insnClass,
  isLdAbsInd,
  jmpOp,
  memMode,
  memSize,
  sizeBytes,
  srcBit,
} = opcodes;
const { alu32, alu64, atomicOp, endian, jmpTaken, U32, U64 } = semantics;
const SMP_PROCESSOR_ID = BPF_FUNC.get_smp_processor_id;
const { BPF_ARRAY_MAX_ENTRIES_OFF, BPF_ARRAY_PTRS_OFF, MAX_TAIL_CALL_CNT } = kstructs;

/** What the interpreter needs of a program (ProgramImage satisfies it structurally). */
export interface InterpProgram {
  readonly insns: readonly Insn[];
  /** Direct tail-call sites: xlated `tail_call` imm = index + 1. */
  readonly pokeSites?: readonly { readonly mapIndex: number; readonly key: number }[];
  readonly program?: { readonly name: string };
  /** Functions with their verifier stack depth; without it every frame gets MAX_BPF_STACK. */
  readonly subprogs?: readonly {
    readonly name: string;
    readonly start: number;
    readonly end: number;
    readonly stackDepth?: number;
    /** The program's exception callback, which bpf_throw enters (6.7+). */
    readonly isExceptionCb?: boolean;
  }[];
}

export type MemFaultKind = 'unmapped' | 'readonly';
export interface MemFault {
  readonly fault: MemFaultKind;
  readonly addr: bigint;
  readonly size: number;
}
export const isFault = (v: unknown): v is MemFault => typeof v === 'object' && v !== null && 'fault' in v;

/** Calls a BPF function by its code address (callbacks of bpf_loop, timers, for_each). */
export interface BpfCaller {
  callFunction(addr: bigint, args: readonly bigint[]): bigint;
  /**
   * bpf_loop(nr, fn, ctx, 0) run by the engine itself after the helper returns (its result
   * becomes the helper's): true if it will, false to call fn per iteration from the helper.
   */
  loopInGuest?(nr: bigint, fn: bigint, ctx: bigint): boolean;
}

export interface InterpEnv {
  load(addr: bigint, size: 1 | 2 | 4 | 8): bigint | MemFault;
  store(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint): MemFault | undefined;
  /** Helper `id` with r1..r5; may throw BpfdbgError. */
  callHelper(id: number, args: readonly bigint[], caller: BpfCaller): bigint;
  callKfunc?(btfId: number, args: readonly bigint[], caller: BpfCaller): bigint;
  /** LD_IMM64 PSEUDO_MAP_FD: guest address of map `index` of `prog`'s object. */
  mapAddr(prog: InterpProgram, index: number): bigint;
  /** LD_IMM64 PSEUDO_MAP_VALUE base: guest address of element 0's value. */
  mapValueAddr(prog: InterpProgram, index: number): bigint;
  /** The program whose synthesized struct bpf_prog lives at `ptr` (prog_array values). */
  progAt(ptr: bigint): InterpProgram | undefined;
  /**
   * LD_ABS/LD_IND: big-endian load of `size` bytes at packet offset `off` of the skb in
   * `ctx`; undefined when out of bounds (the kernel's rewrite then returns 0).
   */
  ldAbs?(ctx: bigint, off: number, size: 1 | 2 | 4): bigint | undefined;
  /** Top of the kernel stack BPF frames are carved from (R10 of the first frame). */
  stackTop: bigint;
  /** Code address of a BPF function (PSEUDO_FUNC); default: a synthetic address. */
  funcAddr?(prog: InterpProgram, insn: number): bigint;
  /**
   * this_cpu_off of the CPU running the program: what the verifier-made per-CPU MOV
   * (BPF_MOV64_PERCPU_REG) adds to a per-CPU pointer. Without it that insn halts.
   */
  thisCpuOff?(): bigint;
}

/**
 * How the tail-call counter behaves, by the JITs that behave so:
 *  - 'by-pointer'   x86-64 6.12+: one counter for the whole call hierarchy, counted only
 *                   when the slot is populated;
 *  - 'by-value'     x86-64 5.10-6.11 and RISC-V tcc-on-stack: each frame has its own copy
 *                   (a callee starts from its caller's count, nothing flows back), counted
 *                   before the NULL check;
 *  - 'shared-early' RISC-V tcc-a6-passthrough: one counter (a6) for the hierarchy, counted
 *                   before the NULL check (`addi a6, a6, -1` comes first);
 *  - 'rv-upstream'  RISC-V upstream: `a6 = tcc - 1` before the NULL check, where tcc is a6
 *                   in a function without calls (a failed attempt counts) and s6 in one with
 *                   calls (s6 is not written back: a failed attempt does not count).
 */
export type TccMode = 'by-pointer' | 'by-value' | 'shared-early' | 'rv-upstream';

export interface InterpOptions {
  tcc?: TccMode;
  /** Instruction budget (infinite-loop protection). */
  budget?: number;
}

export const DEFAULT_BUDGET = 10_000_000;
/** Synthetic code addresses for PSEUDO_FUNC when the env does not place code. */
const FUNC_ADDR_BASE = 0xffffffffa0000000n;
/** Room below stackTop for BPF frames (THREAD_SIZE is 16 KiB on x86-64). */
const KSTACK_LIMIT = 0x4000n;

export interface InterpFrame {
  prog: InterpProgram;
  /** R10 of this frame. */
  fp: bigint;
  /** Where the caller resumes (index in `caller`), or -1 for the entry frame. */
  retPc: number;
  caller: InterpProgram | undefined;
  /** Caller's r6..r9 (restored on exit: the JIT saves them in the callee's prologue). */
  saved: bigint[];
  /** by-value TCC: the caller's counter, restored on return. */
  callerTcc: number;
  /** A callback frame ends a nested run (BpfCaller.callFunction). */
  callback: boolean;
  mayGoto: number;
  /** Frame index where the caller's program began (restored on return). */
  callerProgBase: number;
}

export interface InterpState {
  prog: InterpProgram;
  pc: number;
  regs: readonly bigint[];
  frames: readonly InterpFrame[];
  tailCallCnt: number;
  insns: number;
  done: boolean;
}

export interface RunResult {
  r0: bigint;
  insns: number;
  tailCalls: number;
  error?: Diag;
}

class Halt extends Error {
  constructor(readonly diag: Diag) {
    super(diag.message);
  }
}

const progName = (p: InterpProgram): string | undefined => p.program?.name;

export class Interpreter implements BpfCaller {
  readonly regs: bigint[] = new Array<bigint>(12).fill(0n);
  frames: InterpFrame[] = [];
  prog!: InterpProgram;
  pc = 0;
  insns = 0;
  tailCalls = 0;
  tailCallCnt = 0;
  done = true;
  r0 = 0n;
  error: Diag | undefined;
  readonly tcc: TccMode;
  budget: number;
  /** Frame index where the running program began (entry or tail-call target). */
  progBase = 0;
  private funcs = new Map<bigint, { prog: InterpProgram; insn: number }>();

  constructor(
    readonly env: InterpEnv,
    opts: InterpOptions = {},
  ) {
    this.tcc = opts.tcc ?? 'by-pointer';
    this.budget = opts.budget ?? DEFAULT_BUDGET;
  }

  /** Prepares a run of `prog` with r1..r5 = args (r1 = ctx). */
  start(prog: InterpProgram, args: readonly bigint[] = []): void {
    this.regs.fill(0n);
    args.forEach((a, k) => (this.regs[k + 1] = BigInt.asUintN(64, a)));
    this.prog = prog;
    this.pc = 0;
    this.insns = 0;
    this.tailCalls = 0;
    this.tailCallCnt = 0;
    this.done = false;
    this.error = undefined;
    this.r0 = 0n;
    this.progBase = 0;
    this.frames = [this.newFrame(prog, this.env.stackTop, -1, undefined, false)];
    this.regs[10] = this.env.stackTop;
  }

  /** Runs to the end (or error / budget). */
  run(prog?: InterpProgram, args?: readonly bigint[]): RunResult {
    if (prog) this.start(prog, args);
    while (!this.done) this.step();
    return this.result();
  }

  result(): RunResult {
    const r: RunResult = { r0: this.r0, insns: this.insns, tailCalls: this.tailCalls };
    if (this.error) r.error = this.error;
    return r;
  }

  state(): InterpState {
    return { prog: this.prog, pc: this.pc, regs: [...this.regs], frames: [...this.frames], tailCallCnt: this.tailCallCnt, insns: this.insns, done: this.done };
  }

  /** Executes one instruction (an LD_IMM64 pair counts as one). */
  step(): void {
    if (this.done) return;
    try {
      this.exec(0);
    } catch (e) {
      this.done = true;
      if (e instanceof Halt) this.error = e.diag;
      else if (e instanceof BpfdbgError) this.error = { ...e.diag, place: { program: progName(this.prog), insn: insnIdx(this.pc), ...e.diag.place } };
      else throw e;
    }
  }

  /** BpfCaller: runs a BPF function to its exit in a new frame (bpf_loop, timer callbacks). */
  callFunction(addr: bigint, args: readonly bigint[]): bigint {
    const f = this.funcs.get(addr);
    if (!f) throw new BpfdbgError({ code: 'interp.bad-callback', message: `no BPF function at 0x${addr.toString(16)}`, place: {} });
    const savedRegs = [...this.regs];
    const savedProg = this.prog;
    const savedPc = this.pc;
    const depth = this.frames.length;
    this.pushFrame(f.prog, savedPc, savedProg, true);
    args.forEach((a, k) => (this.regs[k + 1] = BigInt.asUintN(64, a)));
    this.prog = f.prog;
    this.pc = f.insn;
    while (this.frames.length > depth) this.exec(depth);
    const r0 = this.regs[0]!;
    savedRegs.forEach((v, k) => (this.regs[k] = v));
    this.prog = savedProg;
    this.pc = savedPc;
    return r0;
  }

  private newFrame(prog: InterpProgram, fp: bigint, retPc: number, caller: InterpProgram | undefined, callback: boolean): InterpFrame {
    return { prog, fp, retPc, caller, saved: [], callerTcc: this.tailCallCnt, callback, mayGoto: BPF_MAX_LOOPS, callerProgBase: this.progBase };
  }

  /** round_up(stack_depth, 8) of the function of `prog` containing `pc` (the JIT's frame size). */
  private frameSize(prog: InterpProgram, pc: number): number {
    const subs = prog.subprogs;
    if (!subs) return MAX_BPF_STACK;
    for (const s of subs) if (pc >= s.start && pc < s.end) return s.stackDepth === undefined ? MAX_BPF_STACK : (s.stackDepth + 7) & ~7;
    return MAX_BPF_STACK;
  }

  private pushFrame(prog: InterpProgram, retPc: number, caller: InterpProgram, callback: boolean): void {
    if (this.frames.length - this.progBase >= MAX_CALL_FRAMES) this.halt('interp.call-depth', `call depth exceeds ${MAX_CALL_FRAMES} frames`);
    const top = this.frames[this.frames.length - 1];
    // The callee's frame sits below the caller's stack (callFunction: below the current one).
    const fp = top ? top.fp - BigInt(this.frameSize(this.prog, this.pc)) : this.env.stackTop;
    if (fp < this.env.stackTop - KSTACK_LIMIT) this.halt('interp.stack-overflow', 'kernel stack overflow');
    const f = this.newFrame(prog, fp, retPc, caller, callback);
    f.saved = this.regs.slice(6, 10);
    this.frames.push(f);
    this.regs[10] = fp;
  }

  private halt(code: string, message: string): never {
    throw new Halt({ code, message: `${message} at insn ${this.pc}`, place: { program: progName(this.prog), insn: insnIdx(this.pc) } });
  }

  private badInsn(code: number): never {
    return this.halt('interp.bad-insn', `unknown opcode 0x${code.toString(16).padStart(2, '0')}`);
  }

  private load(addr: bigint, size: 1 | 2 | 4 | 8): bigint {
    const v = this.env.load(addr, size);
    if (typeof v === 'bigint') return v;
    return this.memFault(v);
  }

  private store(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint): void {
    const f = this.env.store(addr, size, value);
    if (f) this.memFault(f);
  }

  private memFault(f: MemFault): never {
    const what = f.fault === 'readonly' ? 'write to read-only memory' : 'invalid memory access';
    return this.halt('interp.mem-fault', `${what}: ${f.size} bytes at 0x${f.addr.toString(16)}`);
  }

  /** Executes the insn at pc. `floor` = frame depth a nested callback run returns at. */
  private exec(floor: number): void {
    if (this.insns >= this.budget) this.halt('interp.budget', `instruction budget of ${this.budget} exhausted (infinite loop?)`);
    const insns = this.prog.insns;
    const i = insns[this.pc];
    if (!i) this.halt('interp.pc-out-of-range', `pc ${this.pc} is outside the program (${insns.length} insns)`);
    this.insns++;
    const r = this.regs;
    const code = i.code;
    switch (insnClass(code)) {
      case BPF_LD: {
        if (code === LD_DW_IMM) {
          r[i.dst] = this.ldImm64(i, insns[this.pc + 1]);
          this.pc += 2;
          return;
        }
        if (isLdAbsInd(code)) return this.ldAbs(i, floor);
        return this.badInsn(code);
      }
      case BPF_LDX: {
        const size = sizeBytes(memSize(code));
        const mode = memMode(code);
        if (mode === BPF_PROBE_MEM || mode === BPF_PROBE_MEMSX) {
          // The verifier's guarded load through an untrusted kernel pointer: where the
          // kernel's exception-table fixup would run (a fault), the destination reads 0.
          const p = this.env.load(BigInt.asUintN(64, r[i.src]! + BigInt(i.off)), size);
          const v = typeof p === 'bigint' ? p : 0n;
          r[i.dst] = mode === BPF_PROBE_MEMSX ? BigInt.asUintN(64, BigInt.asIntN(size * 8, v)) : v;
          this.pc++;
          return;
        }
        const v = this.load(BigInt.asUintN(64, r[i.src]! + BigInt(i.off)), size);
        if (memMode(code) === BPF_MEMSX) r[i.dst] = BigInt.asUintN(64, BigInt.asIntN(size * 8, v));
        else if (memMode(code) === BPF_MEM) r[i.dst] = v;
        else this.badInsn(code);
        this.pc++;
        return;
      }
      case BPF_ST: {
        const size = sizeBytes(memSize(code));
        this.store(BigInt.asUintN(64, r[i.dst]! + BigInt(i.off)), size, BigInt.asUintN(size * 8, BigInt(i.imm)));
        this.pc++;
        return;
      }
      case BPF_STX: {
        const size = sizeBytes(memSize(code));
        const addr = BigInt.asUintN(64, r[i.dst]! + BigInt(i.off));
        if (memMode(code) === BPF_MEM) this.store(addr, size, BigInt.asUintN(size * 8, r[i.src]!));
        else if (memMode(code) === BPF_ATOMIC) this.atomic(i, addr, size);
        else this.badInsn(code);
        this.pc++;
        return;
      }
      case BPF_ALU: {
        const aop = aluOp(code);
        if (aop === BPF_NEG && srcBit(code)) this.badInsn(code); // NEG has only a K form
        if (aop === BPF_END) r[i.dst] = endian(code, i.imm, r[i.dst]!);
        else r[i.dst] = alu32(aop, i.off, r[i.dst]!, srcBit(code) ? r[i.src]! : BigInt(i.imm >>> 0)) ?? this.badInsn(code);
        this.pc++;
        return;
      }
      case BPF_ALU64: {
        const aop = aluOp(code);
        if ((aop === BPF_NEG || aop === BPF_END) && srcBit(code)) this.badInsn(code); // K forms only
        if (aop === BPF_MOV && i.off !== 0 && i.off !== 8 && i.off !== 16 && i.off !== 32) {
          // off=-1 with a register source: BPF_MOV64_PERCPU_REG, dst = src + this_cpu_off.
          if (i.off === BPF_ADDR_PERCPU && srcBit(code) && this.env.thisCpuOff) {
            r[i.dst] = BigInt.asUintN(64, r[i.src]! + this.env.thisCpuOff());
            this.pc++;
            return;
          }
          // off=1 (arena cast) is arena-only.
          this.halt('interp.unsupported', `MOV with off=${i.off} (arena / per-CPU address) is not modelled`);
        }
        if (aop === BPF_END) r[i.dst] = endian(code, i.imm, r[i.dst]!);
        else r[i.dst] = alu64(aop, i.off, r[i.dst]!, srcBit(code) ? r[i.src]! : BigInt.asUintN(64, BigInt(i.imm))) ?? this.badInsn(code);
        this.pc++;
        return;
      }
      case BPF_JMP:
      case BPF_JMP32: {
        const jop = jmpOp(code);
        const is32 = insnClass(code) === BPF_JMP32;
        if (jop === BPF_JA) {
          this.pc += (is32 ? i.imm : i.off) + 1;
          return;
        }
        if (!is32) {
          if (jop === BPF_CALL) return this.call(i);
          if (jop === BPF_EXIT) return this.exit(floor);
          if (jop === BPF_TAIL_CALL) return this.tailCall(i);
          if (jop === BPF_JCOND) return this.mayGoto(i);
        }
        const b = srcBit(code) ? r[i.src]! : is32 ? BigInt(i.imm >>> 0) : BigInt.asUintN(64, BigInt(i.imm));
        const taken = jmpTaken(jop, is32, r[i.dst]!, b) ?? this.badInsn(code);
        this.pc += taken ? i.off + 1 : 1;
        return;
      }
    }
  }

  private ldImm64(i: Insn, next: Insn | undefined): bigint {
    if (!next) this.halt('interp.bad-insn', 'LD_IMM64 without its second slot');
    switch (i.src) {
      case 0:
        return (BigInt(next.imm >>> 0) << 32n) | BigInt(i.imm >>> 0);
      case BPF_PSEUDO_MAP_FD:
      case BPF_PSEUDO_MAP_IDX:
        return this.env.mapAddr(this.prog, i.imm);
      case BPF_PSEUDO_MAP_VALUE:
      case BPF_PSEUDO_MAP_IDX_VALUE:
        return BigInt.asUintN(64, this.env.mapValueAddr(this.prog, i.imm) + BigInt(next.imm >>> 0));
      case BPF_PSEUDO_FUNC:
        return this.funcAddr(this.pc + i.imm + 1);
      // __ksym: the verifier puts the kernel symbol's address there (check_pseudo_btf_id).
      case BPF_PSEUDO_BTF_ID:
        return ksymAddress(i.imm);
      default:
        return this.halt('interp.unsupported', `LD_IMM64 pseudo source ${i.src} is not supported`);
    }
  }

  private funcAddr(insn: number): bigint {
    const addr = this.env.funcAddr?.(this.prog, insn) ?? FUNC_ADDR_BASE + BigInt(this.funcs.size) * 0x10n;
    for (const [a, f] of this.funcs) if (f.prog === this.prog && f.insn === insn) return a;
    this.funcs.set(addr, { prog: this.prog, insn });
    return addr;
  }

  private atomic(i: Insn, addr: bigint, size: 1 | 2 | 4 | 8): void {
    const r = this.regs;
    const imm = i.imm;
    if (imm === BPF_LOAD_ACQ) {
      r[i.dst] = this.load(BigInt.asUintN(64, r[i.src]! + BigInt(i.off)), size);
      return;
    }
    if (imm === BPF_STORE_REL) return this.store(addr, size, BigInt.asUintN(size * 8, r[i.src]!));
    if (size !== 4 && size !== 8) return this.halt('interp.bad-insn', `atomic 0x${imm.toString(16)} on ${size} bytes`);
    const mask = size === 8 ? U64 : U32;
    const old = this.load(addr, size);
    if (imm === BPF_XCHG) {
      this.store(addr, size, r[i.src]! & mask);
      r[i.src] = old;
    } else if (imm === BPF_CMPXCHG) {
      if (old === (r[0]! & mask)) this.store(addr, size, r[i.src]! & mask);
      r[0] = old; // R0 = old value in all cases (zero-extended for W)
    } else {
      const aop = imm & ~BPF_FETCH;
      if (![BPF_ADD, BPF_OR, BPF_AND, BPF_XOR].includes(aop) || (imm & ~0xf1) !== 0) {
        this.halt('interp.bad-insn', `unknown atomic operation 0x${imm.toString(16)}`);
      }
      this.store(addr, size, atomicOp(aop, old, r[i.src]! & mask, size));
      if (imm & BPF_FETCH) r[i.src] = old;
    }
  }

  /** Legacy packet load; out of bounds returns 0 from the current function (gen_ld_abs). */
  private ldAbs(i: Insn, floor: number): void {
    const size = sizeBytes(memSize(i.code));
    if (size === 8 || !this.env.ldAbs) return this.halt('interp.unsupported', 'LD_ABS/LD_IND needs an skb context');
    const r = this.regs;
    const base = memMode(i.code) === BPF_IND ? Number(BigInt.asIntN(32, r[i.src]!)) : 0;
    const v = this.env.ldAbs(r[6]!, base + i.imm, size);
    for (let k = 1; k <= 5; k++) r[k] = 0n; // R1-R5 are clobbered, as by a helper call
    if (v === undefined) {
      r[0] = 0n;
      return this.exit(floor);
    }
    r[0] = v;
    this.pc++;
  }

  private call(i: Insn): void {
    const r = this.regs;
    if (i.src === BPF_PSEUDO_CALL) {
      const target = this.pc + i.imm + 1;
      this.pushFrame(this.prog, this.pc + 1, this.prog, false);
      this.pc = target;
      return;
    }
    const args = [r[1]!, r[2]!, r[3]!, r[4]!, r[5]!];
    if (i.src === BPF_PSEUDO_KFUNC_CALL) {
      if (!this.env.callKfunc) this.halt('interp.unsupported', `kfunc ${i.imm} is not modelled`);
      try {
        r[0] = BigInt.asUintN(64, this.env.callKfunc(i.imm, args, this));
      } catch (e) {
        if (e instanceof BpfThrow) return this.throwException(e.cookie);
        throw e;
      }
    } else {
      if (i.imm === BPF_FUNC_tail_call) this.halt('interp.bad-insn', 'bpf_tail_call must be rewritten to tail_call (0xf5) before running');
      r[0] = BigInt.asUintN(64, this.env.callHelper(i.imm, args, this));
    }
    this.pc++;
  }

  /**
   * bpf_throw: the frames of the running program's subprograms are dropped and its exception
   * callback runs in the boundary's own frame (same r10, as the JIT reuses rbp), so its exit
   * returns the callback's r0 to the boundary's caller. A callback frame (bpf_loop) in
   * between is not unwound through: the kernel's stack walk stops at the helper's frame.
   */
  private throwException(cookie: bigint): void {
    const b = this.progBase;
    if (this.frames.slice(b + 1).some((f) => f.callback)) return this.halt('interp.unsupported', 'bpf_throw from a callback frame is not supported');
    const cb = this.prog.subprogs?.find((s) => s.isExceptionCb);
    if (!cb) return this.halt('interp.bad-insn', 'bpf_throw in a program without an exception callback');
    this.frames.length = b + 1;
    const r = this.regs;
    for (let k = 0; k <= 9; k++) r[k] = 0n;
    r[1] = cookie;
    r[10] = this.frames[b]!.fp;
    this.pc = cb.start;
  }

  private exit(floor: number): void {
    const f = this.frames.pop()!;
    if (this.frames.length === 0) {
      this.r0 = this.regs[0]!;
      this.done = true;
      return;
    }
    for (let k = 0; k < 4; k++) this.regs[6 + k] = f.saved[k]!;
    if (this.tcc === 'by-value' || this.tcc === 'rv-upstream') this.tailCallCnt = f.callerTcc;
    this.progBase = f.callerProgBase;
    this.regs[10] = this.frames[this.frames.length - 1]!.fp;
    if (f.callback && this.frames.length === floor) return; // callFunction restores pc/prog
    this.prog = f.caller!;
    this.pc = f.retPc;
  }

  /** The function holding the pc makes a call (RISC-V mark_call: its TCC lives in s6). */
  private funcHasCall(): boolean {
    const insns = this.prog.insns;
    const sub = this.prog.subprogs?.find((q) => this.pc >= q.start && this.pc < q.end);
    const [lo, hi] = sub ? [sub.start, sub.end] : [0, insns.length];
    // The RISC-V JIT (6.10+) inlines bpf_get_smp_processor_id before mark_call: not a call.
    const isCall = (i: Insn): boolean => i.code === (BPF_JMP | BPF_CALL) && !(i.src === 0 && i.imm === SMP_PROCESSOR_ID);
    for (let k = lo; k < hi; k++) if (isCall(insns[k]!)) return true;
    return false;
  }

  private tailCall(i: Insn): void {
    const r = this.regs;
    let mapPtr: bigint;
    let index: bigint;
    if (i.imm > 0) {
      // Direct (poke) site: map and key are the verifier's constants, not R2/R3.
      const poke = this.prog.pokeSites?.[i.imm - 1];
      if (!poke) return this.halt('interp.bad-insn', `tail_call names poke ${i.imm - 1}, which the program lacks`);
      mapPtr = this.env.mapAddr(this.prog, poke.mapIndex);
      index = BigInt(poke.key);
    } else {
      mapPtr = r[2]!;
      index = r[3]! & U32; // (u32)index, as the JIT compares it
    }
    const fallThrough = (): void => {
      this.pc++;
    };
    const maxEntries = this.load(mapPtr + BigInt(BPF_ARRAY_MAX_ENTRIES_OFF), 4);
    if (index >= maxEntries) return fallThrough();
    if (this.tailCallCnt >= MAX_TAIL_CALL_CNT) return fallThrough();
    const early = this.tcc === 'by-value' || this.tcc === 'shared-early' || (this.tcc === 'rv-upstream' && !this.funcHasCall());
    if (early) this.tailCallCnt++; // counted before the NULL check (x86 5.10-6.11, RISC-V a6)
    const progPtr = this.load(mapPtr + BigInt(BPF_ARRAY_PTRS_OFF) + index * 8n, 8);
    if (progPtr === 0n) return fallThrough();
    const target = this.env.progAt(progPtr);
    if (!target) return this.halt('interp.bad-tail-call', `prog_array slot ${index} holds 0x${progPtr.toString(16)}, not a program`);
    if (!early) this.tailCallCnt++; // x86 6.10+, RISC-V s6: only when the slot is populated
    this.tailCalls++;
    // The target reuses the current frame: a tail call from a subprog returns to its caller.
    const f = this.frames[this.frames.length - 1]!;
    f.prog = target;
    f.mayGoto = BPF_MAX_LOOPS;
    this.progBase = this.frames.length - 1;
    this.prog = target;
    this.pc = 0;
  }

  private mayGoto(i: Insn): void {
    const f = this.frames[this.frames.length - 1]!;
    if (f.mayGoto === 0) {
      this.pc += i.off + 1;
      return;
    }
    f.mayGoto--;
    this.pc++;
  }
}

/** Runs `prog` once with the given arguments. */
export function interpret(env: InterpEnv, prog: InterpProgram, args: readonly bigint[] = [], opts: InterpOptions = {}): RunResult {
  return new Interpreter(env, opts).run(prog, args);
}
