// bpf2bpf frames on the RISC-V JIT. Frame k's fp is its CFA (s0 once the prologue set it,
// = the caller's sp); its return address and its caller's CFA are in the slots the
// FrameLayout names (ra, s0), or still in the registers while the frame is being built or
// torn down (riscvFrame.ts). A tail call pops the frame before jumping, and the target
// rebuilds one at the same CFA: hops are not frames (the shadow log has them). A PC on a
// helper's trap page belongs to the caller whose `jalr ra` got there (return address in ra).
// A BPF trampoline (jit/riscv64/trampoline.ts) is a frame too: called from the traced
// function's patch site with t0 = bpf_func + 8 and ra = the traced function's return
// address, it saves [S-8] = ra and [S-16] = fp (S = its entry sp), then its own frame
// record, and runs with s0 = TF = S - 16: [TF+8] is the traced function's return address,
// [TF] its caller's CFA. While fentry programs run the traced function waits at its entry.
import { SENTINEL_ADDR } from '../../common/layout.ts';
import type { AddressIndex } from '../target/addressIndex.ts';
import type { TrampolineInfo } from '../target/objects.ts';
import { trampPhase, type MemReader, type RawFrame, type TrampLookup } from '../unwind.ts';
import { cfaAt, savedOff } from './riscvFrame.ts';
import type { Disassembler } from '../disassembler.ts';

const MAX_FRAMES = 16;

export function unwindRiscv(
  regs: { pc: bigint; sp: bigint; s0: bigint; ra: bigint },
  index: AddressIndex,
  mem: MemReader,
  dis: Disassembler,
  tramps: TrampLookup = () => null,
): RawFrame[] {
  const frames: RawFrame[] = [];
  let pc = regs.pc;
  let pos = index.lookup(pc);
  let inTrap = false;
  const tr0 = pos ? null : tramps(pc);
  if (tr0) {
    const st = trampState(tr0, pc, regs, mem);
    frames.push({
      level: 0,
      pc,
      pos: null,
      fp: st.S - 16n,
      partial: st.partial,
      returnAddr: st.ra ?? 0n,
      tramp: { info: tr0, phase: trampPhase(tr0, pc, null) },
    });
    patchSiteFrame(frames, tr0, st.S - 16n, index, mem, st.ra);
    walkOuter(frames, st.ra, st.cfa, index, mem, tramps);
    return frames;
  }
  if (!pos) {
    if (pc === SENTINEL_ADDR) return frames;
    const caller = index.lookup(regs.ra) ? null : tramps(regs.ra);
    if (caller) {
      // A kernel routine a trampoline called (`jal ra`): s0 is the trampoline's.
      const TF = regs.s0;
      frames.push({
        level: 0,
        pc: regs.ra,
        pos: null,
        fp: TF,
        partial: false,
        returnAddr: mem.read(TF + 8n, 8) ?? 0n,
        tramp: { info: caller, phase: trampPhase(caller, regs.ra, null) },
      });
      patchSiteFrame(frames, caller, TF, index, mem);
      walkOuter(frames, mem.read(TF + 8n, 8), mem.read(TF, 8), index, mem, tramps);
      return frames;
    }
    pc = regs.ra;
    pos = index.lookup(pc);
    inTrap = true;
  }
  if (!pos) return frames;
  const st = inTrap ? { cfa: regs.s0, inRegs: false, partial: false } : cfaAt(pos.func, pos.off, regs.sp, regs.s0, dis);
  const L = pos.func.frame;
  const raOff = savedOff(L, 'ra');
  const s0Off = savedOff(L, 's0');
  // A leaf (no calls) never saves ra: it stays in the register for the whole function.
  const ra = !st.inRegs && raOff !== undefined ? mem.read(st.cfa + BigInt(raOff), 8) : inTrap ? undefined : regs.ra;
  const callerCfa = st.inRegs || s0Off === undefined ? regs.s0 : mem.read(st.cfa + BigInt(s0Off), 8);
  frames.push({ level: 0, pc, pos, fp: st.cfa, partial: st.partial, returnAddr: ra ?? 0n });
  walkOuter(frames, ra, callerCfa, index, mem, tramps);
  return frames;
}

function walkOuter(frames: RawFrame[], ra: bigint | undefined, callerCfa: bigint | undefined, index: AddressIndex, mem: MemReader, tramps: TrampLookup): void {
  while (ra !== undefined && callerCfa !== undefined && ra !== SENTINEL_ADDR && frames.length < MAX_FRAMES) {
    const p = index.lookup(ra);
    if (!p) {
      const tr = tramps(ra);
      if (!tr) break;
      const TF = callerCfa;
      const back = mem.read(TF + 8n, 8);
      frames.push({
        level: frames.length,
        pc: ra,
        pos: null,
        fp: TF,
        partial: false,
        returnAddr: back ?? 0n,
        tramp: { info: tr, phase: trampPhase(tr, ra, frames.at(-1)?.pos) },
      });
      patchSiteFrame(frames, tr, TF, index, mem);
      ra = back;
      callerCfa = mem.read(TF, 8);
      continue;
    }
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
}

/** The traced function at its entry while fentry programs run: its CFA will be TF + 16 (the trampoline's entry sp). */
function patchSiteFrame(frames: RawFrame[], tr: TrampolineInfo, TF: bigint, index: AddressIndex, mem: MemReader, ra = mem.read(TF + 8n, 8)): void {
  if (frames.at(-1)?.tramp?.phase !== 'fentry') return;
  const at = tr.target.addr;
  frames.push({ level: frames.length, pc: at, pos: index.lookup(at), fp: TF + 16n, partial: true, returnAddr: ra ?? 0n, atPatchSite: true });
}

/**
 * A PC inside a trampoline: its entry sp S (TF = S - 16), the traced function's return
 * address and its caller's CFA, wherever the 8-instruction prologue or the 7-instruction
 * epilogue is (jit/riscv64/trampoline.ts; instructions are 2 or 4 bytes with RVC).
 */
function trampState(
  tr: TrampolineInfo,
  pc: bigint,
  regs: { sp: bigint; s0: bigint; ra: bigint },
  mem: MemReader,
): { S: bigint; ra: bigint | undefined; cfa: bigint | undefined; partial: boolean } {
  const code = tr.code.code;
  const starts: number[] = [];
  for (let o = 0; o < code.length; o += (code[o]! & 3) === 3 ? 4 : 2) starts.push(o);
  const i = starts.indexOf(Number(pc - tr.addr));
  const e = starts.length - i;
  const saved = (S: bigint): { S: bigint; ra: bigint | undefined; cfa: bigint | undefined; partial: boolean } => ({
    S,
    ra: mem.read(S - 8n, 8),
    cfa: mem.read(S - 16n, 8),
    partial: true,
  });
  const inRegs = (S: bigint): { S: bigint; ra: bigint | undefined; cfa: bigint | undefined; partial: boolean } => ({
    S,
    ra: regs.ra,
    cfa: regs.s0,
    partial: true,
  });
  if (i === 0) return inRegs(regs.sp);
  if (i >= 1 && i <= 3) return inRegs(regs.sp + 16n);
  if (i >= 4 && i <= 7) return saved(regs.s0);
  if (e === 5 || e === 4) return saved(regs.s0);
  if (e === 3) return { S: regs.sp + 16n, ra: regs.ra, cfa: mem.read(regs.sp, 8), partial: true };
  if (e === 2) return inRegs(regs.sp + 16n);
  if (e === 1) return inRegs(regs.sp);
  const S = regs.s0 + 16n; // the body: s0 = TF
  return { S, ra: mem.read(S - 8n, 8), cfa: mem.read(S - 16n, 8), partial: false };
}
