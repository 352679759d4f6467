// The RISC-V 64 DebugArch: regmap[] of arch/riscv/net/bpf_jit_comp64.c (R0 a5, R1-R5 a0-a4,
// R6-R9 s1-s4, R10 s5), frames from the FrameLayout with s0 as the CFA (riscvUnwind.ts),
// the counter counting down from 33 in a6, in s6 (upstream, when the function both calls
// and tail-calls) or in a per-frame stack slot (tcc-on-stack), and `jalr ra` calls.
import { RV_ABI } from '../../common/arch.ts';
import { MAX_TAIL_CALL_CNT } from '../../common/kernelStructs.ts';
import { SENTINEL_ADDR } from '../../common/layout.ts';
import type { FrameLayout } from '../../jit/types.ts';
import { slotAdder, sortSlots } from '../frameSlots.ts';
import type { DebugTarget } from '../target/debugTarget.ts';
import type { CodePosition } from '../target/loadedProgram.ts';
import type { TccReading } from '../tcc.ts';
import type { MemReader, RawFrame } from '../unwind.ts';
import { hex64, type BpfRegister, type NativeRegister, type TailCallCounter } from '../view.ts';
import type { DebugArch, RegValues } from './debugArch.ts';
import { bpfFpBelowCfa, cfaAt, frameTable, savedOff } from './riscvFrame.ts';
import { unwindRiscv } from './riscvUnwind.ts';

/** x1..x31 in register-number order, then pc (as x86-64 lists rip after the GPRs). */
export const RV_NATIVE: readonly string[] = [...RV_ABI.slice(1), 'pc'];
/** BPF R0..R10 on the RISC-V JIT (regmap[]). */
export const RV_BPF_MAP: readonly string[] = ['a5', 'a0', 'a1', 'a2', 'a3', 'a4', 's1', 's2', 's3', 's4', 's5'];

const ROLES: Record<string, string> = { pc: 'pc', sp: 'sp', ra: 'return address', s0: 'frame pointer (CFA)', t0: 'AX (blinding)' };

const hasTailCalls = new WeakMap<DebugTarget, boolean>();
function anyTailCall(t: DebugTarget): boolean {
  let v = hasTailCalls.get(t);
  if (v === undefined) {
    v = t.programs.some((p) => p.image.tailCallSites.length > 0);
    hasTailCalls.set(t, v);
  }
  return v;
}

const signed = (v: bigint): number => Number(BigInt.asIntN(64, v));
const hx = (n: number): string => (n < 0 ? '-0x' + (-n).toString(16) : '+0x' + n.toString(16));

/** The prologue has not yet moved the counter out of a6 (into s6 or the slot). */
function beforeCounterMoved(t: DebugTarget, pos: CodePosition): boolean {
  return pos.off < (pos.func.frame.tccSlots.length ? frameTable(pos.func, t.disassembler).s0SetEnd : (pos.func.addrs[0] ?? 0));
}

function fromA6(regs: RegValues): TccReading {
  const v = signed(regs['a6']!);
  return { value: v, where: { kind: 'a6' }, describe: `a6 = ${v}` };
}

function reading(t: DebugTarget, frames: readonly RawFrame[], level: number, regs: RegValues, mem: MemReader): TccReading | null {
  if (!anyTailCall(t)) return null;
  const f = frames[level]!;
  const pos = f.pos;
  if (!pos) return null;
  const L = pos.func.frame;
  const frame0 = level === 0 && regs['pc'] === f.pc;
  if (frame0 && beforeCounterMoved(t, pos)) return fromA6(regs);
  const slot = L.tccSlots[0];
  if (slot) {
    const addr = f.fp + BigInt(slot.fpOff);
    const v = signed(mem.read(addr, 8) ?? 0n);
    return { value: v, where: { kind: 'stack', addr: hex64(addr), fpOff: slot.fpOff }, describe: `[s0${hx(slot.fpOff)}] = ${v}` };
  }
  if (L.tccReg === 's6') {
    // s6 is callee-saved: an inner frame that uses it holds this frame's value in its slot.
    for (let j = level - 1; j >= 0; j--) {
      const g = frames[j]!;
      const off = g.pos ? savedOff(g.pos.func.frame, 's6') : undefined;
      if (off !== undefined && !g.partial) {
        const v = signed(mem.read(g.fp + BigInt(off), 8) ?? 0n);
        return { value: v, where: { kind: 's6' }, describe: `s6 (saved by ${g.pos!.func.name} at [s0${hx(off)}]) = ${v}` };
      }
    }
    const v = signed(regs['s6']!);
    return { value: v, where: { kind: 's6' }, describe: `s6 = ${v}` };
  }
  // a6: the running function's; an outer frame sees it only where a6 passes through calls.
  if (level === 0 || t.profile.rvTcc === 'a6-passthrough') return fromA6(regs);
  return null;
}

function buildNative(values: RegValues, prevVal: Map<string, string>, hasPrev: boolean, tcc: TailCallCounter | null): NativeRegister[] {
  const bpfOf = new Map(RV_BPF_MAP.map((n, i) => [n, `R${i}`]));
  return RV_NATIVE.map((name) => {
    const value = hex64(values[name] ?? 0n);
    let role = ROLES[name] ?? null;
    if (tcc && tcc.where.kind === name) role = 'tail-call counter';
    return { name, value, changed: hasPrev && prevVal.get(name) !== value, bpf: bpfOf.get(name) ?? null, role };
  });
}

export const riscvArch: DebugArch = {
  name: 'riscv64',
  nativeRegs: RV_NATIVE,
  pcReg: 'pc',
  spReg: 'sp',
  fpReg: 's0',
  tailCallRegs: ['a1', 'a2'],
  hopFpReg: 'sp',

  bpfReg: (_t, n) => RV_BPF_MAP[n]!,

  unwind(t, regs, mem) {
    return unwindRiscv({ pc: regs['pc']!, sp: regs['sp']!, s0: regs['s0']!, ra: regs['ra']! }, t.index, mem, t.disassembler, (a) => t.trampolineAt(a));
  },

  readTcc: reading,

  counterView(r, changed) {
    return { value: r.value, used: MAX_TAIL_CALL_CNT - r.value, limit: MAX_TAIL_CALL_CNT, counts: 'down', where: r.where, describe: r.describe, changed };
  },

  readTccHere(t, pos, regs, mem) {
    const st = cfaAt(pos.func, pos.off, regs['sp']!, regs['s0']!, t.disassembler);
    const f: RawFrame = { level: 0, pc: regs['pc']!, pos, fp: st.cfa, partial: st.partial, returnAddr: 0n };
    return reading(t, [f], 0, regs, mem)?.value ?? null;
  },

  buildRegisters(_t, values, prev, _pos, tcc) {
    const prevVal = new Map((prev?.native ?? []).map((r) => [r.name, r.value]));
    const prevBpf = new Map((prev?.bpf ?? []).map((r) => [r.name, r.value]));
    const bpf: BpfRegister[] = RV_BPF_MAP.map((n, i) => {
      const value = hex64(values[n] ?? 0n);
      return { name: `R${i}`, native: n, value, changed: prev !== null && prevBpf.get(`R${i}`) !== value };
    });
    return {
      native: buildNative(values, prevVal, prev !== null, tcc),
      bpf,
      pc: hex64(values['pc'] ?? 0n),
      sp: hex64(values['sp'] ?? 0n),
      flags: [],
      privateFramePointer: null,
      tailCallCounter: tcc,
    };
  },

  bpfFp(_t, f) {
    return f.pos ? f.fp - BigInt(bpfFpBelowCfa(f.pos.func.frame)) : f.fp;
  },

  buildFrameSlots(s) {
    const { slots, add } = slotAdder(s);
    const L: FrameLayout = s.layout;
    const cfa = s.fp;
    for (const r of L.saved) {
      if (r.reg === 'ra')
        add('return-address', 'return address', 's0', cfa, r.fpOff, 8, (v) => (v === SENTINEL_ADDR ? 'sentinel (program exit)' : s.symbolize(v)));
      else if (r.reg === 's0') add('saved-fp', 'saved s0 (caller CFA)', 's0', cfa, r.fpOff, 8);
      else add('saved-reg', `saved ${r.reg}`, 's0', cfa, r.fpOff, 8);
    }
    for (const t of L.tccSlots) add('tcc', t.name, 's0', cfa, t.fpOff, t.size, (v) => `counter = ${signed(v)} (tail calls left)`);
    const below = bpfFpBelowCfa(L);
    for (let off = -8; off >= -L.stackSize; off -= 8) add('bpf-stack', `R10${off}`, 's0', cfa, off - below, 8);
    sortSlots(slots);
    return { level: s.level, func: s.func, fpReg: 's0', fp: hex64(cfa), slots };
  },

  callReturn(m, pc) {
    const b = m.readMem(pc, 4);
    const w = b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24);
    if ((w & 3) === 3) {
      const op = w & 0x7f;
      const rd = (w >>> 7) & 31;
      return (op === 0x67 || op === 0x6f) && rd === 1 ? pc + 4n : null; // jalr / jal ra
    }
    const h = w & 0xffff; // c.jalr rs1: funct4 1001, rs2 = 0, op 10
    return (h & 0xf07f) === 0x9002 && ((h >>> 7) & 31) !== 0 ? pc + 2n : null;
  },

  enteredCall(m, pos, pcBefore, spBefore) {
    if (!pos || pos.off !== 0 || m.readReg('sp') !== spBefore) return null;
    const ra = m.readReg('ra');
    return ra === pcBefore + 4n || ra === pcBefore + 2n ? ra : null;
  },

  returnedFrom(sp, fp) {
    return sp >= fp; // the epilogue's `addi sp, sp, N` leaves sp at the CFA
  },
};
