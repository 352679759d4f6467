// Where a RISC-V JIT frame is at a given PC, from the function's FrameLayout (offsets from
// s0, the CFA = the caller's sp) and its prologue/epilogue instructions. The layout is
// not a standard frame record (ra at s0-8 only when the function calls, the old s0 next),
// so nothing is assumed beyond what the JIT reports:
//   entry .. +12           nops, `li a6, 33`, tail-call landing: nothing pushed yet (CFA = sp)
//   `addi sp, sp, -N` ..   slots stored, s0 not yet set (CFA = sp + N)
//   `addi s0, sp, N` ..    body: CFA = s0, ra and the caller's s0 in their slots
//   epilogue / tail call   after `ld s0`: CFA = sp + N; after `addi sp, sp, N`: CFA = sp
// Each function's table is decoded once (the target's Disassembler, RV64GC) from its code.
import type { Disassembler } from '../disassembler.ts';
import type { FrameLayout, JitFunction } from '../../jit/types.ts';

export interface RvFrameTable {
  /** Bytes the prologue allocates (stack_adjust): saved area + round_up(stack_depth, 16). */
  stackAdjust: number;
  /** Offset of `addi sp, sp, -N` (the tail-call landing, RV_TAILCALL_OFFSET). */
  spAdjustAt: number;
  /** Offset just past `addi s0, sp, N`: from here on s0 is the CFA. */
  s0SetEnd: number;
  /** Epilogues (the exit's and each tail call's): offsets past `ld s0` and `addi sp, sp, N`. */
  unwinds: { start: number; end: number; s0LoadEnd: number | null; spPopEnd: number | null }[];
}

/** stack_adjust from a layout: round_up(8 * saved slots (incl. the TCC slot), 16) + BPF stack. */
export function stackAdjustOf(L: FrameLayout): number {
  return Math.ceil(((L.saved.length + L.tccSlots.length) * 8) / 16) * 16 + L.stackSize;
}

/** s0 - R10: the saved area above the BPF stack. */
export const bpfFpBelowCfa = (L: FrameLayout): number => stackAdjustOf(L) - L.stackSize;

const tables = new WeakMap<JitFunction, RvFrameTable>();

const bare = (m: string): string => m.replace(/^c\./, '');

export function frameTable(f: JitFunction, dis: Disassembler): RvFrameTable {
  const hit = tables.get(f);
  if (hit) return hit;
  const insns = dis.disasm(f.code, 0n);
  const spAdjustAt = f.tailCallOffset; // the landing is the frame allocation itself
  const prologueEnd: number = f.addrs[0] ?? f.code.length;
  let s0SetEnd: number = prologueEnd;
  for (const i of insns) {
    const off = Number(i.addr);
    if (off < spAdjustAt || off >= prologueEnd) continue;
    if (['addi', 'addi4spn'].includes(bare(i.mnemonic)) && i.opStr.startsWith('s0, sp,')) {
      s0SetEnd = off + i.size;
      break;
    }
  }
  const unwinds: RvFrameTable['unwinds'] = [];
  for (const r of f.regions) {
    if (r.role !== 'epilogue' && !r.role.startsWith('tail call')) continue;
    let s0LoadEnd: number | null = null;
    let spPopEnd: number | null = null;
    for (const i of insns) {
      const off = Number(i.addr);
      if (off < r.start || off >= r.end) continue;
      const m = bare(i.mnemonic);
      if (s0LoadEnd === null && ['ld', 'ldsp'].includes(m) && i.opStr.startsWith('s0, ')) s0LoadEnd = off + i.size;
      if (spPopEnd === null && ['addi', 'addi16sp'].includes(m) && /^sp, (sp, )?[0-9]/.test(i.opStr)) spPopEnd = off + i.size;
    }
    unwinds.push({ start: r.start, end: r.end, s0LoadEnd, spPopEnd });
  }
  const t: RvFrameTable = { stackAdjust: stackAdjustOf(f.frame), spAdjustAt, s0SetEnd, unwinds };
  tables.set(f, t);
  return t;
}

/**
 * Frame 0's CFA at `off`, and whether ra / the caller's s0 are still (or again) in their
 * registers rather than in the frame's slots.
 */
export function cfaAt(f: JitFunction, off: number, sp: bigint, s0: bigint, dis: Disassembler): { cfa: bigint; inRegs: boolean; partial: boolean } {
  const t = frameTable(f, dis);
  const N = BigInt(t.stackAdjust);
  if (off <= t.spAdjustAt) return { cfa: sp, inRegs: true, partial: true };
  if (off < t.s0SetEnd) return { cfa: sp + N, inRegs: true, partial: true };
  const u = t.unwinds.find((w) => off >= w.start && off < w.end);
  if (u && u.spPopEnd !== null && off >= u.spPopEnd) return { cfa: sp, inRegs: true, partial: true };
  if (u && u.s0LoadEnd !== null && off >= u.s0LoadEnd) return { cfa: sp + N, inRegs: true, partial: true };
  return { cfa: s0, inRegs: false, partial: false };
}

/** fpOff (from s0) of a register's save slot, or undefined when the function does not save it. */
export const savedOff = (L: FrameLayout, reg: string): number | undefined => L.saved.find((s) => s.reg === reg)?.fpOff;
