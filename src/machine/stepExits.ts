// Where a one-instruction emulation (a single step) should tell Unicorn to stop
// translating. Unicorn (QEMU) translates a block from the pc up to the next branch, ~4 KiB
// or 512 instructions (x86-64 blocks may cross pages), and caches it by start address.
// Each step of straight-line code starts where no block starts, so it translated a block
// that long, every instruction with the counting hook, to execute one of them: ~0.4 ms a
// step, 3 ms at p99 (issue #5). An `until` address just past the instruction ends the
// block after it (~6 µs a step). Unicorn drops the blocks over an exit when the run ends,
// so such a block is translated again on each step; near a branch the block ends after a
// few instructions anyway, so there no exit is given and the short block stays cached (a
// step through a loop the second time costs ~1.5 µs). The count (1) is what stops a step:
// a wrong answer here costs time, never exactness.
import { disasm, type DisasmArch, type DisasmInsn } from './capstone.ts';

/** Instructions decoded per cache miss (amortises Capstone's call cost over straight code). */
const AHEAD = 32;
/** A block that ends within this many instructions is cheap enough to translate whole. */
const SHORT = 8;
const MAX_INSN = 15;

interface Info {
  /** Bytes; 0 when Capstone cannot decode it (no exit then). */
  len: number;
  /** A block translated from here ends within SHORT instructions. */
  short: boolean;
}

export class StepExits {
  private readonly info = new Map<bigint, Info>();

  constructor(private readonly arch: DisasmArch) {}

  /** Code or mappings changed: forget every decoded instruction. */
  clear(): void {
    this.info.clear();
  }

  /**
   * The `until` for a step at pc, inside executable memory that ends at `end`; 0n for none.
   * `read` reads guest memory (within [pc, end)). `always`: an exit also where the block
   * ends soon anyway (steps of counted runs that enforce budgets by block: there the exit
   * is what ends the step).
   */
  exitFor(pc: bigint, end: bigint, read: (addr: bigint, len: number) => Uint8Array, always = false): bigint {
    let i = this.info.get(pc);
    if (!i) {
      this.decode(pc, end, read);
      i = this.info.get(pc)!;
    }
    return i.len > 0 && (always || !i.short) ? pc + BigInt(i.len) : 0n;
  }

  /** Decodes up to AHEAD instructions from pc and records each one's length and distance to a block end. */
  private decode(pc: bigint, end: bigint, read: (addr: bigint, len: number) => Uint8Array): void {
    const room = end - pc;
    const want = BigInt(AHEAD * MAX_INSN);
    const bytes = read(pc, Number(room < want ? room : want));
    const insns = disasm(this.arch, bytes, pc, AHEAD);
    // Counting back from the last instruction: how many follow before a branch ends the
    // block. Past the window nothing is known: taken as far. So is the end of the mapping
    // (translating ahead into unmapped memory faults the step before it executes anything).
    let dist = Infinity;
    for (let k = insns.length - 1; k >= 0; k--) {
      const insn = insns[k]!;
      const bad = insn.mnemonic === '(bad)' || insn.addr + BigInt(insn.size) > end;
      if (bad) dist = Infinity;
      else if (endsBlock(this.arch, insn)) dist = 0;
      else dist++;
      this.info.set(insn.addr, { len: bad ? 0 : insn.size, short: dist < SHORT });
    }
    if (!this.info.has(pc)) this.info.set(pc, { len: 0, short: true });
  }
}

/** Control transfers and traps: QEMU ends a translation block after them. */
function endsBlock(arch: DisasmArch, i: DisasmInsn): boolean {
  const m = i.mnemonic;
  if (arch === 'x86_64') return /^(j|call|ret|loop|iret|int|into|syscall|sysret|hlt|ud)/.test(m);
  return /^(c\.)?(b|j|ret|ecall|ebreak|mret|sret|wfi|fence\.i)/.test(m);
}
