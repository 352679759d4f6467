// The x86-64 DebugArch: the JIT's register map (R10 = rbp, or r9 on a 6.13+ private
// stack), rbp-chained frames (unwind.ts), the counter in rax / a stack slot / behind
// tcc_ptr (tcc.ts), `call rel32` (e8) calls.
import { buildFrameSlots } from '../frameSlots.ts';
import { buildRegisters, X86_BPF_MAP, X86_NATIVE } from '../registersView.ts';
import { counterView, readTcc } from '../tcc.ts';
import { unwind } from '../unwind.ts';
import type { DebugArch } from './debugArch.ts';

export const x86Arch: DebugArch = {
  name: 'x86_64',
  nativeRegs: X86_NATIVE,
  pcReg: 'rip',
  spReg: 'rsp',
  fpReg: 'rbp',
  tailCallRegs: ['rsi', 'rdx'],
  hopFpReg: 'rbp',

  bpfReg(t, n, pc) {
    const nat = X86_BPF_MAP[n]!;
    if (nat !== 'rbp') return nat;
    const pos = t.index.lookup(pc);
    return pos && t.privStackArea(pos.program, pos.funcIdx) ? 'r9' : nat;
  },

  unwind(t, regs, mem) {
    return unwind({ pc: regs['rip']!, rsp: regs['rsp']!, rbp: regs['rbp']! }, t.index, mem, (a) => t.trampolineAt(a));
  },

  readTcc(t, frames, level, regs, mem) {
    const f = frames[level]!;
    return f.pos ? readTcc(t.profile, f.pos, f.fp, regs['rsp']!, regs['rax']!, mem, level === 0) : null;
  },

  counterView,

  readTccHere(t, pos, regs, mem) {
    return readTcc(t.profile, pos, regs['rbp']!, regs['rsp']!, regs['rax']!, mem, true)?.value ?? null;
  },

  buildRegisters(t, values, prev, pos, tcc) {
    const priv = pos ? t.privStackArea(pos.program, pos.funcIdx) : null;
    return buildRegisters(values, prev, priv ? { areaLo: priv.lo, areaHi: priv.hi } : null, tcc);
  },

  bpfFp(t, f, regs) {
    const priv = f.pos ? t.privStackArea(f.pos.program, f.pos.funcIdx) : null;
    return priv ? (f.level === 0 ? regs['r9']! : priv.framePtr) : f.fp;
  },

  buildFrameSlots,

  callReturn(m, pc) {
    return m.readMem(pc, 1)[0] === 0xe8 ? pc + 5n : null;
  },

  enteredCall(m, pos, _pcBefore, spBefore) {
    // A bpf2bpf call lands on a function's first byte with the return address pushed.
    const rsp = m.readReg('rsp');
    return pos && pos.off === 0 && rsp === spBefore - 8n ? m.readU64(rsp) : null;
  },

  returnedFrom(sp, fp) {
    return sp > fp; // `leave; ret` pops rbp and the return address above it
  },
};
