// Scalar value ranges, the part of the verifier's register bounds (kernel/bpf/verifier.c:
// umin/umax/smin/smax, reg_bounds_sync, is_branch_taken, regs_refine_cond_op; Linux 6.18)
// that decides which conditional branches clang's code can never take. Ranges here are
// never tighter than the kernel's for the same path (the kernel also has tnums and 32-bit
// sub-ranges, and explores paths separately where bpfdbg joins them), so a branch found
// impossible here is impossible to the kernel too; the converse need not hold.
// Values are bigints: unsigned bounds in [0, 2^64), signed bounds in [-2^63, 2^63).
import { BPF_ADD, BPF_AND, BPF_ARSH, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JLE, BPF_JLT, BPF_JNE, BPF_JSGE, BPF_JSGT, BPF_JSLE, BPF_JSLT } from '../bpf/opcodes.ts';
import { BPF_LSH, BPF_MUL, BPF_OR, BPF_RSH, BPF_SUB, BPF_XOR } from '../bpf/opcodes.ts';
import { U32, U64 } from '../bpf/semantics.ts';

export interface Range {
  umin: bigint;
  umax: bigint;
  smin: bigint;
  smax: bigint;
  /** Bounds of the low 32 bits (the verifier's u32/s32 bounds, what JMP32 compares). */
  u32min: bigint;
  u32max: bigint;
  s32min: bigint;
  s32max: bigint;
}

const S64_MIN = -(1n << 63n);
const S64_MAX = (1n << 63n) - 1n;
const S32_MIN = -(1n << 31n);
const S32_MAX = (1n << 31n) - 1n;

export const FULL: Range = { umin: 0n, umax: U64, smin: S64_MIN, smax: S64_MAX, u32min: 0n, u32max: U32, s32min: S32_MIN, s32max: S32_MAX };
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);

/** The range of one 64-bit value (unsigned representation). */
export function constRange(v: bigint): Range {
  const u = BigInt.asUintN(64, v);
  const s = BigInt.asIntN(64, v);
  const u32 = BigInt.asUintN(32, v);
  const s32 = BigInt.asIntN(32, v);
  return { umin: u, umax: u, smin: s, smax: s, u32min: u32, u32max: u32, s32min: s32, s32max: s32 };
}

/** The single value a range holds, or undefined. */
export function rangeConst(r: Range): bigint | undefined {
  return r.umin === r.umax ? r.umin : undefined;
}

const FIELDS = ['umin', 'umax', 'smin', 'smax', 'u32min', 'u32max', 's32min', 's32max'] as const;
export const rangeEq = (a: Range, b: Range): boolean => FIELDS.every((f) => a[f] === b[f]);

/** A range from unsigned bounds (signed bounds follow when the sign is the same throughout). */
export function fromUnsigned(umin: bigint, umax: bigint): Range {
  return sync({ ...FULL, umin, umax }) ?? FULL;
}

function fromSigned(smin: bigint, smax: bigint): Range {
  return sync({ ...FULL, smin, smax }) ?? FULL;
}

/** One width's unsigned and signed bounds tightened with each other (__reg{32,64}_deduce_bounds). */
function syncPair(umin: bigint, umax: bigint, smin: bigint, smax: bigint, bits: bigint): [bigint, bigint, bigint, bigint] {
  const span = 1n << bits;
  const sMax = (1n << (bits - 1n)) - 1n;
  for (let k = 0; k < 2; k++) {
    if (smin >= 0n) {
      umin = max(umin, smin);
      umax = min(umax, smax);
    } else if (smax < 0n) {
      umin = max(umin, smin + span);
      umax = min(umax, smax + span);
    }
    if (umax <= sMax) {
      smin = max(smin, umin);
      smax = min(smax, umax);
    } else if (umin > sMax) {
      smin = max(smin, umin - span);
      smax = min(smax, umax - span);
    }
  }
  return [umin, umax, smin, smax];
}

/**
 * Tightens each pair of bounds with the other (reg_bounds_sync's 64-bit part), or null
 * when no value satisfies both (an impossible path).
 */
export function sync(r: Range): Range | null {
  let { umin, umax, smin, smax, u32min, u32max, s32min, s32max } = r;
  for (let k = 0; k < 2; k++) {
    [umin, umax, smin, smax] = syncPair(umin, umax, smin, smax, 64n);
    // The low 32 bits from the 64-bit bounds when the upper 32 bits do not vary, and only
    // where the low halves of the two bounds still form an ordered range in the domain
    // they are read in (__reg32_deduce_bounds, 6.7+): [0x7ffffff0, 0x80000010] has fixed
    // upper bits but its low halves cross the s32 sign boundary.
    if (umin >> 32n === umax >> 32n) {
      u32min = max(u32min, umin & U32);
      u32max = min(u32max, umax & U32);
      if (BigInt.asIntN(32, umin) <= BigInt.asIntN(32, umax)) {
        s32min = max(s32min, BigInt.asIntN(32, umin));
        s32max = min(s32max, BigInt.asIntN(32, umax));
      }
    }
    if (smin >> 32n === smax >> 32n) {
      if (BigInt.asUintN(32, smin) <= BigInt.asUintN(32, smax)) {
        u32min = max(u32min, BigInt.asUintN(32, smin));
        u32max = min(u32max, BigInt.asUintN(32, smax));
      }
      if (BigInt.asIntN(32, smin) <= BigInt.asIntN(32, smax)) {
        s32min = max(s32min, BigInt.asIntN(32, smin));
        s32max = min(s32max, BigInt.asIntN(32, smax));
      }
    }
    [u32min, u32max, s32min, s32max] = syncPair(u32min, u32max, s32min, s32max, 32n);
    // And back: a value whose upper 32 bits are known zero (or a sign-extended s32) is its low part.
    if (umax <= U32) {
      umin = max(umin, u32min);
      umax = min(umax, u32max);
    }
    if (smin >= S32_MIN && smax <= S32_MAX) {
      smin = max(smin, s32min);
      smax = min(smax, s32max);
    }
  }
  if (umin > umax || smin > smax || u32min > u32max || s32min > s32max) return null;
  return { umin, umax, smin, smax, u32min, u32max, s32min, s32max };
}

/** Union hull (the join of two paths). */
export function hull(a: Range, b: Range): Range {
  return {
    umin: min(a.umin, b.umin),
    umax: max(a.umax, b.umax),
    smin: min(a.smin, b.smin),
    smax: max(a.smax, b.smax),
    u32min: min(a.u32min, b.u32min),
    u32max: max(a.u32max, b.u32max),
    s32min: min(a.s32min, b.s32min),
    s32max: max(a.s32max, b.s32max),
  };
}

const bitsFor = (v: bigint): bigint => {
  let m = 0n;
  while (m < v) m = (m << 1n) | 1n;
  return m;
};

/** `a op b` on 64-bit ranges; b is the source operand's range. */
function alu64(op: number, a: Range, b: Range): Range {
  switch (op) {
    case BPF_ADD: {
      const u = a.umax + b.umax <= U64 ? fromUnsigned(a.umin + b.umin, a.umax + b.umax) : FULL;
      const lo = a.smin + b.smin;
      const hi = a.smax + b.smax;
      const s = lo >= S64_MIN && hi <= S64_MAX ? fromSigned(lo, hi) : FULL;
      return sync(intersect(u, s)) ?? FULL;
    }
    case BPF_SUB: {
      const u = a.umin >= b.umax ? fromUnsigned(a.umin - b.umax, a.umax - b.umin) : FULL;
      const lo = a.smin - b.smax;
      const hi = a.smax - b.smin;
      const s = lo >= S64_MIN && hi <= S64_MAX ? fromSigned(lo, hi) : FULL;
      return sync(intersect(u, s)) ?? FULL;
    }
    case BPF_AND:
      return fromUnsigned(0n, min(a.umax, b.umax));
    case BPF_OR:
    case BPF_XOR:
      return fromUnsigned(op === BPF_OR ? max(a.umin, b.umin) : 0n, bitsFor(max(a.umax, b.umax)));
    case BPF_MUL:
      return a.umax <= S64_MAX && b.umax <= S64_MAX && a.umax * b.umax <= S64_MAX ? fromUnsigned(a.umin * b.umin, a.umax * b.umax) : FULL;
    case BPF_LSH: {
      const k = rangeConst(b);
      if (k === undefined || k > 63n) return FULL;
      const r = a.umax << k <= U64 ? fromUnsigned(a.umin << k, a.umax << k) : FULL;
      // A shift by 32 or more leaves the low half zero (the verifier's tnum knows it).
      return k >= 32n ? (sync({ ...r, u32min: 0n, u32max: 0n, s32min: 0n, s32max: 0n }) ?? r) : r;
    }
    case BPF_RSH: {
      const k = rangeConst(b);
      if (k === undefined || k > 63n) return fromUnsigned(0n, a.umax);
      return fromUnsigned(a.umin >> k, a.umax >> k);
    }
    case BPF_ARSH: {
      const k = rangeConst(b);
      if (k === undefined || k > 63n) return FULL;
      return fromSigned(a.smin >> k, a.smax >> k);
    }
  }
  return FULL;
}

function intersect(a: Range, b: Range): Range {
  return {
    umin: max(a.umin, b.umin),
    umax: min(a.umax, b.umax),
    smin: max(a.smin, b.smin),
    smax: min(a.smax, b.smax),
    u32min: max(a.u32min, b.u32min),
    u32max: min(a.u32max, b.u32max),
    s32min: max(a.s32min, b.s32min),
    s32max: min(a.s32max, b.s32max),
  };
}

/** The low 32 bits' range of a value, zero-extended. */
function low32(r: Range): Range {
  return fromUnsigned(r.u32min, r.u32max);
}

/** A value's 32-bit bounds as if they were 64-bit ones (for JMP32 compares). */
const view32 = (r: Range): Range => ({ ...r, umin: r.u32min, umax: r.u32max, smin: r.s32min, smax: r.s32max });

/**
 * Range of `dst op src` for a 64-bit (is64) or 32-bit ALU op other than MOV, NEG, END,
 * DIV and MOD (the verifier makes the last two unknown; the caller handles the rest).
 * 32-bit results are zero-extended: a result that may wrap is any u32.
 */
export function aluRange(op: number, is64: boolean, dst: Range, src: Range): Range {
  if (is64) return alu64(op, dst, src);
  if (op === BPF_ARSH && dst.u32max > S32_MAX) return fromUnsigned(0n, U32);
  const src32 = op === BPF_LSH || op === BPF_RSH || op === BPF_ARSH ? maskShift(low32(src)) : low32(src);
  const r = alu64(op, low32(dst), src32);
  return r.umax <= U32 ? r : fromUnsigned(0n, U32);
}

/** 32-bit shifts use the amount modulo 32. */
function maskShift(r: Range): Range {
  const k = rangeConst(r);
  return k === undefined ? FULL : constRange(k & 31n);
}

/** A value zero-extended from `bytes` bytes (a narrow load, a 32-bit move). */
export function zextRange(bytes: number): Range {
  return fromUnsigned(0n, (1n << BigInt(bytes * 8)) - 1n);
}

/** A value sign-extended from `bytes` bytes (BPF_MEMSX loads). */
export function sextRange(bytes: number): Range {
  const half = 1n << BigInt(bytes * 8 - 1);
  return fromSigned(-half, half - 1n);
}

/** A 32-bit move of a value: its low 32 bits, zero-extended. */
export const mov32Range = low32;

/** is_branch_taken: true / false when every value pair decides `a op b` the same way. */
export function branchTaken(op: number, is32: boolean, a0: Range, b0: Range): boolean | undefined {
  const a = is32 ? view32(a0) : a0;
  const b = is32 ? view32(b0) : b0;
  switch (op) {
    case BPF_JEQ:
    case BPF_JNE: {
      const ca = rangeConst(a);
      let eq: boolean | undefined;
      if (ca !== undefined && ca === rangeConst(b)) eq = true;
      else if (a.umax < b.umin || a.umin > b.umax || a.smax < b.smin || a.smin > b.smax) eq = false;
      return eq === undefined ? undefined : op === BPF_JEQ ? eq : !eq;
    }
    case BPF_JGT:
      return a.umin > b.umax ? true : a.umax <= b.umin ? false : undefined;
    case BPF_JGE:
      return a.umin >= b.umax ? true : a.umax < b.umin ? false : undefined;
    case BPF_JLT:
      return a.umax < b.umin ? true : a.umin >= b.umax ? false : undefined;
    case BPF_JLE:
      return a.umax <= b.umin ? true : a.umin > b.umax ? false : undefined;
    case BPF_JSGT:
      return a.smin > b.smax ? true : a.smax <= b.smin ? false : undefined;
    case BPF_JSGE:
      return a.smin >= b.smax ? true : a.smax < b.smin ? false : undefined;
    case BPF_JSLT:
      return a.smax < b.smin ? true : a.smin >= b.smax ? false : undefined;
    case BPF_JSLE:
      return a.smax <= b.smin ? true : a.smin > b.smax ? false : undefined;
  }
  return undefined;
}

const NEGATE: Record<number, number> = {
  [BPF_JEQ]: BPF_JNE,
  [BPF_JNE]: BPF_JEQ,
  [BPF_JGT]: BPF_JLE,
  [BPF_JLE]: BPF_JGT,
  [BPF_JGE]: BPF_JLT,
  [BPF_JLT]: BPF_JGE,
  [BPF_JSGT]: BPF_JSLE,
  [BPF_JSLE]: BPF_JSGT,
  [BPF_JSGE]: BPF_JSLT,
  [BPF_JSLT]: BPF_JSGE,
};

/**
 * regs_refine_cond_op: the ranges of a and b on the path where `a op b` is `taken`;
 * null when that path is impossible, undefined when bpfdbg does not refine this compare
 * (JSET). A JMP32 compare refines the 32-bit bounds; sync carries that to 64 bits.
 */
export function refine(op: number, is32: boolean, taken: boolean, a: Range, b: Range): [Range, Range] | null | undefined {
  const o = taken ? op : NEGATE[op];
  if (o === undefined) return undefined;
  const bits = is32 ? 32 : 64;
  const uLim = is32 ? U32 : U64;
  const sLim = is32 ? S32_MAX : S64_MAX;
  let x = is32 ? view32(a) : { ...a };
  let y = is32 ? view32(b) : { ...b };
  switch (o) {
    case BPF_JEQ:
      x = intersect(x, y);
      y = x;
      break;
    case BPF_JNE: {
      const cb = rangeConst(y);
      const ca = rangeConst(x);
      if (cb !== undefined) x = shave(x, cb, bits);
      if (ca !== undefined) y = shave(y, ca, bits);
      break;
    }
    case BPF_JGT:
    case BPF_JGE:
    case BPF_JLT:
    case BPF_JLE: {
      const [lo, hi] = o === BPF_JGT || o === BPF_JGE ? [y, x] : [x, y];
      const strict = o === BPF_JGT || o === BPF_JLT ? 1n : 0n;
      // lo < hi (or <=): hi.umin >= lo.umin + strict, lo.umax <= hi.umax - strict.
      hi.umin = max(hi.umin, lo.umin + strict);
      lo.umax = min(lo.umax, hi.umax - strict);
      if (hi.umin > uLim || lo.umax < 0n) return null;
      break;
    }
    case BPF_JSGT:
    case BPF_JSGE:
    case BPF_JSLT:
    case BPF_JSLE: {
      const [lo, hi] = o === BPF_JSGT || o === BPF_JSGE ? [y, x] : [x, y];
      const strict = o === BPF_JSGT || o === BPF_JSLT ? 1n : 0n;
      hi.smin = max(hi.smin, lo.smin + strict);
      lo.smax = min(lo.smax, hi.smax - strict);
      if (hi.smin > sLim || lo.smax < -sLim - 1n) return null;
      break;
    }
    default:
      return undefined;
  }
  const back = (orig: Range, v: Range): Range => (is32 ? { ...orig, u32min: v.umin, u32max: v.umax, s32min: v.smin, s32max: v.smax } : v);
  const sx = sync(back(a, x));
  const sy = sync(back(b, y));
  return sx && sy ? [sx, sy] : null;
}

/** A range without one value at either end (the kernel's JNE refinement). */
function shave(r: Range, v: bigint, bits: number): Range {
  const out = { ...r };
  const s = BigInt.asIntN(bits, v);
  if (out.umin === v) out.umin++;
  else if (out.umax === v) out.umax--;
  if (out.smin === s) out.smin++;
  else if (out.smax === s) out.smax--;
  return out;
}
