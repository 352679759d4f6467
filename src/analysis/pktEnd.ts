// Packet pointers compared with the packet end (kernel/bpf/verifier.c, 6.18): on the side
// of a `pkt OP pkt_end` compare where the pointer lies beyond the end, try_match_pkt_pointers
// marks that register (mark_pkt_end: BEYOND_PKT_END when it is past the end, AT_PKT_END when
// it may equal it), and is_pkt_ptr_branch_taken then decides a later compare of the marked
// register with the end. Only the compared register is marked; moving it drops the mark.
import { BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT } from '../bpf/opcodes.ts';
import type { PktEnd, Val } from './absintVal.ts';

/** flip_opcode for the four orderings. */
const FLIP: Record<number, number> = { [BPF_JGT]: BPF_JLT, [BPF_JLT]: BPF_JGT, [BPF_JGE]: BPF_JLE, [BPF_JLE]: BPF_JGE };

export interface PktEndFact {
  /** is_pkt_ptr_branch_taken's answer. */
  taken?: boolean;
  /** mark_pkt_end on the fallthrough and the taken side, of register `reg`. */
  mark?: { reg: number; fall?: PktEnd; taken?: PktEnd };
}

/** A 64-bit `dst OP src` compare of a packet pointer with the packet end; undefined when it is not one. */
export function pktEndCompare(op: number, dstReg: number, srcReg: number, dst: Val, src: Val): PktEndFact | undefined {
  let pkt: Val;
  let reg: number;
  let o = op;
  if (dst.k === 'pkt' && src.k === 'pktend') [pkt, reg] = [dst, dstReg];
  else if (dst.k === 'pktend' && src.k === 'pkt') {
    [pkt, reg] = [src, srcReg];
    o = FLIP[op] ?? -1;
  } else return undefined;
  if (pkt.k !== 'pkt' || FLIP[o] === undefined) return undefined;
  // is_pkt_ptr_branch_taken, with `pkt o pkt_end`.
  if ((o === BPF_JGT || o === BPF_JLE) && pkt.end === 'beyond') return { taken: o === BPF_JGT };
  if ((o === BPF_JLT || o === BPF_JGE) && pkt.end) return { taken: o === BPF_JGE };
  // try_match_pkt_pointers' mark_pkt_end: where `pkt > end` holds BEYOND, `pkt >= end` AT.
  switch (o) {
    case BPF_JGT:
      return { mark: { reg, taken: 'beyond' } };
    case BPF_JLE:
      return { mark: { reg, fall: 'beyond' } };
    case BPF_JGE:
      return { mark: { reg, taken: 'at' } };
    case BPF_JLT:
      return { mark: { reg, fall: 'at' } };
  }
  return undefined;
}
