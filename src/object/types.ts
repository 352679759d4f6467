// What a clang-built BPF object says, after libbpf-style loading: programs linked with
// their .text subprograms, relocations applied, maps (BTF-defined and global data),
// line info per instruction. Nothing executable here.
import type { Insn } from '../bpf/insn.ts';
import type { Diag } from '../common/diag.ts';
import type { FileOff, InsnIdx, SrcLine } from '../common/ids.ts';
import type { Btf } from './btf.ts';
import type { KfuncMemArg, KfuncRet } from './kfuncArgs.ts';

/** Program types bpfdbg knows, named after BPF_PROG_TYPE_* (lower case, no prefix). */
export type ProgType =
  | 'socket_filter'
  | 'sched_cls'
  | 'sched_act'
  | 'xdp'
  | 'kprobe'
  | 'tracepoint'
  | 'raw_tracepoint'
  | 'perf_event'
  | 'tracing' // fentry / fexit / fmod_ret / iter
  | 'ext' // freplace
  | 'lsm'
  | 'syscall'
  | 'struct_ops'
  // the network program types whose ctx the verifier rewrites (analysis/ctxRewrite.ts)
  | 'cgroup_skb'
  | 'cgroup_sock'
  | 'cgroup_sock_addr'
  | 'cgroup_sockopt'
  | 'cgroup_sysctl'
  | 'cgroup_device'
  | 'sock_ops'
  | 'sk_skb'
  | 'sk_msg'
  | 'sk_lookup'
  | 'sk_reuseport'
  | 'flow_dissector'
  | 'lwt_in'
  | 'lwt_out'
  | 'lwt_xmit'
  | 'lwt_seg6local'
  | 'netfilter'
  | 'unspec';

/** For tracing/ext programs: how they attach (from the SEC name, e.g. `fentry/subprog_tail`). */
export interface AttachSpec {
  kind: 'fentry' | 'fexit' | 'fmod_ret' | 'freplace' | 'other';
  /** Function name after the slash, if any. */
  target?: string;
}

/** BPF_MAP_TYPE_* numbers the loader and kernel model recognise. */
export const MapType = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  LRU_HASH: 9,
  ARRAY_OF_MAPS: 12,
  HASH_OF_MAPS: 13,
  RINGBUF: 27,
  ARENA: 33,
} as const;

const MAP_TYPE_NAMES = new Map<number, string>(Object.entries(MapType).map(([k, v]) => [v, k.toLowerCase()]));

/** A map type as `bpfdbg list` names it: BPF_MAP_TYPE_ without the prefix, lower case (`prog_array`). */
export const mapTypeName = (t: number): string => MAP_TYPE_NAMES.get(t) ?? `type ${t}`;

export interface MapDef {
  /** Index in BpfObject.maps; LD_IMM64 pseudo map insns carry it in `imm`. */
  index: number;
  /** Map name as libbpf names it (`jmp_table`, `tailcall.bss`). */
  name: string;
  /** BPF_MAP_TYPE_* number. */
  type: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
  /** 'user' for .maps definitions; otherwise the global-data section kind. */
  kind: 'user' | 'data' | 'rodata' | 'bss';
  /** ELF section of a global-data map (`.bss`, `.data.foo`). */
  section?: string;
  /** Initial value bytes of a global-data map (one element); zeros for .bss. */
  initialValue?: Uint8Array;
  /** prog_array `__array(values, ...)` initialisers: slot -> entry program name. */
  initSlots?: { slot: number; prog: string }[];
  /** BTF type ids of key/value when known. */
  btfKeyTypeId?: number;
  btfValueTypeId?: number;
  /** `__uint(pinning, ...)`: 1 = LIBBPF_PIN_BY_NAME (pinned and reused at <bpffs>/<name>). */
  pinning?: number;
}

/** A global variable inside a global-data map (from the symbol table / BTF DATASEC). */
export interface GlobalVar {
  name: string;
  /** Map index of the section's internal map. */
  mapIndex: number;
  section: string;
  offset: number;
  size: number;
}

/** A source position attached to an instruction (from .BTF.ext line_info). */
export interface SourcePos {
  file: string;
  line: SrcLine;
  col: number;
  /** The full text of the C source line, as stored in BTF (not trimmed). */
  text: string;
}

export interface LineInfoRec extends SourcePos {
  /** Instruction index in the *linked* program. */
  insn: InsnIdx;
}

/** A function inside a linked program: the entry function first, then appended subprograms. */
export interface LinkedFunc {
  name: string;
  /** First instruction in the linked program. */
  start: InsnIdx;
  /** Number of instruction slots. */
  len: number;
  /** Section the function came from (`tc`, `.text`). */
  section: string;
  /** Instruction index inside that section where the function starts. */
  sectionInsn: number;
  /** STB_GLOBAL/WEAK function (a "global function" the kernel verifies independently). */
  global: boolean;
  /** BTF FUNC type id from func_info, if present. */
  btfFuncId?: number;
  /** Global function: pointer arguments the verifier checks as memory at each call. */
  memArgs?: KfuncMemArg[];
}

export interface BpfProgram {
  /** Function (symbol) name: tests find programs by it. */
  name: string;
  /** ELF section name without a leading '?' (`tc`, `xdp`, `fentry/subprog_tail`). */
  section: string;
  /** False for `SEC("?...")` programs (autoload off). */
  autoload: boolean;
  progType: ProgType;
  attach?: AttachSpec;
  /**
   * The linked instruction array as libbpf sends it to the kernel: the entry function,
   * then every .text subprogram it reaches (in libbpf's append order), call/func
   * offsets fixed up, map/global-data LD_IMM64 rewritten to pseudo forms with
   * `imm` = map index (src 1 PSEUDO_MAP_FD, or src 2 PSEUDO_MAP_VALUE with slot 2 = offset).
   */
  insns: Insn[];
  /** Functions of the linked program, in instruction order; funcs[0] is the entry function. */
  funcs: LinkedFunc[];
  /** Sorted by insn; the source of insn i is the last record with insn <= i. */
  lineInfo: LineInfoRec[];
  /** File offset of the entry function's first byte (for error places). */
  fileOff: FileOff;
  /** The function `__exception_cb(NAME)` names (BTF decl tag `exception_callback:NAME`), linked in `funcs`. */
  exceptionCb?: string;
}

/** A program libbpf would have to leave out: its section and type, and why. */
export interface RejectedProgram {
  name: string;
  section: string;
  autoload: boolean;
  progType: ProgType;
  error: Diag;
}

export interface ExternInfo {
  name: string;
  kind: 'kconfig' | 'ksym' | 'kfunc';
  /** vmlinux BTF id of a resolved kfunc or typed ksym (kfunc calls carry it in `imm`). */
  kernelBtfId?: number;
  /** kfunc arguments the verifier checks as sized memory (stack-depth growth). */
  memArgs?: KfuncMemArg[];
  /** kfunc returning a kernel object pointer: what the verifier makes of it (KfuncRet). */
  retBtf?: KfuncRet;
}

export interface BpfObject {
  /** Path as given by the user. */
  path: string;
  /** libbpf object name: basename up to the first '.'. */
  name: string;
  /** The raw file bytes (records and replays carry them). */
  bytes: Uint8Array;
  license: string;
  littleEndian: boolean;
  maps: MapDef[];
  globals: GlobalVar[];
  /** Entry programs sorted by (section index, start). */
  programs: BpfProgram[];
  /**
   * Entry programs the loader could not prepare (a bad relocation, an unresolved extern),
   * with why. Set by loadObject; absent on objects built by hand (tests, benches).
   */
  rejected?: RejectedProgram[];
  /** Externs the object declares, as resolved against the kernel (kfunc and ksym BTF ids). */
  externs?: ExternInfo[];
  /** Names of .text subprograms (unlinked), for listings. */
  subprograms: { name: string; sectionInsn: number; len: number; global: boolean }[];
  /** The object's own BTF (local type ids of kfunc arguments, struct layouts), when it has one. */
  btf?: Btf;
  /** Source files referenced by line info, with their lines when known from BTF. */
  sources: Map<string, Map<number, string>>;
}
