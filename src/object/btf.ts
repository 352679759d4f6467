// .BTF reader: header, string section and type records (uapi btf.h layout). Only what
// the loader needs is interpreted (maps, datasecs, funcs); every record is still checked
// for a known kind, a tail that fits and in-range type ids and string offsets, as the
// kernel's btf_check_all_metas would.
import { btfBadHeader, btfBadString, btfBadType, ObjError, type FileWhere } from './errors.ts';
import { cstr, Reader } from './elf.ts';

export const BTF_KIND = {
  INT: 1,
  PTR: 2,
  ARRAY: 3,
  STRUCT: 4,
  UNION: 5,
  ENUM: 6,
  FWD: 7,
  TYPEDEF: 8,
  VOLATILE: 9,
  CONST: 10,
  RESTRICT: 11,
  FUNC: 12,
  FUNC_PROTO: 13,
  VAR: 14,
  DATASEC: 15,
  FLOAT: 16,
  DECL_TAG: 17,
  TYPE_TAG: 18,
  ENUM64: 19,
} as const;
const BTF_MAGIC = 0xeb9f;
/** libbpf MAX_RESOLVE_DEPTH: modifier/typedef chains longer than this are treated as broken. */
const MAX_RESOLVE_DEPTH = 32;

export interface BtfMember {
  name: string;
  type: number;
  /** Bit offset (without the kflag bitfield size). */
  bitOffset: number;
  /** Bitfield size in bits (kflag structs; 0 for a plain member). */
  bitSize: number;
}

export interface BtfVarSecinfo {
  type: number;
  offset: number;
  size: number;
}

export interface BtfType {
  id: number;
  kind: number;
  name: string;
  vlen: number;
  kflag: boolean;
  /** size for sized kinds, referenced type id for the others. */
  sizeOrType: number;
  members?: BtfMember[];
  array?: { type: number; indexType: number; nelems: number };
  params?: { name: string; type: number }[];
  vars?: BtfVarSecinfo[];
  /** VAR linkage (0 static, 1 global, 2 extern). */
  linkage?: number;
  /** ENUM/ENUM64 values (ENUM64 as a double, exact to 2^53). */
  enumVals?: number[];
  /** ENUM/ENUM64 enumerator names, parallel to enumVals. */
  enumNames?: string[];
  /** ENUM64 values exactly (u64 bit pattern), parallel to enumVals. */
  enumVals64?: bigint[];
  /** INT encoding word: BTF_INT_ENCODING (bits 24-27: 1 signed, 2 char, 4 bool), offset (16-23), bits (0-7). */
  intData?: number;
  /** DECL_TAG: the member/parameter index it annotates, -1 for the whole type. */
  componentIdx?: number;
}

export interface Btf {
  le: boolean;
  /** types[0] is void; ids index directly. */
  types: BtfType[];
  strings: Uint8Array;
  /** File offset of the string section (for error places). */
  strFileOff: number;
  /** Lazily built `kind:name` -> first type index (findByNameKind). */
  byName?: Map<string, BtfType>;
  /** Decoded strings by offset (btfString). */
  strCache?: Map<number, string>;
}

/** Longest source line kept from BTF line_info text; longer lines are cut for display. */
export const MAX_LINE_TEXT = 4096;

const textDecoder = new TextDecoder('utf-8');

/** Whole string at a BTF string offset (UTF-8; used for source lines), or undefined if out of range. */
export function btfString(btf: Btf, off: number): string | undefined {
  if (off < 0 || off >= btf.strings.length) return undefined;
  const cache = (btf.strCache ??= new Map());
  let s = cache.get(off);
  if (s === undefined) {
    const window = btf.strings.subarray(off, off + MAX_LINE_TEXT);
    const end = window.indexOf(0);
    s = textDecoder.decode(end < 0 ? window : window.subarray(0, end));
    cache.set(off, s);
  }
  return s;
}

/**
 * `lazyMembers`: struct/union members are decoded on first read of `members` (their type ids
 * are still checked here). For the kernel's vmlinux BTF, whose ~100k member records would
 * otherwise be allocated up front while a load reads a few structs.
 */
export function parseBtf(data: Uint8Array, dataFileOff: number, w: FileWhere, opts: { lazyMembers?: boolean } = {}): Btf {
  const at = (off: number): FileWhere => ({ ...w, fileOff: dataFileOff + off });
  if (data.length < 24) throw new ObjError(btfBadHeader(at(0), `BTF header needs 24 bytes, section has ${data.length}`));
  const magicLe = data[0]! | (data[1]! << 8);
  const le = magicLe === BTF_MAGIC;
  if (!le && magicLe !== 0x9feb) throw new ObjError(btfBadHeader(at(0), `bad BTF magic 0x${magicLe.toString(16)}`));
  const r = new Reader(data, le);
  if (r.u8(2) !== 1) throw new ObjError(btfBadHeader(at(2), `unsupported BTF version ${r.u8(2)}`));
  const hdrLen = r.u32(4);
  if (hdrLen < 24 || hdrLen > data.length) throw new ObjError(btfBadHeader(at(4), `BTF hdr_len ${hdrLen} is out of range`));
  const typeOff = r.u32(8),
    typeLen = r.u32(12),
    strOff = r.u32(16),
    strLen = r.u32(20);
  const body = data.length - hdrLen;
  if (typeOff % 4 !== 0 || typeLen % 4 !== 0 || typeOff + typeLen > body)
    throw new ObjError(btfBadHeader(at(8), `BTF type section [${typeOff}, +${typeLen}) is misaligned or past the section end (${body})`));
  if (strOff + strLen > body || strLen === 0)
    throw new ObjError(btfBadHeader(at(16), `BTF string section [${strOff}, +${strLen}) is empty or past the section end (${body})`));
  if (strOff < typeOff + typeLen && typeOff < strOff + strLen) throw new ObjError(btfBadHeader(at(16), 'BTF string and type sections overlap'));
  const strings = data.subarray(hdrLen + strOff, hdrLen + strOff + strLen);
  if (strings[0] !== 0 || strings[strLen - 1] !== 0) throw new ObjError(btfBadHeader(at(hdrLen + strOff), 'BTF string section must start and end with NUL'));
  const btf: Btf = { le, types: [voidType()], strings, strFileOff: dataFileOff + hdrLen + strOff };
  /** File offset of each type record, by id (for error places). */
  const recOffs: number[] = [dataFileOff];

  // vmlinux BTF repeats its (deduplicated) name offsets across many members: decode each once.
  const decoded = new Map<number, string>();
  const name = (off: number, recOff: number, what: string): string => {
    let s = decoded.get(off);
    if (s === undefined) {
      s = cstr(strings, off);
      if (s === undefined) throw new ObjError(btfBadString(at(recOff), off, what));
      decoded.set(off, s);
    }
    return s;
  };
  let p = hdrLen + typeOff;
  const end = p + typeLen;
  let maxMemberRef = 0;
  while (p < end) {
    const id = btf.types.length;
    if (p + 12 > end) throw new ObjError(btfBadType(at(p), id, 'record header runs past the type section'));
    const info = r.u32(p + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const t: BtfType = {
      id,
      kind,
      vlen,
      kflag: info >>> 31 === 1,
      sizeOrType: r.u32(p + 8),
      name: name(r.u32(p), p, `BTF type [${id}] name`),
    };
    const rec = p;
    p += 12;
    const need = (n: number): void => {
      if (p + n > end) throw new ObjError(btfBadType(at(rec), id, `kind ${kind} record runs past the type section`));
    };
    switch (kind) {
      case BTF_KIND.INT:
        need(4);
        t.intData = r.u32(p);
        p += 4;
        break;
      case BTF_KIND.PTR:
      case BTF_KIND.FWD:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC:
      case BTF_KIND.FLOAT:
      case BTF_KIND.TYPE_TAG:
        break;
      case BTF_KIND.ARRAY:
        need(12);
        t.array = { type: r.u32(p), indexType: r.u32(p + 4), nelems: r.u32(p + 8) };
        p += 12;
        break;
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION: {
        need(12 * vlen);
        if (opts.lazyMembers) {
          const at0 = p;
          for (let i = 0; i < vlen; i++) maxMemberRef = Math.max(maxMemberRef, r.u32(at0 + 12 * i + 4));
          let cached: BtfMember[] | undefined;
          const decode = (): BtfMember[] => {
            const ms: BtfMember[] = [];
            for (let i = 0, q = at0; i < vlen; i++, q += 12) {
              const off = r.u32(q + 8);
              ms.push({
                name: name(r.u32(q), q, `BTF type [${id}] member name`),
                type: r.u32(q + 4),
                bitOffset: t.kflag ? off & 0xffffff : off,
                bitSize: t.kflag ? off >>> 24 : 0,
              });
            }
            return ms;
          };
          Object.defineProperty(t, 'members', { enumerable: true, get: () => (cached ??= decode()) });
          p += 12 * vlen;
          break;
        }
        t.members = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          const off = r.u32(p + 8);
          t.members.push({
            name: name(r.u32(p), p, `BTF type [${id}] member name`),
            type: r.u32(p + 4),
            bitOffset: t.kflag ? off & 0xffffff : off,
            bitSize: t.kflag ? off >>> 24 : 0,
          });
        }
        break;
      }
      case BTF_KIND.ENUM:
        need(8 * vlen);
        t.enumVals = [];
        t.enumNames = [];
        for (let i = 0; i < vlen; i++, p += 8) {
          t.enumNames.push(name(r.u32(p), p, `BTF type [${id}] enumerator name`));
          t.enumVals.push(r.i32(p + 4));
        }
        break;
      case BTF_KIND.ENUM64:
        need(12 * vlen);
        t.enumVals = [];
        t.enumNames = [];
        t.enumVals64 = [];
        for (let i = 0; i < vlen; i++, p += 12) {
          t.enumNames.push(name(r.u32(p), p, `BTF type [${id}] enumerator name`));
          t.enumVals.push(r.u32(p + 8) * 0x1_0000_0000 + r.u32(p + 4));
          t.enumVals64.push((BigInt(r.u32(p + 8)) << 32n) | BigInt(r.u32(p + 4)));
        }
        break;
      case BTF_KIND.FUNC_PROTO:
        need(8 * vlen);
        t.params = [];
        for (let i = 0; i < vlen; i++, p += 8) t.params.push({ name: name(r.u32(p), p, `BTF type [${id}] param name`), type: r.u32(p + 4) });
        break;
      case BTF_KIND.VAR:
        need(4);
        t.linkage = r.u32(p);
        p += 4;
        break;
      case BTF_KIND.DATASEC:
        need(12 * vlen);
        t.vars = [];
        for (let i = 0; i < vlen; i++, p += 12) t.vars.push({ type: r.u32(p), offset: r.u32(p + 4), size: r.u32(p + 8) });
        break;
      case BTF_KIND.DECL_TAG:
        need(4);
        t.componentIdx = r.u32(p) | 0;
        p += 4;
        break;
      default:
        throw new ObjError(btfBadType(at(rec), id, `unknown kind ${kind}`));
    }
    btf.types.push(t);
    recOffs.push(dataFileOff + rec);
  }
  if (maxMemberRef >= btf.types.length)
    throw new ObjError(btfBadType(at(hdrLen + typeOff), 0, `a member refers to type ${maxMemberRef}, but there are only ${btf.types.length - 1} types`));
  checkTypeRefs(btf, w, recOffs, opts.lazyMembers ?? false);
  return btf;
}

function voidType(): BtfType {
  return { id: 0, kind: 0, name: '', vlen: 0, kflag: false, sizeOrType: 0 };
}

/** Every type id a record mentions must exist (the kernel rejects dangling ids too). */
function checkTypeRefs(btf: Btf, w: FileWhere, recOffs: number[], lazyMembers: boolean): void {
  const n = btf.types.length;
  const at = (t: BtfType): FileWhere => ({ ...w, fileOff: recOffs[t.id]! });
  const bad = (t: BtfType, ref: number): never => {
    throw new ObjError(btfBadType(at(t), t.id, `refers to type ${ref}, but there are only ${n - 1} types`));
  };
  for (const t of btf.types) {
    switch (t.kind) {
      case BTF_KIND.PTR:
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.FUNC:
      case BTF_KIND.VAR:
      case BTF_KIND.TYPE_TAG:
      case BTF_KIND.DECL_TAG:
      case BTF_KIND.FUNC_PROTO:
        if (t.sizeOrType >= n) bad(t, t.sizeOrType);
        break;
    }
    if (t.array && (t.array.type >= n || t.array.indexType >= n)) bad(t, Math.max(t.array.type, t.array.indexType));
    if (!lazyMembers) for (const m of t.members ?? []) if (m.type >= n) bad(t, m.type);
    for (const m of t.params ?? []) if (m.type >= n) bad(t, m.type);
    for (const v of t.vars ?? []) if (v.type >= n || v.type === 0) bad(t, v.type);
    if (t.kind === BTF_KIND.FUNC && btf.types[t.sizeOrType]!.kind !== BTF_KIND.FUNC_PROTO)
      throw new ObjError(btfBadType(at(t), t.id, 'FUNC does not point at a FUNC_PROTO'));
  }
}

const isModifier = (k: number): boolean =>
  k === BTF_KIND.TYPEDEF || k === BTF_KIND.VOLATILE || k === BTF_KIND.CONST || k === BTF_KIND.RESTRICT || k === BTF_KIND.TYPE_TAG;

/** The parameters of FUNC `func`'s prototype (none when its type is not a FUNC_PROTO). */
export function protoParams(btf: Btf, func: BtfType): readonly { name: string; type: number }[] {
  const proto = btf.types[func.sizeOrType];
  return proto?.kind === BTF_KIND.FUNC_PROTO ? (proto.params ?? []) : [];
}

/** Follows typedefs and CV/type-tag modifiers (libbpf skip_mods_and_typedefs). */
export function skipModsAndTypedefs(btf: Btf, id: number): BtfType | undefined {
  let t = btf.types[id];
  for (let d = 0; t && isModifier(t.kind); d++) {
    if (d >= MAX_RESOLVE_DEPTH) return undefined;
    t = btf.types[t.sizeOrType];
  }
  return t;
}

/** Byte size of a type (libbpf btf__resolve_size); undefined when it has none or is cyclic. */
export function resolveSize(btf: Btf, id: number, depth = 0): number | undefined {
  let nelems = 1;
  let t = btf.types[id];
  for (let d = depth; t; d++) {
    if (d >= MAX_RESOLVE_DEPTH) return undefined;
    switch (t.kind) {
      case BTF_KIND.INT:
      case BTF_KIND.STRUCT:
      case BTF_KIND.UNION:
      case BTF_KIND.ENUM:
      case BTF_KIND.ENUM64:
      case BTF_KIND.FLOAT:
      case BTF_KIND.DATASEC: {
        const size = nelems * t.sizeOrType;
        return size > 0xffffffff ? undefined : size;
      }
      case BTF_KIND.PTR: {
        const size = nelems * 8;
        return size > 0xffffffff ? undefined : size;
      }
      case BTF_KIND.TYPEDEF:
      case BTF_KIND.VOLATILE:
      case BTF_KIND.CONST:
      case BTF_KIND.RESTRICT:
      case BTF_KIND.TYPE_TAG:
      case BTF_KIND.VAR:
        t = btf.types[t.sizeOrType];
        break;
      case BTF_KIND.ARRAY:
        nelems *= t.array!.nelems;
        if (nelems > 0xffffffff) return undefined;
        t = btf.types[t.array!.type];
        break;
      default:
        return undefined;
    }
  }
  return undefined;
}

/** Finds a named type of a kind (first match, as btf__find_by_name_kind). */
export function findByNameKind(btf: Btf, name: string, kind: number): BtfType | undefined {
  if (!btf.byName) {
    btf.byName = new Map();
    for (const t of btf.types) {
      const k = `${t.kind}:${t.name}`;
      if (!btf.byName.has(k)) btf.byName.set(k, t);
    }
  }
  return btf.byName.get(`${kind}:${name}`);
}
