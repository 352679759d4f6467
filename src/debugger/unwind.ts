// bpf2bpf frames from the JIT's frame layout (x86-64): every function starts with
// `push rbp; mov rbp, rsp` (at bpf_func + 5 + 2|3), so after the prologue [rbp] is the
// caller's rbp and [rbp+8] the return address; a tail call keeps the frame (the callee
// skips push/mov and inherits rbp), so hops are not frames: they come from the shadow log.
import { SENTINEL_ADDR } from '../common/layout.ts';
import type { AddressIndex } from './target/addressIndex.ts';
import type { CodePosition } from './target/loadedProgram.ts';

export interface MemReader {
  /** Little-endian unsigned value of `size` bytes at addr, or undefined when unmapped. */
  read(addr: bigint, size: number): bigint | undefined;
}

export interface CpuRegs {
  pc: bigint;
  rsp: bigint;
  rbp: bigint;
}

export interface RawFrame {
  level: number;
  /** PC for frame 0, return address for outer frames. */
  pc: bigint;
  pos: CodePosition | null;
  /** The frame's rbp once its prologue built it (else the value it will get). */
  fp: bigint;
  /** Frame 0 only: the prologue has not yet run `mov rbp, rsp` (or `leave` already ran). */
  partial: boolean;
  /** Where this frame returns to. */
  returnAddr: bigint;
}

const MAX_FRAMES = 16;

/**
 * Unwinds from the CPU state. A PC outside every JIT image (the helper trap page) counts
 * as a call made by the function whose return address is at [rsp].
 */
export function unwind(regs: CpuRegs, index: AddressIndex, mem: MemReader): RawFrame[] {
  const frames: RawFrame[] = [];
  let pc = regs.pc;
  let rbp = regs.rbp;
  let rsp = regs.rsp;
  let pos = index.lookup(pc);
  if (!pos && pc !== SENTINEL_ADDR) {
    // In a helper / thunk: its return address is on top of the stack.
    const ra = mem.read(rsp, 8);
    if (ra === undefined) return frames;
    pc = ra;
    rsp += 8n;
    pos = index.lookup(pc);
  }
  if (!pos) return frames;
  // Frame 0 may be mid-prologue or past `leave`.
  const landing = pos.func.tailCallOffset;
  const pushOff = landing - 4; // push rbp (1 byte) + mov rbp, rsp (3 bytes) end at the landing
  let fp = rbp;
  let ra: bigint | undefined;
  let callerRbp: bigint | undefined;
  let partial = false;
  const afterLeave = pos.region === 'epilogue' && mem.read(pc - 1n, 1) === 0xc9n;
  if (pos.off < landing) {
    partial = true;
    if (pos.off <= pushOff) {
      ra = mem.read(rsp, 8);
      callerRbp = rbp;
      fp = rsp - 8n;
    } else {
      ra = mem.read(rsp + 8n, 8);
      callerRbp = mem.read(rsp, 8);
      fp = rsp;
    }
  } else if (afterLeave) {
    partial = true;
    ra = mem.read(rsp, 8);
    callerRbp = rbp;
    fp = rsp - 8n;
  } else {
    ra = mem.read(rbp + 8n, 8);
    callerRbp = mem.read(rbp, 8);
  }
  frames.push({ level: 0, pc, pos, fp, partial, returnAddr: ra ?? 0n });
  while (ra !== undefined && callerRbp !== undefined && ra !== SENTINEL_ADDR && frames.length < MAX_FRAMES) {
    // The return address is right after the call; the call insn is the one before it.
    const p = index.lookup(ra);
    if (!p) break;
    const callPos = index.lookup(ra - 1n);
    const fpHere = callerRbp;
    const nextRa = mem.read(fpHere + 8n, 8);
    const nextRbp = mem.read(fpHere, 8);
    frames.push({ level: frames.length, pc: ra, pos: callPos ?? p, fp: fpHere, partial: false, returnAddr: nextRa ?? 0n });
    ra = nextRa;
    callerRbp = nextRbp;
  }
  return frames;
}
