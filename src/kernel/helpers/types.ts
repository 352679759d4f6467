// The helper calling convention of the model: `(k, r1..r5) => r0`, every argument and the
// result a u64 bigint. A helper reads and writes guest memory through k.space, so the
// interpreter and JITed code (whose helper calls trap into the same functions) agree.
import type { KernelLayout } from '../../analysis/kernelLayout.ts';
import type { BpfCaller } from '../../bpf/interpreter.ts';
import type { AddressSpace } from '../addressSpace.ts';
import type { BpfMap } from '../maps/base.ts';
import type { NondetSource } from '../nondet.ts';
import type { TimerTable } from './timerTable.ts';

export interface HelperContext {
  readonly space: AddressSpace;
  /** Kernel struct offsets of the modelled kernel (sk_buff, xdp_buff, ...). */
  readonly layout: KernelLayout;
  /** CPU the program runs on. */
  readonly cpu: number;
  readonly nondet: NondetSource;
  /** The virtual clock (ns). */
  now(): bigint;
  /** The map whose struct bpf_map is at `addr`. */
  mapAt(addr: bigint): BpfMap | undefined;
  /** Appends one line of bpf_trace_printk output. */
  trace(line: string): void;
  readonly timers: TimerTable;
  /** Runs a BPF function by code address in the engine that made this call. */
  readonly caller: BpfCaller;
  /** Guest scratch memory for values the kernel passes by pointer (timer callback keys). */
  scratch(bytes: Uint8Array): bigint;
}

export type Helper = (k: HelperContext, r1: bigint, r2: bigint, r3: bigint, r4: bigint, r5: bigint) => bigint;

export interface HelperDef {
  id: number;
  name: string;
  fn: Helper;
}
