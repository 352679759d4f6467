// llvm-objdump syntax for BPF instructions, as clang 14's llvm-objdump prints them
// (`r0 = 1`, `w1 += w2`, `if r1 > 5 goto +3`, `r1 = *(u32 *)(r10 - 8)`, `r2 = 0 ll`,
// `lock *(u64 *)(r1 + 0) += r2`). Encodings llvm 14 does not know (ISA v4, ST imm, JSET,
// MOD) use the syntax later llvm releases print. Kernel-internal and post-load forms
// (pseudo map loads, `call pc+N`, `tail_call`) get a readable symbolic form that asm.ts
// parses back. Jump targets are printed as offsets; `label` can append ` <name>`.
import type { Insn } from './insn.ts';
import { ldImm64Value } from './insn.ts';
import * as op from './opcodes.ts';
import { helperName } from './helperIds.ts';

export interface DisasmOptions {
  /** llvm `-mattr=+alu32`: w registers for 32-bit sub-word loads/stores and 32-bit atomics. */
  alu32?: boolean;
  /** Post-load forms: `call pc+N` for bpf2bpf, `call bpf_name#id` for helpers. */
  symbolic?: boolean;
  /** Map name for pseudo map loads (imm = map index). */
  mapName?: (index: number) => string | undefined;
  /** Appends ` <label>` after a jump whose target index has a name. */
  label?: (target: number) => string | undefined;
}

const SIZE_NAME: Record<number, string> = { [op.BPF_B]: 'u8', [op.BPF_H]: 'u16', [op.BPF_W]: 'u32', [op.BPF_DW]: 'u64' };
const SSIZE_NAME: Record<number, string> = { [op.BPF_B]: 's8', [op.BPF_H]: 's16', [op.BPF_W]: 's32' };

/** Infix operator of each ALU op, as llvm writes the compound assignment. */
export const ALU_OPS: Record<number, string> = {
  [op.BPF_ADD]: '+=',
  [op.BPF_SUB]: '-=',
  [op.BPF_MUL]: '*=',
  [op.BPF_DIV]: '/=',
  [op.BPF_OR]: '|=',
  [op.BPF_AND]: '&=',
  [op.BPF_LSH]: '<<=',
  [op.BPF_RSH]: '>>=',
  [op.BPF_MOD]: '%=',
  [op.BPF_XOR]: '^=',
  [op.BPF_ARSH]: 's>>=',
};

/** Comparison of each conditional jump op. */
export const JMP_OPS: Record<number, string> = {
  [op.BPF_JEQ]: '==',
  [op.BPF_JGT]: '>',
  [op.BPF_JGE]: '>=',
  [op.BPF_JSET]: '&',
  [op.BPF_JNE]: '!=',
  [op.BPF_JSGT]: 's>',
  [op.BPF_JSGE]: 's>=',
  [op.BPF_JLT]: '<',
  [op.BPF_JLE]: '<=',
  [op.BPF_JSLT]: 's<',
  [op.BPF_JSLE]: 's<=',
};

const ATOMIC_OPS: Record<number, [string, string]> = {
  [op.BPF_ADD]: ['+=', 'add'],
  [op.BPF_OR]: ['|=', 'or'],
  [op.BPF_AND]: ['&=', 'and'],
  [op.BPF_XOR]: ['^=', 'xor'],
};

const rel = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
/** `(r10 - 8)` / `(r1 + 0)`: llvm prints the sign as an operator. */
const memOff = (reg: number, off: number): string => (off < 0 ? `r${reg} - ${-off}` : `r${reg} + ${off}`);

/** Text of the instruction at `pc` (for LD_IMM64 the next slot is read too). */
export function disasmInsn(insns: readonly Insn[], pc: number, opts: DisasmOptions = {}): string {
  const i = insns[pc];
  if (!i) return '<out of range>';
  const text = disasmOne(i, insns[pc + 1], opts);
  if (op.isBranch(i.code) && opts.label) {
    const name = opts.label(op.branchTarget(pc, i));
    if (name) return `${text} <${name}>`;
  }
  return text;
}

/** Every instruction with its index; second LD_IMM64 slots are skipped. */
export function disasmProgram(insns: readonly Insn[], opts: DisasmOptions = {}): { pc: number; text: string }[] {
  const out: { pc: number; text: string }[] = [];
  for (let pc = 0; pc < insns.length; pc += op.insnSlots(insns[pc]!)) out.push({ pc, text: disasmInsn(insns, pc, opts) });
  return out;
}

function unknown(i: Insn): string {
  return `.insn 0x${i.code.toString(16).padStart(2, '0')}, ${i.dst}, ${i.src}, ${i.off}, ${i.imm}`;
}

function disasmOne(i: Insn, next: Insn | undefined, o: DisasmOptions): string {
  const cls = op.insnClass(i.code);
  switch (cls) {
    case op.BPF_LD:
      return disasmLd(i, next, o);
    case op.BPF_LDX:
      return disasmLdx(i, o);
    case op.BPF_ST: {
      if (op.memMode(i.code) !== op.BPF_MEM) return unknown(i);
      return `*(${SIZE_NAME[op.memSize(i.code)]} *)(${memOff(i.dst, i.off)}) = ${i.imm}`;
    }
    case op.BPF_STX:
      return disasmStx(i, o);
    case op.BPF_ALU:
    case op.BPF_ALU64:
      return disasmAlu(i, cls === op.BPF_ALU64);
    default:
      return disasmJmp(i, cls === op.BPF_JMP32, o);
  }
}

function disasmLd(i: Insn, next: Insn | undefined, o: DisasmOptions): string {
  const size = SIZE_NAME[op.memSize(i.code)];
  const mode = op.memMode(i.code);
  if (i.code === op.LD_DW_IMM) {
    const hi = next?.imm ?? 0;
    const name = (idx: number): string => o.mapName?.(idx) ?? `#${idx}`;
    switch (i.src) {
      case 0:
        return `r${i.dst} = ${BigInt.asIntN(64, ldImm64Value(i, next ?? { ...i, imm: 0 }))} ll`;
      case op.BPF_PSEUDO_MAP_FD:
        return `r${i.dst} = map[${name(i.imm)}] ll`;
      case op.BPF_PSEUDO_MAP_VALUE:
        return `r${i.dst} = map[${name(i.imm)}][0]+${hi} ll`;
      case op.BPF_PSEUDO_BTF_ID:
        return `r${i.dst} = btf_id[${i.imm}] ll`;
      case op.BPF_PSEUDO_FUNC:
        return `r${i.dst} = func[pc${rel(i.imm)}] ll`;
      case op.BPF_PSEUDO_MAP_IDX:
        return `r${i.dst} = map_idx[${i.imm}] ll`;
      case op.BPF_PSEUDO_MAP_IDX_VALUE:
        return `r${i.dst} = map_idx[${i.imm}][0]+${hi} ll`;
      default:
        return unknown(i);
    }
  }
  if (mode === op.BPF_ABS && op.memSize(i.code) !== op.BPF_DW) return `r0 = *(${size} *)skb[${i.imm}]`;
  if (mode === op.BPF_IND && op.memSize(i.code) !== op.BPF_DW) {
    // llvm prints only the register; the kernel also adds imm, so show it when present.
    return i.imm === 0 ? `r0 = *(${size} *)skb[r${i.src}]` : `r0 = *(${size} *)skb[r${i.src} + ${i.imm}]`;
  }
  return unknown(i);
}

function disasmLdx(i: Insn, o: DisasmOptions): string {
  const sz = op.memSize(i.code);
  // The verifier's PROBE_MEM(SX) loads print as the plain loads they came from, as
  // bpf_insn_prepare_dump shows them in an xlated dump.
  const m = op.memMode(i.code);
  const mode = m === op.BPF_PROBE_MEM ? op.BPF_MEM : m === op.BPF_PROBE_MEMSX ? op.BPF_MEMSX : m;
  if (mode === op.BPF_MEM) {
    const r = o.alu32 && sz !== op.BPF_DW ? 'w' : 'r';
    return `${r}${i.dst} = *(${SIZE_NAME[sz]} *)(${memOff(i.src, i.off)})`;
  }
  if (mode === op.BPF_MEMSX && sz !== op.BPF_DW) return `r${i.dst} = *(${SSIZE_NAME[sz]} *)(${memOff(i.src, i.off)})`;
  return unknown(i);
}

function disasmStx(i: Insn, o: DisasmOptions): string {
  const sz = op.memSize(i.code);
  const mode = op.memMode(i.code);
  const w = o.alu32 && sz !== op.BPF_DW ? 'w' : 'r';
  const size = SIZE_NAME[sz];
  const addr = memOff(i.dst, i.off);
  if (mode === op.BPF_MEM) return `*(${size} *)(${addr}) = ${w}${i.src}`;
  if (mode !== op.BPF_ATOMIC) return unknown(i);
  if (i.imm === op.BPF_LOAD_ACQ) return `${w}${i.dst} = load_acquire((${size} *)(${memOff(i.src, i.off)}))`;
  if (i.imm === op.BPF_STORE_REL) return `store_release((${size} *)(${addr}), ${w}${i.src})`;
  if (sz !== op.BPF_W && sz !== op.BPF_DW) return unknown(i);
  const is64 = sz === op.BPF_DW;
  const fr = is64 ? 'r' : 'w'; // fetched values are always shown in their width
  if (i.imm === op.BPF_XCHG) return is64 ? `r${i.src} = xchg_64(${addr}, r${i.src})` : `w${i.src} = xchg32_32(${addr}, w${i.src})`;
  if (i.imm === op.BPF_CMPXCHG) return is64 ? `r0 = cmpxchg_64(${addr}, r0, r${i.src})` : `w0 = cmpxchg32_32(${addr}, w0, w${i.src})`;
  const a = ATOMIC_OPS[i.imm & ~op.BPF_FETCH];
  if (!a || (i.imm & ~0xf1) !== 0) return unknown(i);
  if (i.imm & op.BPF_FETCH) return `${fr}${i.src} = atomic_fetch_${a[1]}((${size} *)(${addr}), ${fr}${i.src})`;
  return `lock *(${size} *)(${addr}) ${a[0]} ${w}${i.src}`;
}

function disasmAlu(i: Insn, is64: boolean): string {
  const r = is64 ? 'r' : 'w';
  const d = `${r}${i.dst}`;
  const aop = op.aluOp(i.code);
  const x = op.srcBit(i.code) === op.BPF_X;
  const s = x ? `${r}${i.src}` : `${i.imm}`;
  switch (aop) {
    case op.BPF_NEG:
      return `${d} = -${d}`;
    case op.BPF_MOV:
      // Verifier-made per-CPU MOV, printed as kernel/bpf/disasm.c (6.10+) does.
      if (x && is64 && i.off === op.BPF_ADDR_PERCPU) return `${d} = &(void __percpu *)(r${i.src})`;
      if (x && i.off !== 0) return `${d} = (s${i.off})${r}${i.src}`;
      return `${d} = ${s}`;
    case op.BPF_END: {
      if (is64) return x ? unknown(i) : `r${i.dst} = bswap${i.imm} r${i.dst}`;
      return `r${i.dst} = ${x ? 'be' : 'le'}${i.imm} r${i.dst}`;
    }
    case op.BPF_DIV:
    case op.BPF_MOD:
      if (i.off === 1) return `${d} s${ALU_OPS[aop]} ${s}`;
      return `${d} ${ALU_OPS[aop]} ${s}`;
    default: {
      const sym = ALU_OPS[aop];
      return sym ? `${d} ${sym} ${s}` : unknown(i);
    }
  }
}

function disasmJmp(i: Insn, is32: boolean, o: DisasmOptions): string {
  const jop = op.jmpOp(i.code);
  switch (jop) {
    case op.BPF_JA:
      return is32 ? `gotol ${rel(i.imm)}` : `goto ${rel(i.off)}`;
    case op.BPF_CALL:
      if (is32) return unknown(i);
      if (i.src === op.BPF_PSEUDO_CALL) return o.symbolic ? `call pc${rel(i.imm)}` : `call ${i.imm}`;
      if (i.src === op.BPF_PSEUDO_KFUNC_CALL) return o.symbolic ? `call kfunc#${i.imm}` : `call ${i.imm}`;
      return o.symbolic ? `call ${helperName(i.imm)}#${i.imm}` : `call ${i.imm}`;
    case op.BPF_EXIT:
      return is32 ? unknown(i) : 'exit';
    case op.BPF_JCOND:
      return is32 ? unknown(i) : `may_goto ${rel(i.off)}`;
    case op.BPF_TAIL_CALL:
      return is32 ? unknown(i) : i.imm === 0 ? 'tail_call' : `tail_call poke#${i.imm - 1}`;
    default: {
      const cmp = JMP_OPS[jop];
      if (!cmp) return unknown(i);
      const r = is32 ? 'w' : 'r';
      const s = op.srcBit(i.code) === op.BPF_X ? `${r}${i.src}` : `${i.imm}`;
      return `if ${r}${i.dst} ${cmp} ${s} goto ${rel(i.off)}`;
    }
  }
}
