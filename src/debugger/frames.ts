// View.frames and View.callChain from the unwound frames plus the tail-call shadow log:
// a hop never makes a frame (the callee inherits rbp), so each frame lists the programs
// that ran in it before the current one as `replaced`, with the counter after each hop.
import type { DebugArch, RegValues } from './arch/debugArch.ts';
import type { DebugTarget } from './target/debugTarget.ts';
import type { HopRecord } from './tailCalls.ts';
import type { MemReader, RawFrame } from './unwind.ts';
import { hex64, type CallChainEntry, type Frame, type SourceRef } from './view.ts';

export function sourceRef(f: RawFrame): SourceRef | null {
  if (!f.pos || f.pos.insn === null) return null;
  const s = f.pos.program.image.sourceOf(f.pos.insn);
  return s ? { file: s.file, line: s.line, col: s.col, text: s.text } : null;
}

export function buildFrames(
  t: DebugTarget,
  arch: DebugArch,
  raw: RawFrame[],
  hops: readonly HopRecord[],
  regs: RegValues,
  mem: MemReader,
  selected: number,
): Frame[] {
  const o = t.objects;
  return raw.map((f, k) => {
    const tr = f.tramp;
    if (tr || !f.pos) {
      const info = tr?.info;
      return {
        level: f.level,
        program: info ? o.displayName(info.target.prog) : '?',
        object: info?.target.prog.object,
        trampoline: info
          ? {
              symbol: info.symbol,
              addr: hex64(info.addr),
              target: { program: o.displayName(info.target.prog), func: info.target.func },
              phase: tr!.phase,
              fentry: info.fentry,
              fexit: info.fexit,
              fmodRet: info.fmodRet,
            }
          : null,
        atPatchSite: false,
        replacing: null,
        func: info?.symbol ?? '?',
        subprog: 0,
        insn: null,
        nativeAddr: hex64(f.pc),
        fp: hex64(f.fp),
        bpfFp: hex64(f.fp),
        privateStack: false,
        tcc: null,
        replaced: [],
        source: null,
        selected: f.level === selected,
      };
    }
    const pos = f.pos;
    const priv = t.privStackArea(pos.program, pos.funcIdx);
    // A function waiting at its patched entry has built nothing yet: no counter to read.
    const tcc = f.atPatchSite ? null : arch.readTcc(t, raw, k, regs, mem);
    // An freplace program entered through the patch site at a function's entry (jmp).
    const ext = pos.funcIdx === 0 ? o.links.find((l) => l.kind === 'freplace' && l.prog === pos.program) : undefined;
    return {
      level: f.level,
      program: o.displayName(pos.program),
      object: pos.program.object,
      trampoline: null,
      atPatchSite: f.atPatchSite ?? false,
      replacing: ext ? { program: o.displayName(ext.target.prog), func: ext.target.func } : null,
      func: pos.func.name,
      subprog: pos.func.subprog,
      insn: pos.insn,
      nativeAddr: hex64(f.pc),
      fp: hex64(f.fp),
      bpfFp: hex64(arch.bpfFp(t, f, regs)),
      privateStack: priv !== null,
      tcc: tcc?.value ?? null,
      replaced: hops.filter((h) => h.fp === f.fp).map(({ fp: _fp, ...h }) => h),
      source: sourceRef(f),
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
        kind: 'tail-call',
        program: h.to,
        func: next ? next.func : f.func,
        insn: next ? next.insn : f.insn,
        frame: f.level,
        tcc: h.tcc,
      });
    });
  }
  return chain;
}
