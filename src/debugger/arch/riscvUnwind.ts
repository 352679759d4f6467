// bpf2bpf frames on the RISC-V JIT. Frame k's fp is its CFA (s0 once the prologue set it,
// = the caller's sp); its return address and its caller's CFA are in the slots the
// FrameLayout names (ra, s0), or still in the registers while the frame is being built or
// torn down (riscvFrame.ts). A tail call pops the frame before jumping, and the target
// rebuilds one at the same CFA: hops are not frames (the shadow log has them). A PC on a
// helper's trap page belongs to the caller whose `jalr ra` got there (return address in ra).
import { SENTINEL_ADDR } from '../../common/layout.ts';
import type { AddressIndex } from '../target/addressIndex.ts';
import type { MemReader, RawFrame } from '../unwind.ts';
import { cfaAt, savedOff } from './riscvFrame.ts';

const MAX_FRAMES = 16;

export function unwindRiscv(regs: { pc: bigint; sp: bigint; s0: bigint; ra: bigint }, index: AddressIndex, mem: MemReader): RawFrame[] {
  const frames: RawFrame[] = [];
  let pc = regs.pc;
  let pos = index.lookup(pc);
  let inTrap = false;
  if (!pos) {
    if (pc === SENTINEL_ADDR) return frames;
    pc = regs.ra;
    pos = index.lookup(pc);
    inTrap = true;
  }
  if (!pos) return frames;
  const st = inTrap ? { cfa: regs.s0, inRegs: false, partial: false } : cfaAt(pos.func, pos.off, regs.sp, regs.s0);
  const L = pos.func.frame;
  const raOff = savedOff(L, 'ra');
  const s0Off = savedOff(L, 's0');
  // A leaf (no calls) never saves ra: it stays in the register for the whole function.
  let ra = !st.inRegs && raOff !== undefined ? mem.read(st.cfa + BigInt(raOff), 8) : inTrap ? undefined : regs.ra;
  let callerCfa = st.inRegs || s0Off === undefined ? regs.s0 : mem.read(st.cfa + BigInt(s0Off), 8);
  frames.push({ level: 0, pc, pos, fp: st.cfa, partial: st.partial, returnAddr: ra ?? 0n });
  while (ra !== undefined && callerCfa !== undefined && ra !== SENTINEL_ADDR && frames.length < MAX_FRAMES) {
    const p = index.lookup(ra);
    if (!p) break;
    const callPos = index.lookup(ra - 1n) ?? p; // the jalr of the call insn ends right before ra
    const cfa = callerCfa;
    const cl = callPos.func.frame;
    const cRa = savedOff(cl, 'ra');
    const cS0 = savedOff(cl, 's0');
    const nextRa = cRa === undefined ? undefined : mem.read(cfa + BigInt(cRa), 8);
    const nextCfa = cS0 === undefined ? undefined : mem.read(cfa + BigInt(cS0), 8);
    frames.push({ level: frames.length, pc: ra, pos: callPos, fp: cfa, partial: false, returnAddr: nextRa ?? 0n });
    ra = nextRa;
    callerCfa = nextCfa;
  }
  return frames;
}
