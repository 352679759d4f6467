// The abstract values and states of the abstract interpreter (absint.ts), as types only:
// the lattice operations are in absintState.ts, and the modules those use (scalarVals.ts,
// stackPtr.ts, callerFrames.ts, pktEnd.ts, linkedScalars.ts) import the shapes from here,
// so none of them imports absintState.ts back.
import type { Range } from './scalarRanges.ts';

/** Where a packet pointer lies against the packet end (pktEnd.ts). */
export type PktEnd = 'at' | 'beyond';

/** Pointers spilled in the callers' frames, by frame owner and offset (callerFrames.ts). */
export type CallerFrames = ReadonlyMap<number, ReadonlyMap<number, Val>>;

export type Val =
  | { k: 'unk' }
  | { k: 'const'; v: bigint }
  /** A scalar within a range (scalarRanges.ts); never a single value (that is 'const'). `id`: linkedScalars.ts. */
  | { k: 'scalar'; r: Range; id?: number }
  | { k: 'fp'; owner: number; off: number }
  /** A stack pointer whose offset is anywhere in [lo, hi] (stackPtr.ts). */
  | { k: 'fpvar'; owner: number; lo: number; hi: number }
  /** One of several fixed stack pointers (sorted; stackPtr.ts). */
  | { k: 'fpset'; ptrs: { owner: number; off: number }[] }
  | { k: 'map'; idx: number }
  | { k: 'mapval'; idx: number; off: number }
  | { k: 'ctx' }
  /** A pointer into skb packet data (from __sk_buff.data/data_meta), any offset. */
  | { k: 'pkt'; end?: PktEnd }
  /** __sk_buff.data_end (PTR_TO_PACKET_END). */
  | { k: 'pktend' }
  /** A socket pointer read from the ctx (PTR_TO_SOCKET/SOCK_COMMON, maybe NULL): a struct bpf_sock. */
  | { k: 'sock' }
  /** PTR_TO_TCP_SOCK (maybe NULL) from bpf_tcp_sock: a struct bpf_tcp_sock. */
  | { k: 'tcpsock' }
  /**
   * PTR_TO_BTF_ID: a kernel object pointer. `trusted` (PTR_TRUSTED, a reference, MEM_RCU)
   * loads through it are plain; other loads become BPF_PROBE_MEM (convert_ctx_accesses).
   */
  | { k: 'btf'; trusted: boolean; walk?: boolean; type?: string }
  | { k: 'func'; sub: number };

export interface AbsState {
  regs: Val[];
  /** Spilled 8-byte values in the subprog's own frame, by (negative) offset. */
  stack: Map<number, Val>;
  /**
   * Known stack bytes narrower than a spill, by offset: a constant spilled with a narrow
   * aligned store (STACK_SPILL of `size` bytes), or single STACK_ZERO bytes. What
   * get_constant_map_key (6.13+) reads to find a constant map key.
   */
  narrow?: Map<number, NarrowSlot>;
  /** Pointers spilled in the callers' frames (callerFrames.ts). */
  outer?: CallerFrames;
}
export interface NarrowSlot {
  size: number;
  v: bigint;
  zero: boolean;
  /** A spilled scalar that is not a constant (then `v` is unused). */
  val?: Val;
}
/** What a transfer function returns: the successor insns, each with its state. */
export type Successors = [number, AbsState][];
