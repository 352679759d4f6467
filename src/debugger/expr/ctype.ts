// C types as the debugger's typed expressions see them: the builtin integer names of the
// expression language (u32, s64, int...) and every type of a BTF (the object's own, or the
// kernel's vmlinux BTF for ctx types such as struct sk_buff). Struct members convert on
// first use, so a pointer cycle (struct list_head) or a 100k-type vmlinux costs nothing
// until printed. Const/volatile/restrict/type tags are dropped (they change no value).
import { BTF_KIND, findByNameKind, type Btf } from '../../object/btf.ts';

export type CType =
  | { k: 'void' }
  | { k: 'int'; name: string; size: number; signed: boolean; char: boolean; bool: boolean }
  | { k: 'float'; name: string; size: number }
  | { k: 'ptr'; to: CType }
  | { k: 'array'; of: CType; n: number }
  | { k: 'struct'; union: boolean; name: string; size: number; members: () => CMember[] }
  | { k: 'enum'; name: string; size: number; signed: boolean; values: { name: string; value: bigint }[] }
  | { k: 'typedef'; name: string; of: () => CType }
  | { k: 'func'; name: string; ret: CType; params: { name: string; type: CType }[] }
  | { k: 'fwd'; union: boolean; name: string };

export interface CMember {
  name: string;
  type: CType;
  bitOffset: number;
  /** Bitfield width in bits (0: a plain member). */
  bitSize: number;
}

export const VOID: CType = { k: 'void' };
const int = (name: string, size: number, signed: boolean, char = false): CType => ({ k: 'int', name, size, signed, char, bool: false });

/** The expression language's own integer names (gdb's C names and the kernel's u32/s64...). */
export const BUILTIN_TYPES: Readonly<Record<string, CType>> = {
  u8: int('u8', 1, false),
  u16: int('u16', 2, false),
  u32: int('u32', 4, false),
  u64: int('u64', 8, false),
  s8: int('s8', 1, true),
  s16: int('s16', 2, true),
  s32: int('s32', 4, true),
  s64: int('s64', 8, true),
  __u8: int('__u8', 1, false),
  __u16: int('__u16', 2, false),
  __u32: int('__u32', 4, false),
  __u64: int('__u64', 8, false),
  __s8: int('__s8', 1, true),
  __s16: int('__s16', 2, true),
  __s32: int('__s32', 4, true),
  __s64: int('__s64', 8, true),
  char: int('char', 1, true, true),
  short: int('short', 2, true),
  int: int('int', 4, true),
  long: int('long', 8, true),
  'unsigned char': int('unsigned char', 1, false, true),
  'unsigned short': int('unsigned short', 2, false),
  'unsigned int': int('unsigned int', 4, false),
  unsigned: int('unsigned int', 4, false),
  'unsigned long': int('unsigned long', 8, false),
  'long long': int('long long', 8, true),
  'unsigned long long': int('unsigned long long', 8, false),
  'signed char': int('signed char', 1, true, true),
  bool: { k: 'int', name: '_Bool', size: 1, signed: false, char: false, bool: true },
  _Bool: { k: 'int', name: '_Bool', size: 1, signed: false, char: false, bool: true },
  void: VOID,
};

/** What registers, literals and untyped arithmetic are: gdb's `long` for $r1, u64 bits. */
export const U64: CType = BUILTIN_TYPES.u64!;

/** Bytes without a BTF type: an unsigned integer of their size (1, 2, 4, 8), else a byte array. */
export const rawType = (size: number): CType => BUILTIN_TYPES[`u${size * 8}`] ?? { k: 'array', of: BUILTIN_TYPES.u8!, n: size };

/** Follows typedefs to the type that decides layout and printing. */
export function strip(t: CType): CType {
  for (let d = 0; t.k === 'typedef' && d < 32; d++) t = t.of();
  return t;
}

export function sizeOf(t: CType): number | undefined {
  const s = strip(t);
  switch (s.k) {
    case 'int':
    case 'float':
    case 'struct':
    case 'enum':
      return s.size;
    case 'ptr':
      return 8;
    case 'array': {
      const e = sizeOf(s.of);
      return e === undefined ? undefined : e * s.n;
    }
    default:
      return undefined;
  }
}

/** Integers, enums and pointers: what arithmetic, conditions and registers take. */
export const isScalar = (t: CType): boolean => ['int', 'enum', 'ptr'].includes(strip(t).k);

/** The C spelling of a type around a declarator (`int (*)[4]`, `char name[16]`, `struct x *p`). */
export function typeName(t: CType, decl = ''): string {
  switch (t.k) {
    case 'void':
      return join('void', decl);
    case 'int':
    case 'float':
    case 'typedef':
      return join(t.name, decl);
    case 'struct':
      return join(`${t.union ? 'union' : 'struct'} ${t.name || '{...}'}`, decl);
    case 'fwd':
      return join(`${t.union ? 'union' : 'struct'} ${t.name}`, decl);
    case 'enum':
      return join(`enum ${t.name || '{...}'}`, decl);
    case 'ptr': {
      const inner = strip(t.to).k === 'array' || strip(t.to).k === 'func' ? `(*${decl})` : `*${decl}`;
      return typeName(t.to, inner);
    }
    case 'array':
      return typeName(t.of, `${decl}[${t.n}]`);
    case 'func':
      return typeName(t.ret, `${decl}(${t.params.map((p) => typeName(p.type)).join(', ') || 'void'})`);
  }
}

const join = (base: string, decl: string): string =>
  decl === '' ? base : decl.startsWith('[') || (decl.startsWith('(') && !decl.startsWith('(*')) ? `${base}${decl}` : `${base} ${decl}`;

const cache = new WeakMap<Btf, Map<number, CType>>();

/** The CType of BTF type `id` (void for 0). */
export function fromBtf(btf: Btf, id: number): CType {
  let m = cache.get(btf);
  if (!m) cache.set(btf, (m = new Map()));
  const hit = m.get(id);
  if (hit) return hit;
  const t = convert(btf, id, 0);
  m.set(id, t);
  return t;
}

function convert(btf: Btf, id: number, depth: number): CType {
  const t = btf.types[id];
  if (!t || id === 0 || depth > 32) return VOID;
  const K = BTF_KIND;
  switch (t.kind) {
    case K.INT: {
      const enc = (t.intData ?? 0) >>> 24;
      const name = t.name || `int${t.sizeOrType * 8}`;
      return { k: 'int', name, size: t.sizeOrType, signed: (enc & 1) !== 0, char: (enc & 2) !== 0 || name.endsWith('char'), bool: (enc & 4) !== 0 };
    }
    case K.FLOAT:
      return { k: 'float', name: t.name, size: t.sizeOrType };
    case K.PTR: {
      // Lazily: a pointer to the struct being converted must not recurse.
      let to: CType | undefined;
      const p = {
        k: 'ptr' as const,
        get to(): CType {
          return (to ??= fromBtf(btf, t.sizeOrType));
        },
      };
      return p;
    }
    case K.ARRAY:
      return { k: 'array', of: fromBtf(btf, t.array!.type), n: t.array!.nelems };
    case K.STRUCT:
    case K.UNION: {
      let members: CMember[] | undefined;
      return {
        k: 'struct',
        union: t.kind === K.UNION,
        name: t.name,
        size: t.sizeOrType,
        members: () =>
          (members ??= (t.members ?? []).map((mm) => ({ name: mm.name, type: fromBtf(btf, mm.type), bitOffset: mm.bitOffset, bitSize: mm.bitSize }))),
      };
    }
    case K.ENUM:
    case K.ENUM64: {
      const names = t.enumNames ?? [];
      const vals = t.enumVals64 ?? (t.enumVals ?? []).map((v) => BigInt(v));
      return { k: 'enum', name: t.name, size: t.sizeOrType, signed: t.kflag, values: names.map((name, i) => ({ name, value: vals[i] ?? 0n })) };
    }
    case K.FWD:
      return { k: 'fwd', union: t.kflag, name: t.name };
    case K.TYPEDEF:
      return { k: 'typedef', name: t.name, of: () => fromBtf(btf, t.sizeOrType) };
    case K.VOLATILE:
    case K.CONST:
    case K.RESTRICT:
    case K.TYPE_TAG:
    case K.VAR:
      return fromBtf(btf, t.sizeOrType);
    case K.FUNC: {
      const proto = btf.types[t.sizeOrType];
      const f = proto ? convert(btf, proto.id, depth + 1) : VOID;
      return f.k === 'func' ? { ...f, name: t.name } : VOID;
    }
    case K.FUNC_PROTO:
      return { k: 'func', name: '', ret: fromBtf(btf, t.sizeOrType), params: (t.params ?? []).map((p) => ({ name: p.name, type: fromBtf(btf, p.type) })) };
    default:
      return VOID;
  }
}

/** A named type of a BTF by C spelling: `struct x`, `union x`, `enum x`, or a typedef/base name. */
export function findBtfType(btf: Btf, spelled: string): CType | undefined {
  const m = /^(struct|union|enum)\s+(\w+)$/.exec(spelled.trim());
  const K = BTF_KIND;
  const kinds = m ? (m[1] === 'struct' ? [K.STRUCT] : m[1] === 'union' ? [K.UNION] : [K.ENUM, K.ENUM64]) : [K.TYPEDEF, K.INT, K.FLOAT];
  const name = m ? m[2]! : spelled.trim();
  for (const kind of kinds) {
    const t = findByNameKind(btf, name, kind);
    if (t) return fromBtf(btf, t.id);
  }
  return undefined;
}
