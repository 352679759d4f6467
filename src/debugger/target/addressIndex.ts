// Native address -> (program, function, BPF insn): the reverse of the JIT's addrs[] table,
// as `bpftool prog dump jited linum` and the kernel's jited_linfo use it.
import type { JitFunction } from '../../jit/types.ts';
import type { CodePosition, LoadedProgram } from './loadedProgram.ts';

interface Span {
  lo: bigint;
  hi: bigint;
  program: LoadedProgram;
  funcIdx: number;
}

export class AddressIndex {
  private spans: Span[] = [];

  constructor(programs: readonly LoadedProgram[]) {
    for (const p of programs)
      p.jit.funcs.forEach((f, i) => {
        const lo = p.funcBases[i]!;
        this.spans.push({ lo, hi: lo + BigInt(f.code.length), program: p, funcIdx: i });
      });
    this.spans.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  }

  /** The function and BPF insn holding `addr`, or null outside every JIT image. */
  lookup(addr: bigint): CodePosition | null {
    let lo = 0, hi = this.spans.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.spans[mid]!;
      if (addr < s.lo) hi = mid - 1;
      else if (addr >= s.hi) lo = mid + 1;
      else {
        const func = s.program.jit.funcs[s.funcIdx]!;
        const off = Number(addr - s.lo);
        const local = insnAt(func, off);
        return {
          program: s.program,
          funcIdx: s.funcIdx,
          func,
          off,
          insn: local === null ? null : func.insnStart + local,
          atInsnStart: local !== null && func.addrs[local] === off,
          region: func.regions.find((r) => r.start <= off && off < r.end)?.role ?? null,
        };
      }
    }
    return null;
  }

  /** Guest address of the first native byte of xlated insn `insn` of `program`. */
  addressOf(program: LoadedProgram, insn: number): bigint | null {
    for (let i = 0; i < program.jit.funcs.length; i++) {
      const f = program.jit.funcs[i]!;
      if (insn >= f.insnStart && insn < f.insnStart + f.insnCount)
        return program.funcBases[i]! + BigInt(f.addrs[insn - f.insnStart]!);
    }
    return null;
  }
}

/**
 * Local insn whose native range [addrs[k], addrs[k+1]) holds `off`; insns that emit no code
 * (the second LD_IMM64 slot, `ja +0`) have empty ranges and are never the answer.
 */
export function insnAt(func: JitFunction, off: number): number | null {
  const a = func.addrs;
  if (a.length === 0 || off < a[0]!) return null;
  let lo = 0, hi = func.insnCount - 1, best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= off) { best = mid; lo = mid + 1; } else hi = mid - 1;
  }
  // The largest k with addrs[k] <= off has addrs[k+1] > off, so its range is never one of
  // the empty ones (LD_IMM64 second slots share the next insn's start).
  return best < 0 ? null : best;
}
