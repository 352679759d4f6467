// Externs of an object — `extern ... __kconfig` values, `__ksym` kernel variables and
// kfunc prototypes — after libbpf's bpf_object__collect_externs and
// bpf_object__resolve_externs (v1.x): which DATASEC (`.kconfig` / `.ksyms`) declares each,
// where kconfig values sit in the `.kconfig` map, and what the kernel answers for each
// (a value, a vmlinux BTF id, a kallsyms address). An extern that cannot be resolved does
// not sink the object: it carries its error, and only the functions using it fail.
import type { Diag } from '../common/diag.ts';
import { ksymAddress } from '../common/kallsyms.ts';
import { BTF_KIND, findByNameKind, resolveSize, skipModsAndTypedefs, type Btf, type BtfType } from './btf.ts';
import { externBad, ObjError, type FileWhere } from './errors.ts';
import { SHN_UNDEF, STB_GLOBAL, STB_WEAK, STT_NOTYPE, type Elf, type ElfSymbol } from './elf.ts';
import { KCONFIG, kernelVersionCode, LINUX_HAS } from './kconfig.ts';
import type { KernelBtf } from './kernelBtf.ts';
import { kfuncMemArgs, kfuncRetBtf, type KfuncMemArg, type KfuncRet } from './kfuncArgs.ts';

const BTF_INT_SIGNED = 1;
const BTF_INT_BOOL = 4;
const BTF_VAR_EXTERN = 2;
const BTF_FUNC_EXTERN = 2;

export type KcfgType = 'bool' | 'char' | 'int' | 'tristate' | 'char-array';

export interface Extern {
  name: string;
  /** Symbol table index (relocations name externs by it). */
  symIndex: number;
  weak: boolean;
  /** The object's BTF VAR or FUNC. */
  btfId: number;
  kind: 'kcfg' | 'ksym';
  kcfg?: { type: KcfgType; size: number; align: number; signed: boolean; dataOff: number };
  /** ksym: a kfunc (FUNC) or a variable; typeId 0 = typeless (`extern const void x __ksym`). */
  ksym?: { func: boolean; typeId: number };
  /** Resolved (libbpf ext->is_set); unresolved weak externs read 0. */
  set: boolean;
  /** Typed ksym / kfunc: its id in the kernel's BTF. */
  kernelBtfId?: number;
  /** kfunc: arguments the verifier checks as sized memory (kfuncArgs.ts). */
  memArgs?: KfuncMemArg[];
  /** kfunc returning a kernel object pointer: what the verifier makes of it (KfuncRet). */
  retBtf?: KfuncRet;
  /** Typeless ksym: its kallsyms address. */
  addr?: bigint;
  /** Why a strong extern is unresolved: every use of it fails with this. */
  error?: Diag;
}

/** libbpf sym_is_extern: an undefined global or weak NOTYPE symbol. */
export const isExternSym = (s: ElfSymbol): boolean =>
  s.shndx === SHN_UNDEF && (s.bind === STB_GLOBAL || s.bind === STB_WEAK) && s.type === STT_NOTYPE && s.name !== '';

/** Kind of a kconfig extern's type (libbpf find_kcfg_type), or undefined when unsupported. */
function kcfgType(btf: Btf, id: number): { type: KcfgType; signed: boolean } | undefined {
  const t = skipModsAndTypedefs(btf, id);
  if (!t) return undefined;
  switch (t.kind) {
    case BTF_KIND.INT: {
      const enc = ((t.intData ?? 0) >>> 24) & 0xf;
      if (enc & BTF_INT_BOOL) return t.sizeOrType === 1 ? { type: 'bool', signed: false } : undefined;
      const signed = (enc & BTF_INT_SIGNED) !== 0;
      if (t.sizeOrType === 1) return { type: 'char', signed };
      const sz = t.sizeOrType;
      if (sz < 1 || sz > 8 || (sz & (sz - 1)) !== 0) return undefined;
      return { type: 'int', signed };
    }
    case BTF_KIND.ENUM:
    case BTF_KIND.ENUM64:
      if (t.name !== 'libbpf_tristate' || (t.kind === BTF_KIND.ENUM && t.sizeOrType !== 4)) return undefined;
      return { type: 'tristate', signed: false };
    case BTF_KIND.ARRAY:
      if (t.array!.nelems === 0 || kcfgType(btf, t.array!.type)?.type !== 'char') return undefined;
      return { type: 'char-array', signed: false };
    default:
      return undefined;
  }
}

/** btf__align_of for the types a kconfig extern may have. */
function alignOf(btf: Btf, id: number): number {
  const t = skipModsAndTypedefs(btf, id);
  if (!t) return 0;
  if (t.kind === BTF_KIND.ARRAY) return alignOf(btf, t.array!.type);
  return Math.min(t.sizeOrType, 8);
}

/** Finds the extern VAR/FUNC for a symbol (libbpf find_extern_btf_id). */
function externBtf(btf: Btf, name: string): BtfType | undefined {
  const v = findByNameKind(btf, name, BTF_KIND.VAR);
  if (v && v.linkage === BTF_VAR_EXTERN) return v;
  const f = findByNameKind(btf, name, BTF_KIND.FUNC);
  if (f && f.vlen === BTF_FUNC_EXTERN) return f;
  return undefined;
}

/** libbpf's extern order: kcfg before ksym; kcfg by alignment (descending), size, then name. */
function cmpExterns(a: Extern, b: Extern): number {
  if (a.kind !== b.kind) return a.kind === 'kcfg' ? -1 : 1;
  if (a.kcfg && b.kcfg) {
    if (a.kcfg.align !== b.kcfg.align) return b.kcfg.align - a.kcfg.align;
    if (a.kcfg.size !== b.kcfg.size) return a.kcfg.size - b.kcfg.size;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Collects the object's externs, sorted as libbpf sorts them, with kconfig offsets laid
 * out. Malformed declarations (no BTF, an unsupported kconfig type) reject the object, as
 * libbpf's open does.
 */
export function collectExterns(elf: Elf, btf: Btf | undefined): Extern[] {
  const syms = elf.symbols.filter(isExternSym);
  if (!syms.length) return [];
  const secOf = new Map<number, string>();
  for (const t of btf?.types ?? []) if (t.kind === BTF_KIND.DATASEC) for (const v of t.vars!) secOf.set(v.type, t.name);
  const out: Extern[] = [];
  for (const s of syms) {
    const w: FileWhere = { file: elf.file, section: '.symtab', fileOff: elf.symtab.offset + s.index * 24 };
    if (!btf) throw new ObjError(externBad(w, s.name, 'BTF is required for externs'));
    const t = externBtf(btf, s.name);
    if (!t) throw new ObjError(externBad(w, s.name, 'no extern VAR or FUNC of that name in BTF'));
    const sec = secOf.get(t.id);
    const ext: Extern = { name: s.name, symIndex: s.index, weak: s.bind === STB_WEAK, btfId: t.id, kind: 'ksym', set: false };
    if (sec === '.kconfig') {
      if (t.kind === BTF_KIND.FUNC) throw new ObjError(externBad(w, s.name, 'a function cannot be a kconfig extern'));
      const size = resolveSize(btf, t.sizeOrType);
      const align = alignOf(btf, t.sizeOrType);
      const kt = kcfgType(btf, t.sizeOrType);
      if (!size || !align || !kt)
        throw new ObjError(externBad(w, s.name, 'kconfig extern type is unsupported (bool, char, int, libbpf_tristate or char array)'));
      ext.kind = 'kcfg';
      ext.kcfg = { type: kt.type, size, align, signed: kt.signed, dataOff: 0 };
    } else if (sec === '.ksyms') {
      const func = t.kind === BTF_KIND.FUNC;
      const typeId = func ? t.id : (skipModsAndTypedefs(btf, t.sizeOrType)?.id ?? 0);
      ext.ksym = { func, typeId };
    } else {
      throw new ObjError(externBad(w, s.name, `declared in section '${sec ?? '(none)'}', neither '.kconfig' nor '.ksyms'`));
    }
    out.push(ext);
  }
  out.sort(cmpExterns);
  let off = 0;
  for (const e of out) {
    if (!e.kcfg) continue;
    e.kcfg.dataOff = Math.ceil(off / e.kcfg.align) * e.kcfg.align;
    off = e.kcfg.dataOff + e.kcfg.size;
  }
  return out;
}

/** Size of the `.kconfig` map value: the end of the last kconfig extern (0 when none). */
export function kconfigSize(externs: readonly Extern[]): number {
  let end = 0;
  for (const e of externs) if (e.kcfg) end = Math.max(end, e.kcfg.dataOff + e.kcfg.size);
  return end;
}

export interface ResolveEnv {
  file: string;
  /** Kernel release the values come from (KCONFIG table, LINUX_KERNEL_VERSION). */
  release: string;
  littleEndian: boolean;
  /** vmlinux BTF, loaded only when a ksym needs it. */
  kernelBtf(): KernelBtf;
}

/**
 * Resolves every extern (libbpf bpf_object__resolve_externs) and returns the `.kconfig`
 * map's initial bytes. Kconfig values come from KCONFIG[release]; typed ksyms and kfuncs
 * by name in vmlinux BTF; typeless ksyms from the model's kallsyms (a symbol the kernel's
 * BTF names as a function or variable exists there).
 */
export function resolveExterns(externs: Extern[], env: ResolveEnv): Uint8Array {
  const data = new Uint8Array(kconfigSize(externs));
  const config = KCONFIG[env.release] ?? {};
  for (const e of externs) {
    const w: FileWhere = { file: env.file, section: e.kind === 'kcfg' ? '.kconfig' : '.ksyms' };
    const fail = (what: string): void => {
      e.error = externBad(w, e.name, what);
    };
    if (e.kcfg) {
      let text: string | undefined;
      if (e.name === 'LINUX_KERNEL_VERSION') text = String(kernelVersionCode(env.release));
      else if (e.name.startsWith('LINUX_HAS_')) {
        const v = LINUX_HAS[env.release]?.[e.name];
        if (v === undefined && !e.weak) {
          fail('unrecognized virtual extern (libbpf knows LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER)');
          continue;
        }
        text = v === undefined ? undefined : String(v);
      } else if (e.name.startsWith('CONFIG_')) text = config[e.name];
      else {
        fail('unrecognized kconfig extern (only CONFIG_* and LINUX_* names exist)');
        continue;
      }
      if (text === undefined) {
        if (!e.weak) fail(`not set in the kernel configuration of Linux ${env.release}`);
        continue;
      }
      const why = setKcfgValue(data, e, text, env.littleEndian);
      if (why) fail(`value '${text}': ${why}`);
      else e.set = true;
      continue;
    }
    const k = e.ksym!;
    const kbtf = env.kernelBtf().btf;
    if (k.func || k.typeId !== 0) {
      const kt = findByNameKind(kbtf, e.name, k.func ? BTF_KIND.FUNC : BTF_KIND.VAR);
      if (kt) {
        e.kernelBtfId = kt.id;
        if (k.func) {
          e.memArgs = kfuncMemArgs(kbtf, kt);
          const ret = kfuncRetBtf(kbtf, kt);
          if (ret) e.retBtf = ret;
        }
        e.set = true;
      } else if (!e.weak) fail(`${k.func ? 'kernel function' : 'kernel variable'} not found in the kernel's BTF`);
    } else {
      const kt = findByNameKind(kbtf, e.name, BTF_KIND.FUNC) ?? findByNameKind(kbtf, e.name, BTF_KIND.VAR);
      if (kt) {
        e.addr = ksymAddress(kt.id);
        e.set = true;
      } else if (!e.weak) fail('not found in kallsyms');
    }
  }
  return data;
}

/** libbpf set_kcfg_value_tri / _num / _str: writes `text` at the extern's offset, or says why it does not fit. */
function setKcfgValue(data: Uint8Array, e: Extern, text: string, le: boolean): string | undefined {
  const k = e.kcfg!;
  if (text === 'y' || text === 'n' || text === 'm') {
    const v = text === 'y' ? 1 : text === 'm' ? 2 : 0;
    switch (k.type) {
      case 'bool':
        if (text === 'm') return 'a bool cannot be a module';
        data[k.dataOff] = v;
        return undefined;
      case 'tristate':
        writeInt(data, k.dataOff, 4, BigInt(v), le);
        return undefined;
      case 'char':
        data[k.dataOff] = text.charCodeAt(0);
        return undefined;
      default:
        return `a ${k.type} extern cannot hold y/n/m`;
    }
  }
  if (text.startsWith('"')) {
    if (k.type !== 'char-array') return 'a string needs a char array';
    const s = text.slice(1, text.endsWith('"') ? -1 : undefined);
    // libbpf copies at most size-1 characters and always NUL-terminates.
    for (let i = 0; i < Math.min(s.length, k.size - 1); i++) data[k.dataOff + i] = s.charCodeAt(i) & 0xff;
    return undefined;
  }
  let v: bigint;
  try {
    v = BigInt(text);
  } catch {
    return 'not a number';
  }
  if (k.type !== 'int' && k.type !== 'char' && k.type !== 'bool') return `a ${k.type} extern cannot hold a number`;
  if (k.type === 'bool' && v !== 0n && v !== 1n) return 'a bool holds 0 or 1';
  const bits = BigInt(k.size * 8);
  const fits = k.signed ? BigInt.asIntN(Number(bits), v) === v : BigInt.asUintN(Number(bits), v) === v;
  if (!fits) return `does not fit ${k.size} byte${k.size > 1 ? 's' : ''}`;
  writeInt(data, k.dataOff, k.size, v, le);
  return undefined;
}

function writeInt(data: Uint8Array, off: number, size: number, v: bigint, le: boolean): void {
  let x = BigInt.asUintN(size * 8, v);
  for (let i = 0; i < size; i++, x >>= 8n) data[off + (le ? i : size - 1 - i)] = Number(x & 0xffn);
}
