// The View: one immutable snapshot of the debugger, produced at every stop and rendered
// by every front end (TUI, batch, replay, DAP). `JSON.stringify(view)` *is* the batch
// JSON, so the shape is JSON-clean: no bigint, no Map, no undefined-vs-missing games.
// 64-bit values travel as Hex64 strings; absent facts are `null`, not missing fields.
// Data only: the engine builds Views, front ends read them, nobody mutates them.
import type { Arch } from '../jit/types.ts';
import type { PokeState } from '../kernel/pokes/pokeDescriptor.ts';
import type { DisplayView } from './displays.ts';

/** Bump when a field changes meaning or disappears (adding fields does not bump it). */
export const VIEW_VERSION = 1;

/**
 * A 64-bit value as text: '0x' + lowercase hex, no leading zeros ('0x0',
 * '0xffffffffc0000000'). Front ends pad for display; JSON stays canonical.
 */
export type Hex64 = string;
/** Memory bytes in address order, lowercase, space-separated: 'e9 13 00 00 00'. */
export type HexBytes = string;

/** Canonical Hex64 of a bigint (taken modulo 2^64). */
export const hex64 = (v: bigint): Hex64 => '0x' + BigInt.asUintN(64, v).toString(16);
/** The bigint a Hex64 stands for. */
export const hex64Value = (h: Hex64): bigint => BigInt(h);

// ---------------------------------------------------------------- run state, location

/** not-started: loaded, no CPU yet; running: a command is executing (see `progress`). */
export type RunState = 'not-started' | 'stopped' | 'running' | 'exited';

/** A source position from .BTF.ext line info (1-based line; `text` untrimmed). */
export interface SourceRef {
  file: string;
  line: number;
  col: number;
  text: string;
}

/** Where the CPU is. BPF insn numbers are xlated indexes in the program's image (what `break PROG:INSN` takes). */
export interface Location {
  /** Entry program whose image holds the PC (after a tail call: the callee program). */
  program: string;
  /** Function (entry or subprogram) holding the PC. */
  func: string;
  subprog: number;
  /** BPF insn the native PC belongs to; null in prologue/epilogue glue, helper trap, sentinel. */
  insn: number | null;
  /** True when the PC is the first native insn of `insn` (false after `si` lands mid-sequence). */
  atInsnStart: boolean;
  nativeAddr: Hex64;
  /** Byte offset of the PC inside the function's code. */
  nativeOff: number;
  /** JitFunction region role holding the PC ('prologue', 'tail-call', 'epilogue', ...), if any. */
  region: string | null;
  source: SourceRef | null;
}

// ---------------------------------------------------------------- stop reasons

/** Why a tail call did or did not transfer control (kernel order of checks). */
export type TailCallOutcome =
  | 'taken'
  | 'index-out-of-range' // key >= max_entries
  | 'count-exceeded' // counter at MAX_TAIL_CALL_CNT (33)
  | 'empty-slot'; // ptrs[key] == NULL (direct: the bypass `jmp out` is live)

export type StepUnit = 'stepi' | 'nexti' | 'step' | 'next' | 'finish';

export type DebugStop =
  | { kind: 'entry' } // `start`: stopped before the first instruction
  | { kind: 'breakpoint'; id: number; hits: number }
  | { kind: 'step'; unit: StepUnit }
  | {
      kind: 'tail-call';
      taken: boolean;
      outcome: TailCallOutcome;
      /** Direct (poke site) or indirect (map lookup at run time). */
      direct: boolean;
      from: { program: string; func: string; insn: number };
      map: string;
      key: number;
      /** Program entered, or null when not taken. */
      to: string | null;
      /** Counter value after the attempt (as stored: x86 counts up, RISC-V down). */
      tcc: number;
    }
  | { kind: 'poke'; poke: number; program: string; from: PokeState; to: PokeState; cause: string }
  | { kind: 'exit'; retval: Hex64; retvalSigned: string }
  | { kind: 'fault'; message: string; addr: Hex64 | null; access: 'read' | 'write' | 'fetch' | null }
  | { kind: 'interrupted' }
  /** A watchpoint's access completed: `old` set when a write changed the value (gdb's texts). */
  | { kind: 'watchpoint'; id: number; access: 'read' | 'write'; expr: string; old: string | null; value: string };

// ---------------------------------------------------------------- registers

export interface NativeRegister {
  /** Arch name: 'rax'..'r15', 'rip', 'rflags' / 'ra', 'sp', 's0', 'a0', 'pc'. */
  name: string;
  value: Hex64;
  changed: boolean;
  /** BPF register mapped here by the JIT ('R0'), or null. */
  bpf: string | null;
  /** Role when not a plain BPF register: 'private frame pointer', 'tail-call counter', 'pc', 'sp', 'flags'. */
  role: string | null;
}

export interface BpfRegister {
  /** 'R0'..'R10'. */
  name: string;
  /** Native register holding it right now (R10: 'rbp', or 'r9' on a private stack; RISC-V 's5'). */
  native: string;
  value: Hex64;
  changed: boolean;
}

/** Where the tail-call counter lives at this PC. */
export type TccLocation =
  | { kind: 'rax' } // hand-over: entry of a main program / tail-call landing (x86)
  | { kind: 'stack'; addr: Hex64; fpOff: number } // E1 by-value slot, RISC-V on-stack slot
  | { kind: 'ptr'; slotAddr: Hex64; slotFpOff: number; via: 'rax' | 'slot'; counterAddr: Hex64 } // tcc_ptr (6.12+)
  | { kind: 'a6' }
  | { kind: 's6' };

export interface TailCallCounter {
  /** Raw counter as stored. */
  value: number;
  /** Tail calls taken in this chain (x86: value; RISC-V: limit - value). */
  used: number;
  /** MAX_TAIL_CALL_CNT. */
  limit: number;
  counts: 'up' | 'down';
  where: TccLocation;
  /** One line for humans: 'tcc_ptr [rbp-0x18] -> 0xffffc9001000ffd8 = 3'. */
  describe: string;
  changed: boolean;
}

export interface Registers {
  /** All native registers in arch order. */
  native: NativeRegister[];
  /** R0..R10 through the JIT's register map. */
  bpf: BpfRegister[];
  pc: Hex64;
  sp: Hex64;
  /** x86 rflags letters set ('ZF', 'CF', ...); empty on RISC-V. */
  flags: string[];
  /** r9 as the per-CPU private frame pointer (x86 6.13+), when the current function uses one. */
  privateFramePointer: { reg: string; value: Hex64; areaLo: Hex64; areaHi: Hex64 } | null;
  /** Null when the current program has no tail-call counter (not tail_call_reachable). */
  tailCallCounter: TailCallCounter | null;
}

// ---------------------------------------------------------------- frames and call chain

/** A program this frame used to run before a tail call replaced it. */
export interface TailCallHop {
  /** Program that executed the tail call. */
  program: string;
  func: string;
  insn: number;
  map: string;
  key: number;
  direct: boolean;
  /** Program it jumped to. */
  to: string;
  /** Counter after the hop (as stored). */
  tcc: number;
}

/** A BPF trampoline frame (fentry/fexit/fmod_ret programs attached to a BPF function). */
export interface FrameTrampoline {
  /** kallsyms name, bpf_trampoline_<key>. */
  symbol: string;
  addr: Hex64;
  /** The traced function and its program. */
  target: { program: string; func: string };
  /** Where the trampoline is: running fentry/fmod_ret programs, in the original function (fexit attached), or running fexit programs. */
  phase: 'fentry' | 'original' | 'fexit';
  fentry: string[];
  fexit: string[];
  fmodRet: string[];
}

export interface Frame {
  /** 0 = innermost. */
  level: number;
  /** Program name (`OBJ:NAME` when another object has one of that name); a trampoline frame: the traced program. */
  program: string;
  /** Session name of the program's object. */
  object?: string;
  /** Set on a trampoline frame (func is then its symbol, insn null). */
  trampoline?: FrameTrampoline | null;
  /** The traced function stopped at its patched entry, about to run (its trampoline is the frame inside). */
  atPatchSite?: boolean;
  /** This frame runs an freplace program in place of that function (the patch site jumped here). */
  replacing?: { program: string; func: string } | null;
  func: string;
  subprog: number;
  /** Innermost: the PC's insn; outer frames: the call insn being returned to. */
  insn: number | null;
  /** Innermost: PC; outer frames: the return address. */
  nativeAddr: Hex64;
  /** Frame pointer register value (rbp / s0). */
  fp: Hex64;
  /** BPF R10 for this frame (rbp, or the private-stack top in r9). */
  bpfFp: Hex64;
  privateStack: boolean;
  /** Counter as seen from this frame, if the frame carries one. */
  tcc: number | null;
  /** Tail-call hops that happened in this frame since its program was entered, oldest first. */
  replaced: TailCallHop[];
  source: SourceRef | null;
  selected: boolean;
}

export type FrameSlotKind =
  | 'return-address'
  | 'saved-fp'
  | 'tcc' // counter by value
  | 'tcc-ptr' // pointer to the counter (6.12+)
  | 'saved-reg'
  | 'bpf-stack'
  | 'priv-stack'
  | 'priv-guard'
  | 'padding';

export interface FrameSlot {
  kind: FrameSlotKind;
  /** 'return address', 'saved rbp', 'tcc_ptr', 'saved rbx', 'R10-8', 'guard (low)'. */
  name: string;
  addr: Hex64;
  /** Register `fpOff` is relative to: the frame's fp (rbp / s0), or r9 for the private area. */
  base: string;
  fpOff: number;
  size: number;
  bytes: HexBytes;
  /** Little-endian value for 1/2/4/8-byte slots, else null. */
  value: Hex64 | null;
  /** 'prog_b+0x3c', 'guard intact', 'GUARD CORRUPTED', 'points to counter = 2'. */
  note: string | null;
  /** Something is wrong here (a private-stack guard overwritten): front ends flag it. */
  alert: boolean;
  changed: boolean;
}

export interface FrameSlots {
  level: number;
  func: string;
  fpReg: string;
  fp: Hex64;
  /** Highest address first (return address at the top). */
  slots: FrameSlot[];
}

export interface CallChainEntry {
  kind: 'entry' | 'call' | 'tail-call';
  program: string;
  func: string;
  /** Insn of the call/tail call that led to the next entry; for the last entry, the PC's insn. */
  insn: number | null;
  /** Frame level this entry belongs to (tail-call hops share the frame they replaced). */
  frame: number;
  /** Counter at this point (after the hop for tail calls), if known. */
  tcc: number | null;
}

// ---------------------------------------------------------------- pokes and maps

export type { PokeState };

export interface PokeSiteCode {
  addr: Hex64;
  bytes: HexBytes;
  /** 'nop5', 'jmp 0xffffffffc000005a (out)', 'jmp prog_b+0xc'. */
  asm: string;
}

export interface PokeTransition {
  from: PokeState;
  to: PokeState;
  /** 'install jmp_table[0] = prog_b', 'delete jmp_table[0]', 'replace ...'. */
  cause: string;
  /** View.seq of the stop at which it happened. */
  atSeq: number;
}

export interface Poke {
  index: number;
  program: string;
  func: string;
  insn: number;
  map: string;
  mapIndex: number;
  key: number;
  /** Program in ptrs[key] now (null = empty slot). */
  slotProgram: string | null;
  /** Program the target site jumps to (decoded from its bytes), or null for nop5. */
  jumpsTo: string | null;
  state: PokeState;
  bypass: PokeSiteCode;
  target: PokeSiteCode;
  /** `out`: where the bypass jumps. */
  bypassAddr: Hex64;
  adjOff: number;
  /** A delete waiting for the PC to leave [bypass+5, target+5) before nopping the target. */
  pendingGracePeriod: { waitingFor: string } | null;
  lastTransition: PokeTransition | null;
  /** True when the state changed since the previous stop (front ends highlight it). */
  changed: boolean;
}

export interface MapEntry {
  key: HexBytes;
  value: HexBytes;
  /** Little-endian numbers when key/value are 1/2/4/8 bytes. */
  keyNum: string | null;
  valueNum: string | null;
  changed: boolean;
  /**
   * A global data map's value (.bss, .data, .rodata) split into its variables: name, C
   * type (by size: u8/u16/u32/u64, else bytes), value. Absent for other maps.
   */
  vars?: { name: string; type: string; value: string }[];
}

export interface MapView {
  /** Index in its object's map table (LD_IMM64 pseudo map imm). */
  index: number;
  /** Map name (`OBJ:NAME` when another object has a map of that name). */
  name: string;
  /** Session name of the object that created it (a reused pinned map appears once). */
  object?: string;
  /** 'prog_array', 'array', 'hash', ... (BPF_MAP_TYPE_* lower case, no prefix). */
  type: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  /** prog_array only: every slot, null program = empty. */
  progSlots: { key: number; program: string | null; changed: boolean }[] | null;
  /** Other maps: entries (arrays: non-zero ones), possibly truncated. */
  entries: MapEntry[] | null;
  totalEntries: number;
  truncated: boolean;
}

// ---------------------------------------------------------------- objects and links

export interface ObjectView {
  /** Session name: the qualifier of `OBJ:NAME`. */
  name: string;
  path: string;
  main: boolean;
  programs: string[];
  maps: string[];
}

/** A bpf_link of an fentry / fexit / fmod_ret / freplace program attached to a BPF function. */
export interface LinkView {
  id: number;
  program: string;
  object: string;
  kind: 'fentry' | 'fexit' | 'fmod_ret' | 'freplace';
  target: { program: string; func: string; addr: Hex64 };
  /** The patch site at the target's entry as it is now: `call bpf_trampoline_...` or `jmp PROG`. */
  site: { addr: Hex64; bytes: HexBytes; asm: string };
  /** fentry/fexit/fmod_ret: the live trampoline the site calls. */
  trampoline: { addr: Hex64; symbol: string; size: number; fentry: string[]; fexit: string[]; fmodRet: string[] } | null;
}

export interface PinView {
  path: string;
  map: string;
}

// ---------------------------------------------------------------- code windows

export interface InsnMarkers {
  current: boolean;
  /** Breakpoint id at this insn/address, or null. */
  breakpoint: number | null;
  breakpointEnabled: boolean;
  /** Poke descriptor index when this is a direct tail-call insn, or its bypass/target site. */
  poke: number | null;
  pokeSite: 'bypass' | 'target' | null;
  tailCall: 'direct' | 'indirect' | null;
}

export type DisasmLine =
  | { kind: 'func'; func: string; addr: Hex64 }
  | { kind: 'source'; file: string; line: number; text: string }
  | { kind: 'bpf'; insn: number; text: string; markers: InsnMarkers }
  | {
      kind: 'native';
      /** BPF insn it belongs to, null for glue (prologue before insn 0 etc.). */
      insn: number | null;
      addr: Hex64;
      off: number;
      bytes: HexBytes;
      text: string;
      region: string | null;
      markers: InsnMarkers;
    };

export interface DisasmWindow {
  program: string;
  func: string;
  lines: DisasmLine[];
  /** Index in `lines` of the current position (the native line at PC), or null. */
  current: number | null;
}

export interface SourceWindow {
  file: string;
  lines: { line: number; text: string; current: boolean; breakpoint: boolean }[];
  /** Current 1-based line, or null. */
  current: number | null;
}

// ---------------------------------------------------------------- misc

export interface Breakpoint {
  id: number;
  /** As the user wrote it, normalized: 'prog_a:12', '*0xffffffffc0000042', 'tailchain.c:37'. */
  spec: string;
  program: string;
  insn: number | null;
  nativeAddr: Hex64;
  enabled: boolean;
  hits: number;
  temporary: boolean;
  /** `commands N` ... `end` (present when set). */
  commands?: string[];
  /** Crossings still ignored (`ignore N COUNT`; present when non-zero). */
  ignoreCount?: number;
}

/** `catch tailcall` / `catch poke`, numbered with the breakpoints. */
export interface Catchpoint {
  id: number;
  /** 'tailcall': every tail call, taken or not; 'poke': every poke descriptor transition. */
  what: 'tailcall' | 'poke';
  enabled: boolean;
  hits: number;
}

export type OutputKind = 'command' | 'out' | 'error' | 'info';

export interface OutputLine {
  /** Monotonic over the session: front ends append lines they have not seen. */
  seq: number;
  kind: OutputKind;
  text: string;
}

export interface ProgramSummary {
  name: string;
  section: string;
  type: string;
  funcs: { name: string; subprog: number; insnStart: number; insnCount: number; addr: Hex64; size: number }[];
}

export interface Progress {
  label: string;
  done: number;
  /** Null when the end is unknown (`continue`). */
  total: number | null;
  /** Interrupt (Ctrl-C) will stop it. */
  interruptible: boolean;
  /** A run: `done` counts machine instructions executed so far, and this the time since it began. */
  elapsedMs?: number;
}

/**
 * Where the debuggee is on its recorded timeline (sessions run on record/'s tracing
 * machine; null when nothing records instruction counts).
 */
export interface HistoryView {
  /** 'recording': commands are being recorded; 'replay': a recording replayed; 'traced': neither, reverse execution still works. */
  mode: 'recording' | 'replay' | 'traced';
  /** Machine instructions executed from launch to this point (what --stop-at insn:N takes). */
  count: number;
  /** Furthest count the history reaches: above `count` after going back. */
  horizon: number;
  /** The recording file: the one replayed, or where the recording will be saved (null if not known yet). */
  file: string | null;
}

export interface View {
  version: typeof VIEW_VERSION;
  /** Increases with every View the session produces (render only when it changes). */
  seq: number;
  runState: RunState;
  arch: Arch;
  profile: { name: string; describes: string };
  object: { path: string; name: string } | null;
  programs: ProgramSummary[];
  location: Location | null;
  stop: DebugStop | null;
  registers: Registers | null;
  /** Innermost first. */
  frames: Frame[];
  /** Slots of the selected frame. */
  frameSlots: FrameSlots | null;
  /** Outermost first: entry program, calls and tail-call hops down to the PC. */
  callChain: CallChainEntry[];
  pokes: Poke[];
  maps: MapView[];
  /** Every loaded object, the main one first. */
  objects?: ObjectView[];
  /** Attached fentry/fexit/fmod_ret/freplace programs. */
  links?: LinkView[];
  /** Maps pinned on the BPF file system. */
  pins?: PinView[];
  /** Recording / replay position; null when the session records no instruction counts. */
  history?: HistoryView | null;
  disasm: DisasmWindow | null;
  source: SourceWindow | null;
  /** The last command output lines (bounded; older lines drop off the front). */
  output: OutputLine[];
  breakpoints: Breakpoint[];
  /** Catchpoints (`catch tailcall`, `catch poke`). */
  catchpoints?: Catchpoint[];
  /** `display` expressions evaluated at this View's state (the TUI's Display pane). */
  displays?: DisplayView[];
  /** A long operation under way (runState 'running'), else null. */
  progress: Progress | null;
}

// ---------------------------------------------------------------- memory map

/** One mapped region of the emulated machine (`info memory`). */
export interface MemoryRegionView {
  start: Hex64;
  /** Exclusive. */
  end: Hex64;
  size: number;
  /** As the CPU sees it: 'r-x', 'rw-', 'r--'. */
  perms: string;
  /** 'map chain values', 'text entry (entry)', 'kernel stack cpu0', 'helper trap page (...)'. */
  name: string;
  /** Named parts inside it: globals, functions, private stacks and their guard words. */
  parts: { start: Hex64; end: Hex64; size: number; name: string }[];
}
