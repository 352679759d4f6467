// Per-CPU private stacks (x86-64, 6.13+): each function the verifier marks
// PRIV_STACK_ADAPTIVE gets round_up(stack_depth, 8) + 2 * 8 bytes in every CPU's per-CPU
// area, with the guard word 0xEB9F12345678EB9F at both ends (bpf_jit_alloc_priv_stack).
// The JIT loads r9 with the per-CPU *offset* of the frame top and adds this CPU's
// this_cpu_off (`add r9, gs:[this_cpu_off]`), as the kernel does.
import { NR_CPUS, PERCPU_BASE, PERCPU_CPU_STRIDE, THIS_CPU_OFF_ADDR } from '../common/layout.ts';
import { PRIV_STACK_GUARD_SZ, PRIV_STACK_GUARD_VAL } from '../common/kernelStructs.ts';
import type { AddressSpace } from './addressSpace.ts';

/** Bytes mapped per CPU: this_cpu_off lives at THIS_CPU_OFF_ADDR, private stacks above PRIV_START. */
export const PERCPU_AREA_SIZE = 0x40000;
const PRIV_START = 0x20000;
/**
 * Per-CPU pointers in the kernel are offsets that do not fit 32 bits (the 6.18 bytes load
 * them with a 10-byte movabs). We bias ours the same way so the code has the kernel's size:
 * this_cpu_off(cpu) = cpu's area - PERCPU_PTR_BIAS, and offset + this_cpu_off = the address.
 */
export const PERCPU_PTR_BIAS = 0x600000000000n;

export interface PrivStackBlock {
  /** Offset of the block (its low guard) inside each CPU's per-CPU area. */
  off: number;
  /** round_up(stack_depth, 8): the BPF stack between the guards. */
  size: number;
  /** Per-CPU pointer (offset form) of the frame top: what the JIT moves into r9. */
  framePtr: bigint;
  owner: string;
}

/** gs base of `cpu`'s per-CPU area. */
export const perCpuBase = (cpu: number): bigint => PERCPU_BASE + BigInt(cpu) * PERCPU_CPU_STRIDE;
/** this_cpu_off of `cpu` (what gs:[THIS_CPU_OFF_ADDR] holds). */
export const thisCpuOff = (cpu: number): bigint => BigInt.asUintN(64, perCpuBase(cpu) - PERCPU_PTR_BIAS);

export class PrivStackAllocator {
  private next = PRIV_START;
  private blocks = new Map<string, PrivStackBlock>();

  constructor(private readonly space: AddressSpace) {
    for (let c = 0; c < NR_CPUS; c++) {
      const base = perCpuBase(c);
      if (!space.regionAt(base)) space.map(`percpu cpu${c}`, base, PERCPU_AREA_SIZE);
      space.mustStore(base + THIS_CPU_OFF_ADDR, 8, thisCpuOff(c));
    }
  }

  /** The block of function `func` of program `owner`, allocated (with guards) on first use. */
  allocate(owner: string, func: number, stackDepth: number): PrivStackBlock {
    const key = `${owner}/${func}`;
    const found = this.blocks.get(key);
    if (found) return found;
    const size = (stackDepth + 7) & ~7;
    const total = size + 2 * PRIV_STACK_GUARD_SZ;
    if (this.next + total > PERCPU_AREA_SIZE) throw new Error('per-CPU area exhausted by private stacks');
    const b: PrivStackBlock = { off: this.next, size, framePtr: PERCPU_PTR_BIAS + BigInt(this.next + PRIV_STACK_GUARD_SZ + size), owner: key };
    this.next += (total + 15) & ~15;
    for (let c = 0; c < NR_CPUS; c++) {
      const lo = perCpuBase(c) + BigInt(b.off);
      this.space.mustStore(lo, 8, PRIV_STACK_GUARD_VAL);
      this.space.mustStore(lo + BigInt(PRIV_STACK_GUARD_SZ + size), 8, PRIV_STACK_GUARD_VAL);
    }
    this.blocks.set(key, b);
    return b;
  }

  all(): PrivStackBlock[] {
    return [...this.blocks.values()];
  }

  /**
   * Guard check as the kernel does it when the program is freed ("BPF private stack
   * overflow/underflow detected"): the blocks whose guards changed on some CPU.
   */
  corrupted(): { block: PrivStackBlock; cpu: number; side: 'overflow' | 'underflow' }[] {
    const out: { block: PrivStackBlock; cpu: number; side: 'overflow' | 'underflow' }[] = [];
    for (const b of this.blocks.values())
      for (let c = 0; c < NR_CPUS; c++) {
        const lo = perCpuBase(c) + BigInt(b.off);
        if (this.space.load(lo, 8) !== PRIV_STACK_GUARD_VAL) out.push({ block: b, cpu: c, side: 'overflow' });
        if (this.space.load(lo + BigInt(PRIV_STACK_GUARD_SZ + b.size), 8) !== PRIV_STACK_GUARD_VAL) out.push({ block: b, cpu: c, side: 'underflow' });
      }
    return out;
  }
}
