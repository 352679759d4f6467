// bpf2bpf frames from the JIT's frame layout (x86-64): every function starts with
// `push rbp; mov rbp, rsp` (at bpf_func + 5 + 2|3), so after the prologue [rbp] is the
// caller's rbp and [rbp+8] the return address; a tail call keeps the frame (the callee
// skips push/mov and inherits rbp), so hops are not frames: they come from the shadow log.
//
// BPF trampolines (fentry/fexit/fmod_ret attached to a BPF function) are frames too: the
// traced function's patch site `call`s the trampoline before its own prologue, so the
// trampoline's frame (`push rbp; mov rbp, rsp` at T) has [T+8] = the return into the
// traced function (bpf_func + 5) and [T+16] = the traced function's own return address;
// [T] is its caller's rbp. While fentry programs run, the traced function has not
// started: it is shown as a frame at its patched entry. With fexit programs attached the
// trampoline calls the original body itself and returns past it (BPF_TRAMP_F_SKIP_FRAME).
import { SENTINEL_ADDR } from '../common/layout.ts';
import type { AddressIndex } from './target/addressIndex.ts';
import type { CodePosition } from './target/loadedProgram.ts';
import type { TrampolineInfo } from './target/objects.ts';

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
  /** A trampoline frame (pos is null): which image and what it is doing. */
  tramp?: { info: TrampolineInfo; phase: TrampPhase } | null;
  /** The traced function at its patched entry while its fentry programs run (it has not started). */
  atPatchSite?: boolean;
}

export type TrampPhase = 'fentry' | 'original' | 'fexit';
export type TrampLookup = (addr: bigint) => TrampolineInfo | null;

/**
 * Where a trampoline is, from an address inside it: past the original call (fexit
 * programs run), in the original function (the frame inside is that function), or still
 * running fentry / fmod_ret programs.
 */
export function trampPhase(info: TrampolineInfo, addr: bigint, inner: CodePosition | null | undefined): TrampPhase {
  const off = Number(addr - info.addr);
  if (info.code.ipAfterCall !== undefined && off >= info.code.ipAfterCall) return 'fexit';
  const t = info.target;
  if (inner && inner.program === t.prog && inner.funcIdx === t.funcIdx) return 'original';
  return 'fentry';
}

const MAX_FRAMES = 16;

/**
 * Unwinds from the CPU state. A PC outside every JIT image (the helper trap page) counts
 * as a call made by the function whose return address is at [rsp].
 */
export function unwind(regs: CpuRegs, index: AddressIndex, mem: MemReader, tramps: TrampLookup = () => null): RawFrame[] {
  const frames: RawFrame[] = [];
  let pc = regs.pc;
  const rbp = regs.rbp;
  let rsp = regs.rsp;
  let pos = index.lookup(pc);
  const tr0 = pos ? null : tramps(pc);
  if (tr0) {
    // Inside a trampoline: its rbp is not built yet at +0 / +1, or already popped by `leave`.
    const off = Number(pc - tr0.addr);
    const afterLeave = mem.read(pc - 1n, 1) === 0xc9n;
    const afterSkip = mem.read(pc - 5n, 5) === 0x08c48348c9n; // leave; add rsp, 8
    const T = off === 0 ? rsp - 8n : off === 1 ? rsp : afterSkip ? rsp - 16n : afterLeave ? rsp - 8n : rbp;
    const callerOf = off <= 1 || afterLeave || afterSkip ? rbp : mem.read(T, 8);
    frames.push({
      level: 0,
      pc,
      pos: null,
      fp: T,
      partial: off < 4 || afterLeave || afterSkip,
      returnAddr: mem.read(T + 16n, 8) ?? 0n,
      tramp: { info: tr0, phase: trampPhase(tr0, pc, null) },
    });
    walkOuter(frames, mem.read(T + 16n, 8), callerOf, index, mem, tramps, tr0, T);
    return frames;
  }
  if (!pos && pc !== SENTINEL_ADDR) {
    // In a helper / thunk: its return address is on top of the stack.
    const ra = mem.read(rsp, 8);
    if (ra === undefined) return frames;
    const caller = index.lookup(ra) ? null : tramps(ra);
    if (caller) {
      // A kernel routine a trampoline called (__bpf_prog_enter_recur ...): rbp is the trampoline's.
      frames.push({
        level: 0,
        pc: ra,
        pos: null,
        fp: rbp,
        partial: false,
        returnAddr: mem.read(rbp + 16n, 8) ?? 0n,
        tramp: { info: caller, phase: trampPhase(caller, ra, null) },
      });
      walkOuter(frames, mem.read(rbp + 16n, 8), mem.read(rbp, 8), index, mem, tramps, caller, rbp);
      return frames;
    }
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
  walkOuter(frames, ra, callerRbp, index, mem, tramps, null, 0n);
  return frames;
}

/** The frames outside the innermost one, from its return address and its caller's rbp. */
function walkOuter(
  frames: RawFrame[],
  ra: bigint | undefined,
  callerRbp: bigint | undefined,
  index: AddressIndex,
  mem: MemReader,
  tramps: TrampLookup,
  tramp0: TrampolineInfo | null,
  t0: bigint,
): void {
  // Frame 0 was a trampoline: its traced function may be waiting at its entry.
  if (tramp0) patchSiteFrame(frames, tramp0, t0, index, mem);
  while (ra !== undefined && callerRbp !== undefined && ra !== SENTINEL_ADDR && frames.length < MAX_FRAMES) {
    // The return address is right after the call; the call insn is the one before it.
    const p = index.lookup(ra);
    const fpHere = callerRbp;
    if (!p) {
      const tr = tramps(ra);
      if (!tr) break;
      const phase = trampPhase(tr, ra, frames.at(-1)?.pos);
      const back = mem.read(fpHere + 16n, 8);
      frames.push({ level: frames.length, pc: ra, pos: null, fp: fpHere, partial: false, returnAddr: back ?? 0n, tramp: { info: tr, phase } });
      if (phase === 'fentry') patchSiteFrame(frames, tr, fpHere, index, mem);
      ra = back;
      callerRbp = mem.read(fpHere, 8);
      continue;
    }
    const callPos = index.lookup(ra - 1n);
    const nextRa = mem.read(fpHere + 8n, 8);
    const nextRbp = mem.read(fpHere, 8);
    frames.push({ level: frames.length, pc: ra, pos: callPos ?? p, fp: fpHere, partial: false, returnAddr: nextRa ?? 0n });
    ra = nextRa;
    callerRbp = nextRbp;
  }
}

/**
 * The traced function, stopped at its patched entry while its fentry programs run: its
 * frame pointer will be T + 8 (the trampoline returns to bpf_func + 5, which pushes rbp).
 */
function patchSiteFrame(frames: RawFrame[], tr: TrampolineInfo, T: bigint, index: AddressIndex, mem: MemReader): void {
  if (frames.at(-1)?.tramp?.phase !== 'fentry') return;
  const at = tr.target.addr;
  frames.push({ level: frames.length, pc: at, pos: index.lookup(at), fp: T + 8n, partial: true, returnAddr: mem.read(T + 16n, 8) ?? 0n, atPatchSite: true });
}
