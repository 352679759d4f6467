// Native address -> (program, function, BPF insn): the reverse of the JIT's addrs[] table,
// as `bpftool prog dump jited linum` and the kernel's jited_linfo use it.
import { insnIdx, type InsnIdx } from '../../common/ids.ts';
import { insnAt } from '../../jit/insnAt.ts';
import type { CodePosition, DebugProgram } from './loadedProgram.ts';

interface Span {
  lo: bigint;
  hi: bigint;
  program: DebugProgram;
  funcIdx: number;
}

export class AddressIndex {
  private spans: Span[] = [];

  constructor(programs: readonly DebugProgram[]) {
    for (const p of programs)
      p.jit.funcs.forEach((f, i) => {
        const lo = p.funcBases[i]!;
        this.spans.push({ lo, hi: lo + BigInt(f.code.length), program: p, funcIdx: i });
      });
    this.spans.sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  }

  /** The function and BPF insn holding `addr`, or null outside every JIT image. */
  lookup(addr: bigint): CodePosition | null {
    let lo = 0,
      hi = this.spans.length - 1;
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
          insn: local === null ? null : insnIdx(func.insnStart + local),
          atInsnStart: local !== null && func.addrs[local] === off,
          region: func.regions.find((r) => r.start <= off && off < r.end)?.role ?? null,
        };
      }
    }
    return null;
  }

  /** Guest address of the first native byte of xlated insn `insn` of `program`. */
  addressOf(program: DebugProgram, insn: InsnIdx): bigint | null {
    for (let i = 0; i < program.jit.funcs.length; i++) {
      const f = program.jit.funcs[i]!;
      if (insn >= f.insnStart && insn < f.insnStart + f.insnCount) return program.funcBases[i]! + BigInt(f.addrs[insn - f.insnStart]!);
    }
    return null;
  }
}

export { insnAt };
