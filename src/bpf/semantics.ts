// Pure value semantics of ALU and conditional-jump instructions, with the kernel's rules
// (reference §1.3, §4.7): 32-bit ALU results are zero-extended; shift counts are masked;
// division by zero gives 0 and modulo by zero leaves dst (ALU: zero-extended low half);
// signed INT_MIN / -1 = INT_MIN and x s% -1 = 0 (do_misc_fixups makes them defined).
// Registers are unsigned 64-bit bigints throughout.
import * as opcodes from './opcodes.ts';

// Bound once: see the note in interpreter.ts about import-binding getters.
const {
  BPF_ADD,
  BPF_AND,
  BPF_ARSH,
  BPF_DIV,
  BPF_JEQ,
  BPF_JGE,
  BPF_JGT,
  BPF_JLE,
  BPF_JLT,
  BPF_JNE,
  BPF_JSET,
  BPF_JSGE,
  BPF_JSGT,
  BPF_JSLE,
  BPF_JSLT,
  BPF_LSH,
  BPF_MOD,
  BPF_MOV,
  BPF_MUL,
  BPF_NEG,
  BPF_OR,
  BPF_RSH,
  BPF_SUB,
  BPF_XOR,
  LE,
} = opcodes;

export const U64 = 0xffffffffffffffffn;
export const U32 = 0xffffffffn;

const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const s32 = (v: bigint): bigint => BigInt.asIntN(32, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const u32 = (v: bigint): bigint => v & U32;

/** Byte-swaps the low `bits` of v (16, 32 or 64); the rest is dropped. */
export function bswap(v: bigint, bits: number): bigint {
  let out = 0n;
  for (let k = 0; k < bits; k += 8) out = (out << 8n) | ((v >> BigInt(k)) & 0xffn);
  return out;
}

/** Truncates v to its low `bits` (le16/le32 on a little-endian host). */
export const truncBits = (v: bigint, bits: number): bigint => (bits >= 64 ? v : v & ((1n << BigInt(bits)) - 1n));

/**
 * ALU64 op on dst and an operand already widened to u64 (imm sign-extended).
 * `off` carries the v4 signed variants (SDIV/SMOD off=1, MOVSX off=8/16/32).
 */
export function alu64(aop: number, off: number, dst: bigint, src: bigint): bigint | undefined {
  switch (aop) {
    case BPF_ADD:
      return u64(dst + src);
    case BPF_SUB:
      return u64(dst - src);
    case BPF_MUL:
      return u64(dst * src);
    case BPF_DIV:
      if (src === 0n) return 0n;
      if (off === 1) return u64(s64(dst) / s64(src)); // BigInt division truncates; INT64_MIN/-1 wraps to INT64_MIN
      return dst / src;
    case BPF_MOD:
      if (src === 0n) return dst;
      if (off === 1) return u64(s64(dst) % s64(src)); // sign of the dividend, as C
      return dst % src;
    case BPF_OR:
      return dst | src;
    case BPF_AND:
      return dst & src;
    case BPF_XOR:
      return dst ^ src;
    case BPF_LSH:
      return u64(dst << (src & 63n));
    case BPF_RSH:
      return dst >> (src & 63n);
    case BPF_ARSH:
      return u64(s64(dst) >> (src & 63n));
    case BPF_NEG:
      return u64(-dst);
    case BPF_MOV:
      if (off === 8 || off === 16 || off === 32) return u64(BigInt.asIntN(off, src));
      return src;
    default:
      return undefined; // not an ALU op: the caller reports the insn
  }
}

/** ALU (32-bit) op on the low halves; the result is zero-extended to 64 bits. */
export function alu32(aop: number, off: number, dst: bigint, src: bigint): bigint | undefined {
  const d = u32(dst);
  const s = u32(src);
  switch (aop) {
    case BPF_ADD:
      return u32(d + s);
    case BPF_SUB:
      return u32(d - s);
    case BPF_MUL:
      return u32(d * s);
    case BPF_DIV:
      if (s === 0n) return 0n;
      if (off === 1) return u32(s32(d) / s32(s));
      return d / s;
    case BPF_MOD:
      if (s === 0n) return d; // the kernel's fixup zero-extends dst (upper half cleared)
      if (off === 1) return u32(s32(d) % s32(s));
      return d % s;
    case BPF_OR:
      return d | s;
    case BPF_AND:
      return d & s;
    case BPF_XOR:
      return d ^ s;
    case BPF_LSH:
      return u32(d << (s & 31n));
    case BPF_RSH:
      return d >> (s & 31n);
    case BPF_ARSH:
      return u32(s32(d) >> (s & 31n));
    case BPF_NEG:
      return u32(-d);
    case BPF_MOV:
      if (off === 8 || off === 16) return u32(BigInt.asIntN(off, s));
      return s;
    default:
      return undefined;
  }
}

function sgn(v: bigint, is32: boolean): bigint {
  return is32 ? BigInt.asIntN(32, v) : BigInt.asIntN(64, v);
}

/** Conditional jump: compares 64-bit values (JMP) or their low halves (JMP32). */
export function jmpTaken(jop: number, is32: boolean, a: bigint, b: bigint): boolean | undefined {
  if (is32) {
    a = u32(a);
    b = u32(b);
  }
  switch (jop) {
    case BPF_JEQ:
      return a === b;
    case BPF_JNE:
      return a !== b;
    case BPF_JGT:
      return a > b;
    case BPF_JGE:
      return a >= b;
    case BPF_JLT:
      return a < b;
    case BPF_JLE:
      return a <= b;
    case BPF_JSET:
      return (a & b) !== 0n;
    case BPF_JSGT:
      return sgn(a, is32) > sgn(b, is32);
    case BPF_JSGE:
      return sgn(a, is32) >= sgn(b, is32);
    case BPF_JSLT:
      return sgn(a, is32) < sgn(b, is32);
    case BPF_JSLE:
      return sgn(a, is32) <= sgn(b, is32);
    default:
      return undefined;
  }
}

/** Result of an END/BSWAP instruction on a little-endian host. */
export function endian(code: number, bits: number, v: bigint): bigint {
  if (code === LE) return truncBits(v, bits);
  return bswap(v, bits); // BE on an LE host, and v4 BSWAP
}

/** Atomic read-modify-write result for add/or/and/xor (without FETCH bit). */
export function atomicOp(aop: number, old: bigint, val: bigint, bytes: 4 | 8): bigint {
  const mask = bytes === 8 ? U64 : U32;
  switch (aop) {
    case BPF_ADD:
      return (old + val) & mask;
    case BPF_OR:
      return (old | val) & mask;
    case BPF_AND:
      return old & val & mask;
    case BPF_XOR:
      return (old ^ val) & mask;
    default:
      throw new Error(`atomic: op 0x${aop.toString(16)}`);
  }
}
