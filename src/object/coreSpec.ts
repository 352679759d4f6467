// The matching half of CO-RE (libbpf v1.x tools/lib/bpf/relo_core.c): access specs
// ("0:1:2" walked through the local BTF), candidate kernel types by essential name,
// type/field compatibility, and the values a relocation kind computes for a spec.
// Functions return a string for what libbpf treats as an error (the load fails),
// undefined for "does not match", and 'poison' where libbpf requests poisoning (-EUCLEAN).
import { BTF_KIND, resolveSize, skipModsAndTypedefs, type Btf, type BtfType } from './btf.ts';

/** enum bpf_core_relo_kind. */
export const CORE = {
  FIELD_BYTE_OFFSET: 0,
  FIELD_BYTE_SIZE: 1,
  FIELD_EXISTS: 2,
  FIELD_SIGNED: 3,
  FIELD_LSHIFT_U64: 4,
  FIELD_RSHIFT_U64: 5,
  TYPE_ID_LOCAL: 6,
  TYPE_ID_TARGET: 7,
  TYPE_EXISTS: 8,
  TYPE_SIZE: 9,
  ENUMVAL_EXISTS: 10,
  ENUMVAL_VALUE: 11,
  TYPE_MATCHES: 12,
} as const;

export const isFieldKind = (k: number): boolean => k <= CORE.FIELD_RSHIFT_U64;
export const isTypeKind = (k: number): boolean =>
  k === CORE.TYPE_ID_LOCAL || k === CORE.TYPE_ID_TARGET || k === CORE.TYPE_EXISTS || k === CORE.TYPE_SIZE || k === CORE.TYPE_MATCHES;
export const isEnumvalKind = (k: number): boolean => k === CORE.ENUMVAL_EXISTS || k === CORE.ENUMVAL_VALUE;

/** BPF_CORE_SPEC_MAX_LEN. */
const SPEC_MAX_LEN = 64;
/** Recursion limit of the compatibility checks (libbpf's depth/level 32). */
const MAX_DEPTH = 32;

export interface Accessor {
  /** Struct/union type (named member access) or array element type (index access). */
  typeId: number;
  idx: number;
  /** Member or enumerator name; undefined for an array index. */
  name?: string;
}

export interface Spec {
  btf: Btf;
  rootTypeId: number;
  kind: number;
  /** High-level accessors: named members and array indexes (anonymous members skipped). */
  spec: Accessor[];
  /** Every raw index, anonymous members included. */
  raw: number[];
  bitOffset: number;
}

const isEnum = (t: BtfType): boolean => t.kind === BTF_KIND.ENUM || t.kind === BTF_KIND.ENUM64;
const isComposite = (t: BtfType): boolean => t.kind === BTF_KIND.STRUCT || t.kind === BTF_KIND.UNION;
const intSigned = (t: BtfType): boolean => t.kind === BTF_KIND.INT && (((t.intData ?? 0) >>> 24) & 1) === 1;
const intOffset = (t: BtfType): number => ((t.intData ?? 0) >>> 16) & 0xff;
/** btf_kind_core_compat: same kind, or both enums (32- or 64-bit). */
const kindCompat = (a: BtfType, b: BtfType): boolean => a.kind === b.kind || (isEnum(a) && isEnum(b));

/** bpf_core_essential_name_len: "foo___bar" -> "foo" (the last X___Y separator, X and Y not '_'). */
export function essentialName(name: string): string {
  for (let i = name.length - 5; i >= 0; i--) {
    if (name[i] !== '_' && name[i + 1] === '_' && name[i + 2] === '_' && name[i + 3] === '_' && name[i + 4] !== '_') return name.slice(0, i + 1);
  }
  return name;
}

const byEssential = new WeakMap<Btf, Map<string, BtfType[]>>();

/** bpf_core_add_cands over the kernel BTF: same essential name, core-compatible kind, in id order. */
export function candidatesOf(local: BtfType, targ: Btf): number[] {
  let idx = byEssential.get(targ);
  if (!idx) {
    idx = new Map();
    for (const t of targ.types) {
      if (t.id === 0 || t.name === '') continue;
      const e = essentialName(t.name);
      const l = idx.get(e);
      if (l) l.push(t);
      else idx.set(e, [t]);
    }
    byEssential.set(targ, idx);
  }
  return (idx.get(essentialName(local.name)) ?? []).filter((t) => kindCompat(t, local)).map((t) => t.id);
}

/** is_flex_arr: a zero-length array that is the last member of the struct its accessor names. */
function isFlexArr(btf: Btf, acc: Accessor | undefined, nelems: number): boolean {
  if (!acc || acc.name === undefined || nelems > 0) return false;
  return acc.idx === btf.types[acc.typeId]!.vlen - 1;
}

/** bpf_core_parse_spec. */
export function parseSpec(btf: Btf, typeId: number, kind: number, access: string): Spec | string {
  if (access === '' || access[0] === ':') return `bad access string '${access}'`;
  const spec: Spec = { btf, rootTypeId: typeId, kind, spec: [], raw: [], bitOffset: 0 };
  if (isTypeKind(kind)) return access === '0' ? spec : `type relocation with access string '${access}' (expected '0')`;
  for (const part of access.split(':')) {
    if (!/^-?\d+/.test(part)) return `bad access string '${access}'`;
    if (spec.raw.length === SPEC_MAX_LEN) return 'access string too long';
    spec.raw.push(parseInt(part, 10));
  }
  let t = skipModsAndTypedefs(btf, typeId);
  if (!t) return `type [${typeId}] does not resolve`;
  let id = t.id;
  const first = spec.raw[0]!;
  if (isEnumvalKind(kind)) {
    if (!isEnum(t) || spec.raw.length > 1 || first < 0 || first >= t.vlen) return `enumerator access '${access}' does not fit [${id}]`;
    spec.spec.push({ typeId: id, idx: first, name: t.enumNames![first]! });
    return spec;
  }
  if (!isFieldKind(kind)) return `unknown relocation kind ${kind}`;
  spec.spec.push({ typeId: id, idx: first });
  const sz = resolveSize(btf, id);
  if (sz === undefined) return `type [${id}] has no size`;
  spec.bitOffset = first * sz * 8;
  for (let i = 1; i < spec.raw.length; i++) {
    t = skipModsAndTypedefs(btf, id);
    if (!t) return `type [${id}] does not resolve`;
    id = t.id;
    const a = spec.raw[i]!;
    if (isComposite(t)) {
      if (a < 0 || a >= t.vlen) return `member index ${a} is past the ${t.vlen} members of [${id}]`;
      const m = t.members![a]!;
      spec.bitOffset += m.bitOffset;
      if (m.name !== '') spec.spec.push({ typeId: id, idx: a, name: m.name });
      id = m.type;
    } else if (t.kind === BTF_KIND.ARRAY) {
      const arr = t.array!;
      const et = skipModsAndTypedefs(btf, arr.type);
      if (!et) return `type [${arr.type}] does not resolve`;
      id = et.id;
      if (!isFlexArr(btf, spec.spec[spec.spec.length - 1], arr.nelems) && a >= arr.nelems)
        return `array index ${a} is past the ${arr.nelems} elements of [${t.id}]`;
      spec.spec.push({ typeId: id, idx: a });
      const esz = resolveSize(btf, id);
      if (esz === undefined) return `type [${id}] has no size`;
      spec.bitOffset += a * esz * 8;
    } else {
      return `access ${i} of '${access}' goes into [${id}], which is neither a struct, a union nor an array`;
    }
  }
  return spec;
}

/** bpf_core_fields_are_compat. */
function fieldsCompat(lb: Btf, lid: number, tb: Btf, tid: number): boolean | string {
  for (let depth = MAX_DEPTH; depth > 0; depth--) {
    const l = skipModsAndTypedefs(lb, lid),
      t = skipModsAndTypedefs(tb, tid);
    if (!l || !t) return 'type chain does not resolve';
    if (isComposite(l) && isComposite(t)) return true;
    if (!kindCompat(l, t)) return false;
    switch (l.kind) {
      case BTF_KIND.PTR:
      case BTF_KIND.FLOAT:
        return true;
      case BTF_KIND.FWD:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64: {
        const a = essentialName(l.name),
          b = essentialName(t.name);
        return a === '' || b === '' || a === b;
      }
      case BTF_KIND.INT:
        return intOffset(l) === 0 && intOffset(t) === 0;
      case BTF_KIND.ARRAY:
        lid = l.array!.type;
        tid = t.array!.type;
        continue;
      default:
        return false;
    }
  }
  return 'type nesting too deep';
}

/** bpf_core_match_member: finds the named member, descending into anonymous members. */
function matchMember(lb: Btf, acc: Accessor, tb: Btf, tid: number, spec: Spec, next: { id: number }): boolean | string {
  const lm = lb.types[acc.typeId]!.members![acc.idx]!;
  const tt = skipModsAndTypedefs(tb, tid);
  if (!tt) return 'type chain does not resolve';
  if (!isComposite(tt)) return false;
  for (let i = 0; i < tt.vlen; i++) {
    const m = tt.members![i]!;
    if (spec.raw.length === SPEC_MAX_LEN) return 'struct nesting too deep';
    spec.bitOffset += m.bitOffset;
    spec.raw.push(i);
    if (m.name === '') {
      const found = matchMember(lb, acc, tb, m.type, spec, next);
      if (found !== false) return found;
    } else if (m.name === lm.name) {
      spec.spec.push({ typeId: tt.id, idx: i, name: m.name });
      next.id = m.type;
      const ok = fieldsCompat(lb, lm.type, tb, m.type);
      if (ok !== true) spec.spec.pop();
      return ok;
    }
    spec.bitOffset -= m.bitOffset;
    spec.raw.pop();
  }
  return false;
}

/** __bpf_core_types_are_compat (TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE). */
export function typesCompat(lb: Btf, lid: number, tb: Btf, tid: number, level = MAX_DEPTH): boolean | string {
  if (!kindCompat(lb.types[lid]!, tb.types[tid]!)) return false;
  for (let depth = MAX_DEPTH; depth > 0; depth--) {
    const l = skipModsAndTypedefs(lb, lid),
      t = skipModsAndTypedefs(tb, tid);
    if (!l || !t) return 'type chain does not resolve';
    if (!kindCompat(l, t)) return false;
    switch (l.kind) {
      case 0:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.FWD:
      case BTF_KIND.ENUM64:
        return true;
      case BTF_KIND.INT:
        return intOffset(l) === 0 && intOffset(t) === 0;
      case BTF_KIND.PTR:
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      case BTF_KIND.ARRAY:
        lid = l.array!.type;
        tid = t.array!.type;
        continue;
      case BTF_KIND.FUNC_PROTO: {
        if (l.vlen !== t.vlen) return false;
        for (let i = 0; i < l.vlen; i++) {
          if (level <= 0) return 'function prototype nesting too deep';
          const a = skipModsAndTypedefs(lb, l.params![i]!.type),
            b = skipModsAndTypedefs(tb, t.params![i]!.type);
          if (!a || !b) return 'type chain does not resolve';
          const r = typesCompat(lb, a.id, tb, b.id, level - 1);
          if (r !== true) return r;
        }
        lid = skipModsAndTypedefs(lb, l.sizeOrType)?.id ?? 0;
        tid = skipModsAndTypedefs(tb, t.sizeOrType)?.id ?? 0;
        continue;
      }
      default:
        return false;
    }
  }
  return 'type nesting too deep';
}

/** bpf_core_names_match: an empty name on either side matches; otherwise essential names. */
function namesMatch(a: string, b: string): boolean {
  if (a === '' || b === '') return true;
  return essentialName(a) === essentialName(b);
}

/** __bpf_core_types_match (TYPE_MATCHES: bpf_core_type_matches()). */
export function typesMatch(lb: Btf, lid: number, tb: Btf, tid: number, behindPtr = false, level = MAX_DEPTH): boolean | string {
  if (level <= 0) return 'type nesting too deep';
  for (let depth = MAX_DEPTH; depth > 0; depth--) {
    const l = skipModsAndTypedefs(lb, lid),
      t = skipModsAndTypedefs(tb, tid);
    if (!l || !t) return 'type chain does not resolve';
    if (!namesMatch(l.name, t.name)) return false;
    switch (l.kind) {
      case 0:
        return t.kind === 0;
      case BTF_KIND.FWD:
        if (behindPtr) {
          if (t.kind === BTF_KIND.FWD) return l.kflag === t.kflag;
          return (t.kind === BTF_KIND.STRUCT && !l.kflag) || (t.kind === BTF_KIND.UNION && l.kflag);
        }
        return t.kind === BTF_KIND.FWD && l.kflag === t.kflag;
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
        if (!isEnum(t) || l.sizeOrType !== t.sizeOrType || l.vlen > t.vlen) return false;
        return l.enumNames!.every((n) => t.enumNames!.some((m) => namesMatch(n, m)));
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
        if (behindPtr) {
          if (l.kind === t.kind) return true;
          return t.kind === BTF_KIND.FWD && (l.kind === BTF_KIND.UNION) === t.kflag;
        }
        if (l.kind !== t.kind || l.vlen > t.vlen) return false;
        for (const lm of l.members!) {
          let matched = false;
          for (const tm of t.members!) {
            if (!namesMatch(lm.name, tm.name)) continue;
            const r = typesMatch(lb, lm.type, tb, tm.type, behindPtr, level - 1);
            if (typeof r === 'string') return r;
            if (r) {
              matched = true;
              break;
            }
          }
          if (!matched) return false;
        }
        return true;
      case BTF_KIND.INT:
        return t.kind === BTF_KIND.INT && l.sizeOrType === t.sizeOrType && intSigned(l) === intSigned(t);
      case BTF_KIND.PTR:
        if (t.kind !== BTF_KIND.PTR) return false;
        behindPtr = true;
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      case BTF_KIND.ARRAY:
        if (t.kind !== BTF_KIND.ARRAY || l.array!.nelems !== t.array!.nelems) return false;
        lid = l.array!.type;
        tid = t.array!.type;
        continue;
      case BTF_KIND.FUNC_PROTO:
        if (t.kind !== BTF_KIND.FUNC_PROTO || l.vlen !== t.vlen) return false;
        for (let i = 0; i < l.vlen; i++) {
          const r = typesMatch(lb, l.params![i]!.type, tb, t.params![i]!.type, behindPtr, level - 1);
          if (r !== true) return r;
        }
        lid = l.sizeOrType;
        tid = t.sizeOrType;
        continue;
      default:
        return false;
    }
  }
  return 'type nesting too deep';
}

/** bpf_core_spec_match: the target spec for candidate `tid`, undefined if it does not match. */
export function matchSpec(local: Spec, tb: Btf, tid: number): Spec | undefined | string {
  const targ: Spec = { btf: tb, rootTypeId: tid, kind: local.kind, spec: [], raw: [], bitOffset: 0 };
  const yes = (r: boolean | string): Spec | undefined | string => (typeof r === 'string' ? r : r ? targ : undefined);
  if (isTypeKind(local.kind)) {
    return yes(local.kind === CORE.TYPE_MATCHES ? typesMatch(local.btf, local.rootTypeId, tb, tid) : typesCompat(local.btf, local.rootTypeId, tb, tid));
  }
  if (isEnumvalKind(local.kind)) {
    const t = skipModsAndTypedefs(tb, tid);
    if (!t || !isEnum(t)) return undefined;
    const want = essentialName(local.spec[0]!.name!);
    const i = t.enumNames!.findIndex((n) => essentialName(n) === want);
    if (i < 0) return undefined;
    targ.spec.push({ typeId: t.id, idx: i, name: t.enumNames![i]! });
    targ.raw.push(i);
    return targ;
  }
  let id = tid;
  for (let i = 0; i < local.spec.length; i++) {
    const acc = local.spec[i]!;
    const t = skipModsAndTypedefs(tb, id);
    if (!t) return 'type chain does not resolve';
    id = t.id;
    if (acc.name !== undefined) {
      const next = { id };
      const r = matchMember(local.btf, acc, tb, id, targ, next);
      if (r !== true) return typeof r === 'string' ? r : undefined;
      id = next.id;
    } else {
      if (i > 0) {
        if (t.kind !== BTF_KIND.ARRAY) return undefined;
        const arr = t.array!;
        if (!isFlexArr(tb, targ.spec[targ.spec.length - 1], arr.nelems) && acc.idx >= arr.nelems) return undefined;
        const et = skipModsAndTypedefs(tb, arr.type);
        if (!et) return 'type chain does not resolve';
        id = et.id;
      }
      if (targ.raw.length === SPEC_MAX_LEN) return 'struct nesting too deep';
      targ.spec.push({ typeId: id, idx: acc.idx });
      targ.raw.push(acc.idx);
      const sz = resolveSize(tb, id);
      if (sz === undefined) return `type [${id}] has no size`;
      targ.bitOffset += acc.idx * sz * 8;
    }
  }
  return targ;
}

export interface FieldValue {
  val: bigint;
  /** Memory access size the value implies (BYTE_OFFSET of a non-bitfield), else 0. */
  size: number;
  /** Field type (after modifiers) behind `size`. */
  typeId: number;
  /** libbpf checks the instruction still holds the local value (off for bitfields). */
  validate: boolean;
}

/** bpf_core_calc_field_relo; `spec` undefined when no candidate matched. */
export function fieldValue(kind: number, spec: Spec | undefined): FieldValue | 'poison' | string {
  const out: FieldValue = { val: 0n, size: 0, typeId: 0, validate: true };
  if (kind === CORE.FIELD_EXISTS) {
    out.val = spec ? 1n : 0n;
    return out;
  }
  if (!spec) return 'poison';
  const acc = spec.spec[spec.spec.length - 1]!;
  const btf = spec.btf;
  if (acc.name === undefined) {
    const sz = resolveSize(btf, acc.typeId);
    if (sz === undefined) return `type [${acc.typeId}] has no size`;
    if (kind === CORE.FIELD_BYTE_OFFSET) {
      out.val = BigInt(Math.floor(spec.bitOffset / 8));
      out.size = sz;
      out.typeId = acc.typeId;
    } else if (kind === CORE.FIELD_BYTE_SIZE) out.val = BigInt(sz);
    else return `relocation kind ${kind} cannot be applied to an array access`;
    return out;
  }
  const t = btf.types[acc.typeId]!;
  const m = t.members![acc.idx]!;
  const mt = skipModsAndTypedefs(btf, m.type);
  if (!mt) return 'type chain does not resolve';
  const bitOff = spec.bitOffset;
  let bitSz = m.bitSize;
  const bitfield = bitSz > 0;
  let byteSz: number, byteOff: number;
  if (bitfield) {
    byteSz = mt.sizeOrType;
    byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    while (bitOff + bitSz - byteOff * 8 > byteSz * 8) {
      if (byteSz >= 8) return 'bitfield cannot be read with a 64-bit load';
      byteSz *= 2;
      byteOff = Math.floor(bitOff / 8 / byteSz) * byteSz;
    }
  } else {
    const sz = resolveSize(btf, mt.id);
    if (sz === undefined) return `type [${mt.id}] has no size`;
    byteSz = sz;
    byteOff = Math.floor(bitOff / 8);
    bitSz = byteSz * 8;
  }
  // Bitfield offsets are ambiguous (the compiler may pick another load), so not validated.
  out.validate = !bitfield;
  switch (kind) {
    case CORE.FIELD_BYTE_OFFSET:
      out.val = BigInt(byteOff);
      if (!bitfield) {
        out.size = byteSz;
        out.typeId = mt.id;
      }
      break;
    case CORE.FIELD_BYTE_SIZE:
      out.val = BigInt(byteSz);
      break;
    case CORE.FIELD_SIGNED:
      out.val = (isEnum(mt) && mt.kflag) || intSigned(mt) ? 1n : 0n;
      out.validate = true;
      break;
    case CORE.FIELD_LSHIFT_U64:
      out.val = BigInt(64 - (bitOff + bitSz - byteOff * 8)); // little-endian host
      break;
    case CORE.FIELD_RSHIFT_U64:
      out.val = BigInt(64 - bitSz);
      out.validate = true;
      break;
    default:
      return `unknown field relocation kind ${kind}`;
  }
  return out;
}

/** bpf_core_calc_type_relo; type relocations yield 0 when nothing matched. */
export function typeValue(kind: number, spec: Spec | undefined): { val: bigint; validate: boolean } | string {
  if (!spec) return { val: 0n, validate: true };
  switch (kind) {
    case CORE.TYPE_ID_TARGET:
      // The type id in the instruction can change when objects are linked: not validated.
      return { val: BigInt(spec.rootTypeId), validate: false };
    case CORE.TYPE_EXISTS:
    case CORE.TYPE_MATCHES:
      return { val: 1n, validate: true };
    case CORE.TYPE_SIZE: {
      const sz = resolveSize(spec.btf, spec.rootTypeId);
      return sz === undefined ? `type [${spec.rootTypeId}] has no size` : { val: BigInt(sz), validate: true };
    }
    default:
      return `unknown type relocation kind ${kind}`;
  }
}

/** bpf_core_calc_enumval_relo (an ENUM value is a signed 32-bit value widened to 64 bits). */
export function enumvalValue(kind: number, spec: Spec | undefined): bigint | 'poison' {
  if (kind === CORE.ENUMVAL_EXISTS) return spec ? 1n : 0n;
  if (!spec) return 'poison';
  const acc = spec.spec[0]!;
  const t = spec.btf.types[acc.typeId]!;
  return t.kind === BTF_KIND.ENUM64 ? t.enumVals64![acc.idx]! : BigInt.asUintN(64, BigInt(t.enumVals![acc.idx]!));
}
