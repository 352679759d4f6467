// Assembler for the text disasm.ts prints (llvm-objdump syntax plus bpfdbg's post-load
// forms). One instruction per line; `name:` defines a label that jumps and `call` may name;
// `;` and `//` start comments; a trailing ` <LBB0_2>` (objdump's target label) is ignored.
// Tests build programs with it: asm`r0 = 1\nexit`.
import type { Insn } from './insn.ts';
import { insn } from './insn.ts';
import * as op from './opcodes.ts';
import { helperId } from './helperIds.ts';
import { type Result, ok, err, unwrap } from '../common/diag.ts';
import { srcLine } from '../common/ids.ts';

export interface AsmOptions {
  /** Map index for `map[name]` (numbers `map[#3]` need no resolver). */
  mapIndex?: (name: string) => number | undefined;
}

const SIZES: Record<string, number> = { u8: op.BPF_B, u16: op.BPF_H, u32: op.BPF_W, u64: op.BPF_DW };
const SSIZES: Record<string, number> = { s8: op.BPF_B, s16: op.BPF_H, s32: op.BPF_W };
const ALU: Record<string, number> = {
  '+=': op.BPF_ADD,
  '-=': op.BPF_SUB,
  '*=': op.BPF_MUL,
  '/=': op.BPF_DIV,
  '|=': op.BPF_OR,
  '&=': op.BPF_AND,
  '<<=': op.BPF_LSH,
  '>>=': op.BPF_RSH,
  '%=': op.BPF_MOD,
  '^=': op.BPF_XOR,
  's>>=': op.BPF_ARSH,
  's/=': op.BPF_DIV,
  's%=': op.BPF_MOD,
};
const JMP: Record<string, number> = {
  '==': op.BPF_JEQ,
  '>': op.BPF_JGT,
  '>=': op.BPF_JGE,
  '&': op.BPF_JSET,
  '!=': op.BPF_JNE,
  's>': op.BPF_JSGT,
  's>=': op.BPF_JSGE,
  '<': op.BPF_JLT,
  '<=': op.BPF_JLE,
  's<': op.BPF_JSLT,
  's<=': op.BPF_JSLE,
};
const ATOMIC: Record<string, number> = {
  '+=': op.BPF_ADD,
  '|=': op.BPF_OR,
  '&=': op.BPF_AND,
  '^=': op.BPF_XOR,
  add: op.BPF_ADD,
  or: op.BPF_OR,
  and: op.BPF_AND,
  xor: op.BPF_XOR,
};

const REG = String.raw`([rw])(\d+)`;
const NUM = String.raw`(-?(?:0x[0-9a-fA-F]+|\d+))`;
const MEM = String.raw`\(r(\d+)\s*([+-])\s*(\d+|0x[0-9a-fA-F]+)\)`; // (r1 + 8)
const TGT = String.raw`([+-]?\d+|[A-Za-z_.$][\w.$]*)`;

class AsmError extends Error {}
const fail = (m: string): never => {
  throw new AsmError(m);
};

function num(s: string): number {
  const neg = s.startsWith('-');
  const v = Number(neg ? s.slice(1) : s);
  if (!Number.isFinite(v)) fail(`bad number '${s}'`);
  return neg ? -v : v;
}
/** A 32-bit immediate: accepts -2^31 .. 2^32-1 and stores it as s32. */
function imm32(s: string): number {
  const v = num(s);
  if (v < -0x80000000 || v > 0xffffffff) fail(`immediate ${s} does not fit in 32 bits`);
  return v | 0;
}
function off16(sign: string, s: string): number {
  const v = num(s) * (sign === '-' ? -1 : 1);
  if (v < -0x8000 || v > 0x7fff) fail(`offset ${v} does not fit in 16 bits`);
  return v;
}
function reg(n: string): number {
  const r = Number(n);
  if (r > 11) fail(`no register r${n}`);
  return r;
}

interface Pending {
  insns: Insn[];
  /** Jumps/calls whose target is a label: slot -> label. */
  fixups: { at: number; label: string; kind: 'off' | 'imm' }[];
}

/** Assembles `text`; errors name the line. */
export function assemble(text: string, opts: AsmOptions = {}): Result<Insn[]> {
  const p: Pending = { insns: [], fixups: [] };
  const labels = new Map<string, number>();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]!.replace(/\/\/.*$|;.*$/, '').trim();
    try {
      for (let m = /^([A-Za-z_.$][\w.$]*):\s*/.exec(line); m; m = /^([A-Za-z_.$][\w.$]*):\s*/.exec(line)) {
        labels.set(m[1]!, p.insns.length);
        line = line.slice(m[0].length);
      }
      line = line.replace(/\s+<[^<>]*>$/, '');
      if (line) assembleLine(line, p, opts);
    } catch (e) {
      if (e instanceof AsmError) return err('asm.syntax', `line ${n + 1}: ${e.message}: '${line}'`, { line: srcLine(n + 1) });
      throw e;
    }
  }
  for (const f of p.fixups) {
    const target = labels.get(f.label);
    if (target === undefined) return err('asm.label', `unknown label '${f.label}'`);
    const rel = target - f.at - 1;
    const cur = p.insns[f.at]!;
    p.insns[f.at] = f.kind === 'off' ? { ...cur, off: rel } : { ...cur, imm: rel };
  }
  return ok(p.insns);
}

/** Tagged template for tests: asm`r0 = 1\nexit`. Throws on a syntax error. */
export function asm(strings: TemplateStringsArray | string, ...values: unknown[]): Insn[] {
  const text = typeof strings === 'string' ? strings : strings.reduce((a, s, k) => a + s + (k < values.length ? String(values[k]) : ''), '');
  return unwrap(assemble(text));
}

function target(p: Pending, t: string, kind: 'off' | 'imm'): number {
  if (/^[+-]?\d+$/.test(t)) return Number(t);
  p.fixups.push({ at: p.insns.length, label: t, kind });
  return 0;
}

function assembleLine(s: string, p: Pending, o: AsmOptions): void {
  const emit = (i: Insn): void => void p.insns.push(i);
  let m: RegExpExecArray | null;
  const re = (src: string): RegExpExecArray | null => new RegExp('^' + src + '$').exec(s);

  // ---- control flow ----
  if (s === 'exit') return emit(insn(op.EXIT));
  if (s === 'tail_call') return emit(insn(op.TAIL_CALL));
  if ((m = re(String.raw`tail_call poke#(\d+)`))) return emit(insn(op.TAIL_CALL, 0, 0, 0, Number(m[1]) + 1));
  if ((m = re(String.raw`goto ${TGT}`))) return emit(insn(op.JA, 0, 0, target(p, m[1]!, 'off')));
  if ((m = re(String.raw`gotol ${TGT}`))) return emit(insn(op.JA32, 0, 0, 0, target(p, m[1]!, 'imm')));
  if ((m = re(String.raw`may_goto ${TGT}`))) return emit(insn(op.JCOND, 0, 0, target(p, m[1]!, 'off')));
  if ((m = re(String.raw`call pc([+-]\d+)`))) return emit(insn(op.CALL, 0, op.BPF_PSEUDO_CALL, 0, Number(m[1])));
  if ((m = re(String.raw`call kfunc#(\d+)`))) return emit(insn(op.CALL, 0, op.BPF_PSEUDO_KFUNC_CALL, 0, Number(m[1])));
  if ((m = re(String.raw`call [A-Za-z_]\w*#(\d+)`))) return emit(insn(op.CALL, 0, 0, 0, Number(m[1])));
  if ((m = re(String.raw`call ${NUM}`))) {
    // Unrelocated bpf2bpf calls carry a negative imm (-1 before relocation); helper ids never do.
    const v = imm32(m[1]!);
    return emit(insn(op.CALL, 0, v < 0 ? op.BPF_PSEUDO_CALL : 0, 0, v));
  }
  if ((m = re(String.raw`call ([A-Za-z_]\w*)`))) {
    const id = helperId(m[1]!);
    if (id !== undefined) return emit(insn(op.CALL, 0, 0, 0, id));
    return emit(insn(op.CALL, 0, op.BPF_PSEUDO_CALL, 0, target(p, m[1]!, 'imm')));
  }
  if ((m = re(String.raw`if ${REG} (s?[<>]=?|==|!=|&) (?:${REG}|${NUM}) goto ${TGT}`))) {
    const cls = m[1] === 'w' ? op.BPF_JMP32 : op.BPF_JMP;
    const jop = JMP[m[3]!] ?? fail(`unknown comparison ${m[3]}`);
    const off = target(p, m[7]!, 'off');
    if (m[5] !== undefined) return emit(insn(cls | jop | op.BPF_X, reg(m[2]!), reg(m[5]), off, 0));
    return emit(insn(cls | jop | op.BPF_K, reg(m[2]!), 0, off, imm32(m[6]!)));
  }

  // ---- 64-bit immediates and pseudo loads ----
  if ((m = re(String.raw`r(\d+) = ${NUM} ll`))) {
    const v = BigInt.asUintN(64, BigInt(m[2]!));
    const lo = Number(v & 0xffffffffn) | 0;
    const hi = Number(v >> 32n) | 0;
    emit(insn(op.LD_DW_IMM, reg(m[1]!), 0, 0, lo));
    return emit(insn(0, 0, 0, 0, hi));
  }
  if ((m = re(String.raw`r(\d+) = (map|map_idx|btf_id)\[([^\]]+)\](?:\[0\]\+(\d+))? ll`))) {
    const kind = m[2]!;
    const value = m[4] !== undefined;
    let idx: number;
    if (kind === 'map') idx = mapRef(m[3]!, o);
    else idx = imm32(m[3]!);
    const src =
      kind === 'btf_id'
        ? op.BPF_PSEUDO_BTF_ID
        : kind === 'map'
          ? value
            ? op.BPF_PSEUDO_MAP_VALUE
            : op.BPF_PSEUDO_MAP_FD
          : value
            ? op.BPF_PSEUDO_MAP_IDX_VALUE
            : op.BPF_PSEUDO_MAP_IDX;
    emit(insn(op.LD_DW_IMM, reg(m[1]!), src, 0, idx));
    return emit(insn(0, 0, 0, 0, value ? imm32(m[4]!) : 0));
  }
  if ((m = re(String.raw`r(\d+) = func\[(?:pc([+-]\d+)|([A-Za-z_]\w*))\] ll`))) {
    const rel = m[2] !== undefined ? Number(m[2]) : target(p, m[3]!, 'imm');
    emit(insn(op.LD_DW_IMM, reg(m[1]!), op.BPF_PSEUDO_FUNC, 0, rel));
    return emit(insn(0));
  }

  // ---- legacy packet loads ----
  if ((m = re(String.raw`r0 = \*\((u8|u16|u32) \*\)skb\[${NUM}\]`))) return emit(insn(op.BPF_LD | op.BPF_ABS | SIZES[m[1]!]!, 0, 0, 0, imm32(m[2]!)));
  if ((m = re(String.raw`r0 = \*\((u8|u16|u32) \*\)skb\[r(\d+)(?: \+ ${NUM})?\]`))) {
    return emit(insn(op.BPF_LD | op.BPF_IND | SIZES[m[1]!]!, 0, reg(m[2]!), 0, m[3] ? imm32(m[3]) : 0));
  }

  // ---- memory ----
  if ((m = re(String.raw`${REG} = \*\((u8|u16|u32|u64) \*\)${MEM}`))) {
    return emit(insn(op.BPF_LDX | op.BPF_MEM | SIZES[m[3]!]!, reg(m[2]!), reg(m[4]!), off16(m[5]!, m[6]!)));
  }
  if ((m = re(String.raw`${REG} = \*\((s8|s16|s32) \*\)${MEM}`))) {
    return emit(insn(op.BPF_LDX | op.BPF_MEMSX | SSIZES[m[3]!]!, reg(m[2]!), reg(m[4]!), off16(m[5]!, m[6]!)));
  }
  if ((m = re(String.raw`\*\((u8|u16|u32|u64) \*\)${MEM} = ${REG}`))) {
    return emit(insn(op.BPF_STX | op.BPF_MEM | SIZES[m[1]!]!, reg(m[2]!), reg(m[6]!), off16(m[3]!, m[4]!)));
  }
  if ((m = re(String.raw`\*\((u8|u16|u32|u64) \*\)${MEM} = ${NUM}`))) {
    return emit(insn(op.BPF_ST | op.BPF_MEM | SIZES[m[1]!]!, reg(m[2]!), 0, off16(m[3]!, m[4]!), imm32(m[5]!)));
  }
  if ((m = re(String.raw`lock \*\((u32|u64) \*\)${MEM} (\+=|\|=|&=|\^=) ${REG}`))) {
    return emit(insn(op.BPF_STX | op.BPF_ATOMIC | SIZES[m[1]!]!, reg(m[2]!), reg(m[7]!), off16(m[3]!, m[4]!), ATOMIC[m[5]!]!));
  }
  if ((m = re(String.raw`${REG} = atomic_fetch_(add|or|and|xor)\(\((u32|u64) \*\)${MEM}, ${REG}\)`))) {
    return emit(insn(op.BPF_STX | op.BPF_ATOMIC | SIZES[m[4]!]!, reg(m[5]!), reg(m[2]!), off16(m[6]!, m[7]!), ATOMIC[m[3]!]! | op.BPF_FETCH));
  }
  if ((m = re(String.raw`${REG} = (xchg_64|xchg32_32)\(r(\d+) ([+-]) (\d+), ${REG}\)`))) {
    const size = m[3] === 'xchg_64' ? op.BPF_DW : op.BPF_W;
    return emit(insn(op.BPF_STX | op.BPF_ATOMIC | size, reg(m[4]!), reg(m[2]!), off16(m[5]!, m[6]!), op.BPF_XCHG));
  }
  if ((m = re(String.raw`[rw]0 = (cmpxchg_64|cmpxchg32_32)\(r(\d+) ([+-]) (\d+), [rw]0, ${REG}\)`))) {
    const size = m[1] === 'cmpxchg_64' ? op.BPF_DW : op.BPF_W;
    return emit(insn(op.BPF_STX | op.BPF_ATOMIC | size, reg(m[2]!), reg(m[6]!), off16(m[3]!, m[4]!), op.BPF_CMPXCHG));
  }
  if ((m = re(String.raw`${REG} = load_acquire\(\((u8|u16|u32|u64) \*\)${MEM}\)`))) {
    return emit(insn(op.BPF_STX | op.BPF_ATOMIC | SIZES[m[3]!]!, reg(m[2]!), reg(m[4]!), off16(m[5]!, m[6]!), op.BPF_LOAD_ACQ));
  }
  if ((m = re(String.raw`store_release\(\((u8|u16|u32|u64) \*\)${MEM}, ${REG}\)`))) {
    return emit(insn(op.BPF_STX | op.BPF_ATOMIC | SIZES[m[1]!]!, reg(m[2]!), reg(m[6]!), off16(m[3]!, m[4]!), op.BPF_STORE_REL));
  }

  // ---- ALU ----
  if ((m = re(String.raw`${REG} = -${REG}`))) {
    if (m[1] !== m[3] || m[2] !== m[4]) fail('negation must name one register twice');
    return emit(insn((m[1] === 'w' ? op.BPF_ALU : op.BPF_ALU64) | op.BPF_NEG, reg(m[2]!)));
  }
  if ((m = re(String.raw`r(\d+) = (be|le|bswap)(16|32|64) r(\d+)`))) {
    if (m[1] !== m[4]) fail('byte swap must name one register twice');
    const code = m[2] === 'be' ? op.BE : m[2] === 'le' ? op.LE : op.BSWAP;
    return emit(insn(code, reg(m[1]!), 0, 0, Number(m[3])));
  }
  if ((m = re(String.raw`${REG} = \(s(8|16|32)\)${REG}`))) {
    return emit(insn((m[1] === 'w' ? op.BPF_ALU : op.BPF_ALU64) | op.BPF_MOV | op.BPF_X, reg(m[2]!), reg(m[5]!), Number(m[3])));
  }
  if ((m = re(String.raw`${REG} (s?/=|s?%=|\+=|-=|\*=|\|=|&=|<<=|>>=|s>>=|\^=|=) (?:${REG}|${NUM})`))) {
    const cls = m[1] === 'w' ? op.BPF_ALU : op.BPF_ALU64;
    const aop = m[3] === '=' ? op.BPF_MOV : ALU[m[3]!]!;
    const signed = m[3]!.startsWith('s/') || m[3]!.startsWith('s%') ? 1 : 0;
    if (m[5] !== undefined) return emit(insn(cls | aop | op.BPF_X, reg(m[2]!), reg(m[5]), signed));
    return emit(insn(cls | aop | op.BPF_K, reg(m[2]!), 0, signed, imm32(m[6]!)));
  }
  if ((m = re(String.raw`\.insn ${NUM}, (\d+), (\d+), ${NUM}, ${NUM}`))) {
    return emit(insn(num(m[1]!), Number(m[2]), Number(m[3]), num(m[4]!), imm32(m[5]!)));
  }
  fail('unrecognised instruction');
}

function mapRef(ref: string, o: AsmOptions): number {
  if (ref.startsWith('#')) return imm32(ref.slice(1));
  const idx = o.mapIndex?.(ref);
  if (idx === undefined) fail(`unknown map '${ref}'`);
  return idx!;
}
