// View.frames and View.callChain from the unwound frames plus the tail-call shadow log:
// a hop never makes a frame (the callee inherits rbp), so each frame lists the programs
// that ran in it before the current one as `replaced`, with the counter after each hop.
import type { DebugArch, RegValues } from './arch/debugArch.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import type { HopRecord } from './tailCalls.ts';
import type { MemReader, RawFrame } from './unwind.ts';
import { hex64, type CallChainEntry, type Frame, type SourceRef } from './view.ts';

export function sourceRef(t: DebugTarget, f: RawFrame): SourceRef | null {
  if (!f.pos || f.pos.insn === null) return null;
  const s = f.pos.program.image.sourceOf(f.pos.insn as never);
  return s ? { file: s.file, line: s.line, col: s.col, text: s.text } : null;
}

export function buildFrames(
  t: DebugTarget, arch: DebugArch, raw: RawFrame[], hops: readonly HopRecord[], regs: RegValues, mem: MemReader, selected: number,
): Frame[] {
  return raw.map((f, k) => {
    const pos = f.pos!;
    const priv = t.privStackArea(pos.program, pos.funcIdx);
    const tcc = arch.readTcc(t, raw, k, regs, mem);
    return {
      level: f.level,
      program: pos.program.name,
      func: pos.func.name,
      subprog: pos.func.subprog,
      insn: pos.insn,
      nativeAddr: hex64(f.pc),
      fp: hex64(f.fp),
      bpfFp: hex64(arch.bpfFp(t, f, regs)),
      privateStack: priv !== null,
      tcc: tcc?.value ?? null,
      replaced: hops.filter((h) => h.fp === f.fp).map(({ fp: _fp, ...h }) => h),
      source: sourceRef(t, f),
      selected: f.level === selected,
    };
  });
}

/** `countsDown`: the counter is what is left (RISC-V), so it was one higher before the first hop. */
export function buildCallChain(frames: readonly Frame[], countsDown = false): CallChainEntry[] {
  const chain: CallChainEntry[] = [];
  for (let k = frames.length - 1; k >= 0; k--) {
    const f = frames[k]!;
    const kind = k === frames.length - 1 ? 'entry' : 'call';
    if (f.replaced.length === 0) {
      chain.push({ kind, program: f.program, func: f.func, insn: f.insn, frame: f.level, tcc: f.tcc });
      continue;
    }
    const first = f.replaced[0]!;
    chain.push({ kind, program: first.program, func: first.func, insn: first.insn, frame: f.level, tcc: countsDown ? first.tcc + 1 : first.tcc - 1 });
    f.replaced.forEach((h, i) => {
      const next = f.replaced[i + 1];
      chain.push({
        kind: 'tail-call', program: h.to, func: next ? next.func : f.func, insn: next ? next.insn : f.insn, frame: f.level, tcc: h.tcc,
      });
    });
  }
  return chain;
}
